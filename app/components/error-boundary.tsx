import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react';

const MESSAGES: Record<number, { title: string; body: string }> = {
  400: { title: 'That request was not valid', body: 'Something in what was sent could not be used. Go back and try again.' },
  403: { title: 'You do not have access to this page', body: 'Your account does not include this part of Kindred. If you think it should, ask a leader at your school.' },
  404: { title: 'Page not found', body: 'We could not find that page. It may have moved, or the address may be mistyped.' },
  413: { title: 'Too much to send', body: 'That was more than Kindred accepts in one go. Send less at a time.' },
  429: { title: 'Too many attempts', body: 'Please wait a little and try again.' },
};

/** The page title for an error page, for the root's and the routes' `meta`. */
export function errorTitle(error: unknown): string {
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return `${(MESSAGES[status] ?? { title: 'Something went wrong' }).title} – Kindred`;
}

/** The one error page: a clear message per status, used by the root and by any route. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  let status = 500;
  let detail: string | null = null;
  if (isRouteErrorResponse(error)) {
    status = error.status;
    detail = typeof error.data === 'string' && error.data.length < 300 ? error.data : null;
  }
  const message = MESSAGES[status] ?? {
    title: 'Something went wrong',
    body: 'Kindred hit a problem it did not expect. Your work up to your last save is safe. Try again in a moment.',
  };
  return (
    <section className="error-page" aria-labelledby="error-title">
      <h1 id="error-title">{message.title}</h1>
      <p>{detail ?? message.body}</p>
      <p className="muted">Error {status}</p>
      <p>
        <Link to="/">Go to your home page</Link>
      </p>
    </section>
  );
}
