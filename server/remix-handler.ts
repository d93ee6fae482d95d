import { createRequestHandler, writeReadableStreamToWritable, type AppLoadContext, type ServerBuild } from '@remix-run/node';
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

function toFetchHeaders(req: ExpressRequest): Headers {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  return headers;
}

export function remixHandler(options: { build: () => Promise<ServerBuild>; mode: 'production' | 'development'; getLoadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext }) {
  let handle: ReturnType<typeof createRequestHandler> | undefined;
  return async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      const controller = new AbortController();
      res.on('close', () => controller.abort());
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
      if (response.body) await writeReadableStreamToWritable(response.body, res);
      else res.end();
    } catch (error) {
      next(error);
    }
  };
}
