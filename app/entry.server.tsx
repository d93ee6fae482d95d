import type { AppLoadContext, EntryContext } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { renderToString } from 'react-dom/server';
import { NonceProvider } from './utils/nonce.tsx';

/**
 * Renders the whole page to one string, then lets the platform encode it as UTF-8.
 *
 * Not `renderToPipeableStream`: React 18.3.1's Node stream writer copies text into 2 KB buffers
 * and, when a multi-byte character does not fit at the end of one, sends the whole buffer with
 * its unfilled tail of zero bytes (react issue 31134; fixed in React 19, no 18.x release has the
 * fix). Kindred waited for the whole page before sending anyway (complete HTML suits screen
 * readers and no-JS), and uses no Suspense, so nothing streaming-only is lost.
 * See docs/decisions/013-teacher-evening.md.
 */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext?.cspNonce ?? '';
  const html = renderToString(
    <NonceProvider value={nonce}>
      <RemixServer context={remixContext} url={request.url} nonce={nonce} />
    </NonceProvider>,
  );
  responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
  return new Response(`<!DOCTYPE html>${html}`, { headers: responseHeaders, status: responseStatusCode });
}

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  console.error(error);
}
