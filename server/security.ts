import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function contentSecurityPolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Vite injects styles and opens a websocket in development only.
    development ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    development ? "connect-src 'self' ws:" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The headers of the design's security baseline, with a fresh CSP nonce for every request. */
export function securityHeaders(options: { production: boolean; development: boolean }) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce, options.development));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    // Pages hold people's data; static files set their own caching when express.static serves them.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (options.production) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A minimal page for answers given before the app runs (no app layout, no scripts). */
export function plainPage(title: string, message: string): string {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>${title} – Kindred</title></head><body><main><h1>${title}</h1><p>${message}</p><p><a href="/">Go to Kindred</a></p></main></body></html>`;
}

/**
 * Refuses a state-changing request sent from another site. Remix 2.17.5 checks the Origin header
 * too, but answers with a bare 500; this answers first, with a 403 that explains.
 */
export function refuseCrossOriginWrites(req: Request, res: Response, next: NextFunction) {
  if (SAFE_METHODS.has(req.method)) return next();
  const origin = req.get('origin');
  const host = req.get('host');
  let sameOrigin: boolean;
  if (origin === undefined) {
    // Old browsers and command-line clients send no Origin; browsers that say where a request came from are believed.
    sameOrigin = req.get('sec-fetch-site') !== 'cross-site';
  } else {
    try {
      sameOrigin = origin !== 'null' && new URL(origin).host === host;
    } catch {
      sameOrigin = false;
    }
  }
  if (sameOrigin) return next();
  res
    .status(403)
    .type('html')
    .send(plainPage('Request refused', 'This form was sent from another website, so Kindred did not act on it. Go back to Kindred and try again there.'));
}

/** Bodies up to this size are read and thrown away before a 413, so the client sees the answer. */
const DISCARD_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * Answers 413 to a body over the limit. The rest of the body is read and discarded first (up to a
 * hard cap): closing the connection while the client is still sending would reach it as a reset,
 * not as the answer. Beyond the cap the connection is cut.
 */
export function refuseOversizedBody(req: Request, res: Response, alreadyRead = 0): void {
  let discarded = alreadyRead;
  const answer = () => {
    if (res.headersSent) return;
    res
      .status(413)
      .set('Connection', 'close')
      .type('html')
      .send(plainPage('Too much to send', `That was more than ${MAX_BODY_BYTES / 1024 / 1024} MB. Send less at a time.`));
  };
  if (req.readableEnded) return answer();
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) {
      answer();
      req.destroy();
    }
  });
  req.once('end', answer);
  req.resume();
}

export function limitBodySize(req: Request, res: Response, next: NextFunction) {
  const length = Number(req.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) return refuseOversizedBody(req, res);
  next();
}
