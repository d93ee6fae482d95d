import type { AppLoadContext, EntryContext } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { renderToReadableStream } from 'react-dom/server.browser';
import { CourseHtmlContext } from './content/course-html.tsx';
import { NonceProvider } from './utils/nonce.tsx';

/**
 * Renders the whole page, then sends it.
 *
 * With single fetch the loader data goes into the page through Suspense (Remix streams it into
 * script tags), so `renderToString`, which renders Suspense fallbacks, would leave it out. Not
 * `renderToPipeableStream` either: React 18.3.1's Node stream writer copies text into 2 KB buffers
 * and, when a multi-byte character does not fit at the end of one, sends the whole buffer with its
 * unfilled tail of zero bytes (react issue 31134; fixed in React 19, no 18.x release has the fix).
 * The web-stream renderer encodes each piece whole before copying bytes, so it does not have that
 * fault (tests/http/multibyte.test.ts). Waiting for `allReady` keeps whole pages for screen
 * readers and no-JS (docs/decisions/013-teacher-evening.md).
 */
export default async function handleRequest(request: Request, responseStatusCode: number, responseHeaders: Headers, remixContext: EntryContext, loadContext: AppLoadContext) {
  const nonce = loadContext?.cspNonce ?? '';
  let status = responseStatusCode;
  const body = await renderToReadableStream(
    <NonceProvider value={nonce}>
      <CourseHtmlContext.Provider value={loadContext?.courseHtml ?? null}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} />
      </CourseHtmlContext.Provider>
    </NonceProvider>,
    {
      signal: request.signal,
      nonce: nonce || undefined,
      onError(error: unknown) {
        status = 500;
        if (!request.signal.aborted) console.error(error);
      },
    },
  );
  await body.allReady;
  responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
  return new Response(body, { headers: responseHeaders, status });
}

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  console.error(error);
}
