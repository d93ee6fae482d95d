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

/** Only same-site relative paths: never send someone to another site after sign-in. */
export function safeRedirectPath(target: unknown, fallback = '/learn'): string {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) {
    return fallback;
  }
  return target;
}

export function clientAddress(context: unknown): string {
  const address = (context as { clientAddress?: unknown } | undefined)?.clientAddress;
  return typeof address === 'string' && address ? address : 'unknown';
}
