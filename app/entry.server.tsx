import type { AppLoadContext, EntryContext } from '@remix-run/node';
import { Writable } from 'node:stream';
import { RemixServer } from '@remix-run/react';
import type { ReactElement } from 'react';
import { renderToPipeableStream } from 'react-dom/server';
import { formTokenRandomPart } from './auth/tokens.server.ts';
import { CourseHtmlContext } from './content/course-html.tsx';
import { NonceProvider } from './utils/nonce.tsx';
import { acceptsGzip, keepPage, keptPage, pageKey } from './utils/page-cache.server.ts';

/**
 * Renders the whole page, then sends it.
 *
 * With single fetch the loader data goes into the page through Suspense (Remix streams it into
 * script tags), so `renderToString`, which renders Suspense fallbacks, would leave it out. It is
 * React's Node stream renderer, which encodes text into reused buffers; the web-stream renderer
 * calls `TextEncoder.encode` for every piece, a tenth more CPU for a rendered module page. React
 * 18.3.1's Node writer sent a buffer's unfilled tail of zero bytes when a multi-byte character did
 * not fit at its end (react issue 31134); patches/react-dom+18.3.1.patch makes it send only the bytes
 * written, as React 19 does (tests/http/multibyte.test.ts). Waiting for `allReady` keeps whole pages
 * for screen readers and no-JS (docs/decisions/013-teacher-evening.md).
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
  const rendered = await renderWhole(
    <NonceProvider value={nonce}>
      <CourseHtmlContext.Provider value={loadContext?.courseHtml ?? null}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} />
      </CourseHtmlContext.Provider>
    </NonceProvider>,
    request.signal,
    nonce,
  );
  const status = rendered.failed ? 500 : responseStatusCode;
  if (key && status === 200) keepPage(key, rendered.html.toString('utf8'), fresh);
  return new Response(rendered.html as Uint8Array<ArrayBuffer>, { headers: responseHeaders, status });
}

/**
 * The page's bytes once everything (Suspense included) has rendered; `failed` if any part threw.
 *
 * The abort listener is removed once the render has ended. The request's signal outlives the
 * request: undici holds each Request's AbortController through a WeakRef and a
 * FinalizationRegistry, which only a full collection clears, so a listener left on it kept the
 * whole render (React's state, every chunk of the page) alive through young-generation
 * collections until the next mark-compact (decision 029).
 */
export function renderWhole(element: ReactElement, signal: AbortSignal, nonce: string): Promise<{ html: Buffer; failed: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let failed = false;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
      final(done) {
        signal.removeEventListener('abort', onAbort);
        resolve({ html: Buffer.concat(chunks), failed });
        done();
      },
    });
    const { pipe, abort } = renderToPipeableStream(element, {
      nonce: nonce || undefined,
      onAllReady: () => pipe(sink),
      onShellError(error: unknown) {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
      onError(error: unknown) {
        failed = true;
        if (!signal.aborted) console.error(error);
      },
    });
    const onAbort = () => abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  console.error(error);
}
