import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { createSession, endSession, getSessionUser, loadMemberships } from '#app/auth/session.server.ts';
import { attemptSignIn } from '#app/models/accounts.server.ts';
import { configuredProviders } from '#app/auth/sso.server.ts';
import { Field, FormError } from '#app/components/forms.tsx';
import { SsoButtons } from '#app/components/sso-buttons.tsx';
import { clientAddress, safeRedirectPath } from '#app/utils/http.server.ts';
import { parseForm, readForm } from '#app/utils/forms.ts';

export const meta: MetaFunction = () => [{ title: 'Sign in – Kindred' }];

// The 429 page carries Retry-After from the action, also when the form posted without JavaScript.
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get('Retry-After');
  return retryAfter ? { 'Retry-After': retryAfter } : new Headers();
};

const signInSchema = z.object({
  email: z.string({ message: 'Enter your email address' }).trim().min(1, 'Enter your email address').max(254, 'That email address is too long'),
  password: z.string({ message: 'Enter your password' }).min(1, 'Enter your password').max(200, 'That password is too long'),
  redirectTo: z.string().optional(),
});

const WRONG_DETAILS = 'That email address and password do not match an account. Check them and try again.';

const SSO_ONLY = 'Your school signs you in with its own account, not a Kindred password. Use the button for your school’s sign-in above.';

// Why a single sign-on came back refused, by the reason in ?sso= (never the provider's own words).
const SSO_REFUSALS = new Map<string, (provider: string) => string>(Object.entries({
  expired: () => 'That sign-in was not finished in time, or was started in another browser or tab. Please try again.',
  invalid: (provider) => `We could not check the answer from ${provider}, so you are not signed in. Please try again.`,
  unavailable: (provider) => `Sign-in with ${provider} is not available at the moment. Please try again later.`,
  'no-email': (provider) => `Your ${provider} account did not tell us your email address, so we cannot find your Kindred account.`,
  unverified: (provider) => `Your email address is not verified with ${provider}, so it cannot open a Kindred account.`,
  'wrong-tenant': () => 'That account does not belong to your school’s organisation. Sign in with the account your school gave you.',
  'no-account': () => 'There is no Kindred account for that email address, and your school has not set up sign-in for its domain. Ask a leader at your school for an invitation.',
  inactive: () => 'Your Kindred account is not active at your school. Ask a leader at your school if you think this is wrong.',
}));

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getSessionUser(request)) throw redirect('/learn');
  const url = new URL(request.url);
  const providers = configuredProviders().map((p) => ({ id: p.id, label: p.label }));
  // A Map, so ?sso=constructor finds nothing rather than Object's own properties.
  const refusal = SSO_REFUSALS.get(url.searchParams.get('sso') ?? '');
  const providerLabel = providers.find((p) => p.id === url.searchParams.get('provider'))?.label ?? 'your school’s sign-in';
  return { providers, ssoError: refusal ? refusal(providerLabel) : null };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = parseForm(signInSchema, await readForm(request));
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, formError: null, email: null }, { status: 400 });
  const { email, password, redirectTo } = parsed.data;
  const result = await attemptSignIn(email, password, clientAddress(context));
  if (!result.ok && result.reason === 'rate-limited') {
    const seconds = Math.max(1, Math.ceil((result.retryAt.getTime() - Date.now()) / 1000));
    const time = result.retryAt.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
    return data(
      {
        fieldErrors: {},
        formError: `Too many unsuccessful sign-ins. For your security, please wait and try again after ${time} (in about ${Math.ceil(seconds / 60)} minutes).`,
        email,
      },
      { status: 429, headers: { 'Retry-After': String(seconds) } },
    );
  }
  if (!result.ok && result.reason === 'sso-only') return data({ fieldErrors: {}, formError: SSO_ONLY, email }, { status: 403 });
  // The email address goes back into its field: only the password has to be typed again.
  if (!result.ok) return data({ fieldErrors: {}, formError: WRONG_DETAILS, email }, { status: 401 });

  // A new token at every sign-in; any session this browser had before is ended.
  const headers = new Headers();
  await endSession(request);
  headers.append('Set-Cookie', await createSession(result.userId, { userAgent: request.headers.get('user-agent'), address: clientAddress(context) }));
  // Without a page to go back to, a coach starts where their teachers are.
  const coaches = (await loadMemberships(result.userId)).some((m) => m.roles.includes('coach'));
  return redirect(safeRedirectPath(redirectTo, coaches ? '/coach' : '/learn'), { headers });
}

export default function SignIn() {
  const actionData = useActionData<typeof action>();
  const { providers, ssoError } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  const sessionEnded = searchParams.get('session') === 'ended';
  const kept = searchParams.get('kept');
  return (
    <div className="stack">
      <h1>Sign in to Kindred</h1>
      {sessionEnded && !actionData ? (
        <p className="alert alert--info" role="status">
          {kept === 'reflection'
            ? 'Your session ended. Sign in again and your reflection will be back where you left it.'
            : kept === 'answers'
              ? 'Your session ended. Sign in again and your answers will be back where you left them.'
              : 'Your session ended. Sign in again to carry on where you were.'}
        </p>
      ) : null}
      {searchParams.get('reset') === '1' && !actionData ? (
        <div className="alert alert--success" role="status">
          Your password is changed and you have been signed out everywhere. Sign in with your new password.
        </div>
      ) : null}
      <FormError message={actionData?.formError ?? (actionData ? null : ssoError)} />
      {providers.length > 0 ? (
        <section className="stack" aria-labelledby="school-sign-in">
          <h2 id="school-sign-in">With your school account</h2>
          <SsoButtons providers={providers} redirectTo={searchParams.get('redirectTo') ?? ''} />
        </section>
      ) : null}
      {providers.length > 0 ? <h2>With a Kindred password</h2> : null}
      <Form method="post" className="stack" noValidate>
        <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? ''} />
        <Field label="Email address" name="email" type="email" autoComplete="username" required error={errors.email} defaultValue={actionData?.email ?? undefined} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required error={errors.password} />
        <div>
          <button type="submit" className="button">
            Sign in
          </button>
        </div>
      </Form>
      <p>
        <Link to="/forgot-password">Forgotten your password?</Link>
      </p>
      <p className="muted">New to Kindred? Your school sends you an invitation link. If you have lost it, ask a leader at your school for a new one.</p>
    </div>
  );
}
