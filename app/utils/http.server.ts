/** Responses thrown from loaders and actions; the error boundary renders them. */
export function notFound(message = 'We could not find that page.'): Response {
  return new Response(message, { status: 404, statusText: 'Not Found' });
}

export function forbidden(message = 'Your account does not have access to this page.'): Response {
  return new Response(message, { status: 403, statusText: 'Forbidden' });
}

export function badRequest(message = 'The request was not valid.'): Response {
  return new Response(message, { status: 400, statusText: 'Bad Request' });
}

const OWN_ORIGIN = 'http://kindred.invalid';

/**
 * Only a path on this site: the target is resolved the way a browser would (which drops tabs and
 * newlines and reads a backslash as a slash) and kept only if it stays on our origin. What comes
 * back is the resolved, percent-encoded path, so it can go into a Location header as it is.
 */
export function safeRedirectPath(target: unknown, fallback = '/learn'): string {
  if (typeof target !== 'string' || !target.startsWith('/') || target.length > 2000) return fallback;
  let url: URL;
  try {
    url = new URL(target, OWN_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== OWN_ORIGIN) return fallback;
  return url.pathname + url.search + url.hash;
}

export function clientAddress(context: unknown): string {
  const address = (context as { clientAddress?: unknown } | undefined)?.clientAddress;
  return typeof address === 'string' && address ? address : 'unknown';
}

/**
 * Runs a model call that checks access itself; its AccessDenied becomes a 404 page, so an id the
 * viewer may not touch looks the same as one that does not exist.
 */
export async function orNotFound<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof Error && error.name === 'AccessDenied') throw notFound();
    throw error;
  }
}
