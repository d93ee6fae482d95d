import { createRequestHandler, type AppLoadContext, type ServerBuild } from '@remix-run/node';
import type { Request as ExpressRequest, Response as ExpressResponse, NextFunction } from 'express';
import { runInRequestScope } from '#app/utils/request-scope.server.ts';
import { MAX_FORM_FIELDS } from '#app/utils/forms.ts';
import { MAX_BODY_BYTES, refuseOversizedBody, refuseTooManyFields, tooManyFormFields } from './security.ts';

class BodyTooLargeError extends Error {
  constructor(readonly bytesRead: number) {
    super('body too large');
  }
}

/**
 * Reads the whole request body first, up to the limit (with or without a Content-Length), so a
 * handler that answers early never leaves a client mid-upload, and an oversized body gets 413.
 */
function readBody(req: ExpressRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(size));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function drainedOrClosed(res: ExpressResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Above this many bytes waiting, a body is sent without waiting for the stream to pause. */
const SEND_AT_BYTES = 64 * 1024;

/**
 * Sends a response body in as few writes as it arrives in bursts. React's web-stream renderer hands
 * over a page in hundreds of small pieces, and Remix's own writer sends each one with a flush: one
 * compressed block and one socket write per piece, which halved the throughput of every page with
 * brotli on. Here the pieces that are ready together go out together, and the compressor is
 * flushed only when the stream pauses (a CSV export still streams), so a client never waits for
 * bytes the server already has. A slow client's backpressure is respected.
 */
export async function sendBody(body: ReadableStream<Uint8Array>, res: ExpressResponse & { flush?: () => void }): Promise<void> {
  const reader = body.getReader();
  let waiting: Uint8Array[] = [];
  let waitingBytes = 0;
  let whenPaused: NodeJS.Immediate | undefined;
  let drained: Promise<unknown> | undefined;
  const send = (flush: boolean) => {
    if (whenPaused) clearImmediate(whenPaused);
    whenPaused = undefined;
    if (waiting.length > 0) {
      const ready = res.write(waiting.length === 1 ? waiting[0]! : Buffer.concat(waiting, waitingBytes));
      if (!ready) drained ??= drainedOrClosed(res).then(() => (drained = undefined));
    }
    waiting = [];
    waitingBytes = 0;
    if (flush) res.flush?.();
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      waiting.push(value);
      waitingBytes += value.byteLength;
      if (waitingBytes >= SEND_AT_BYTES) send(false);
      // A read that is not ready within this turn means the stream has paused: send what is here.
      else whenPaused ??= setImmediate(() => send(true));
      if (drained) await drained;
      // The client has gone: stop reading what nobody will receive.
      if (res.destroyed) {
        if (whenPaused) clearImmediate(whenPaused);
        await reader.cancel();
        return;
      }
    }
    send(false);
    res.end();
  } catch (error) {
    if (whenPaused) clearImmediate(whenPaused);
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

function toFetchHeaders(req: ExpressRequest): Headers {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  return headers;
}

export function remixHandler(options: { build: ServerBuild | (() => Promise<ServerBuild>); mode: 'production' | 'development'; getLoadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext }) {
  let handle: ReturnType<typeof createRequestHandler> | undefined;
  return async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      const controller = new AbortController();
      // Only a request whose answer was not sent in full is aborted: an abort makes a DOMException,
      // stack and all, and its listeners run, which every finished request paid for.
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      let body: Buffer | undefined;
      if (hasBody) {
        try {
          body = await readBody(req);
        } catch (error) {
          if (error instanceof BodyTooLargeError) return refuseOversizedBody(req, res, error.bytesRead);
          throw error;
        }
        if (tooManyFormFields(req.get('content-type'), body, MAX_FORM_FIELDS)) return refuseTooManyFields(res, MAX_FORM_FIELDS);
      }
      const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
      const request = new Request(url, { method: req.method, headers: toFetchHeaders(req), body: hasBody ? new Uint8Array(body!) : undefined, signal: controller.signal });
      handle ??= createRequestHandler(options.build, options.mode);
      const run = () => handle!(request, options.getLoadContext(req, res));
      // Reads share per-request lookups; a POST's loaders run after its action and must see its changes.
      const response = await (hasBody ? run() : runInRequestScope(run));
      res.statusMessage = response.statusText;
      res.status(response.status);
      for (const [key, value] of response.headers.entries()) {
        if (key.toLowerCase() !== 'set-cookie') res.append(key, value);
      }
      for (const cookie of response.headers.getSetCookie()) res.append('Set-Cookie', cookie);
      if (response.body) await sendBody(response.body, res);
      else res.end();
    } catch (error) {
      next(error);
    }
  };
}
