import type { AppLoadContext, EntryContext } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { renderToReadableStream } from 'react-dom/server.browser';
import { formTokenRandomPart } from './auth/tokens.server.ts';
import { CourseHtmlContext } from './content/course-html.tsx';
import { NonceProvider } from './utils/nonce.tsx';
import { acceptsGzip, keepPage, keptPage, pageKey } from './utils/page-cache.server.ts';

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
 *
 * A page rendered from the same URL and loader data as one rendered before is that page: it is
 * served from memory with this request's nonce and form tokens (docs/decisions/023-rendered-pages-kept.md),
 * gzip-compressed as it was kept when the browser takes gzip (025-kept-pages-compressed.md).
 */
export default async function handleRequest(request: Request, responseStatusCode: number, responseHeaders: Headers, remixContext: EntryContext, loadContext: AppLoadContext) {
  const nonce = loadContext?.cspNonce ?? '';
  const { actionData, errors, loaderData } = remixContext.staticHandlerContext;
  const fresh = [nonce, formTokenRandomPart() ?? ''];
  const key = loadContext?.keepRenderedPages && request.method === 'GET' && responseStatusCode === 200 && !actionData && !errors ? pageKey(request.url, loaderData, fresh) : null;
  responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
  const known = key && keptPage(key, fresh, acceptsGzip(request.headers.get('accept-encoding')));
  if (known) {
    responseHeaders.set('Content-Length', String(known.body.length));
    responseHeaders.append('Vary', 'Accept-Encoding');
    // Served compressed as kept; the compression middleware leaves an encoded body alone.
    if (known.encoding) responseHeaders.set('Content-Encoding', known.encoding);
    return new Response(known.body as Uint8Array<ArrayBuffer>, { headers: responseHeaders, status: responseStatusCode });
  }
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
  if (!key || status !== 200) return new Response(body, { headers: responseHeaders, status });
  const html = await new Response(body).text();
  keepPage(key, html, fresh);
  return new Response(html, { headers: responseHeaders, status });
}

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  console.error(error);
}
