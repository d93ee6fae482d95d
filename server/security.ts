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
 * Refuses a state-changing request sent from another site (Remix 2.17.5 checks Origin too, but
 * answers with a bare 500; this answers first, with a 403 that explains). The full origin,
 * scheme and port included, must be PUBLIC_URL's (outside production also the address the
 * request came to, so a developer may use 127.0.0.1). Without Origin, the browser's
 * Sec-Fetch-Site or else the Referer decides; a request with none of them (a command-line
 * client, which carries no one's cookies by accident) is let through.
 */
export function refuseCrossOriginWrites(options: { publicUrl: string; production: boolean }) {
  const publicOrigin = new URL(options.publicUrl).origin;
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const allowed = new Set([publicOrigin]);
    if (!options.production) allowed.add(`${req.protocol}://${req.get('host') ?? ''}`);
    const originOf = (value: string) => {
      try {
        return new URL(value).origin;
      } catch {
        return 'invalid';
      }
    };
    const origin = req.get('origin');
    const fetchSite = req.get('sec-fetch-site');
    const referer = req.get('referer');
    let sameOrigin: boolean;
    if (origin !== undefined) sameOrigin = origin !== 'null' && allowed.has(originOf(origin));
    else if (fetchSite !== undefined) sameOrigin = fetchSite === 'same-origin' || fetchSite === 'none';
    else if (referer !== undefined) sameOrigin = allowed.has(originOf(referer));
    else sameOrigin = true;
    if (sameOrigin) return next();
    res
      .status(403)
      .type('html')
      .send(plainPage('Request refused', 'This form was sent from another website, so Kindred did not act on it. Go back to Kindred and try again there.'));
  };
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

/**
 * Whether a form body has more fields than any Kindred form (app/utils/forms.ts MAX_FORM_FIELDS):
 * counted on the raw bytes, before anything parses it, so a form of 30,000 fields costs a scan.
 */
export function tooManyFormFields(contentType: string | undefined, body: Buffer, limit: number): boolean {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    let fields = 1;
    for (let i = body.indexOf(0x26); i !== -1; i = body.indexOf(0x26, i + 1)) if (++fields > limit) return true;
    return false;
  }
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (type.startsWith('multipart/form-data') && boundary) {
    const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
    let parts = 0;
    for (let i = body.indexOf(marker); i !== -1; i = body.indexOf(marker, i + marker.length)) if (++parts > limit + 1) return true;
  }
  return false;
}

export function refuseTooManyFields(res: Response, limit: number): void {
  res
    .status(413)
    .type('html')
    .send(plainPage('Too many fields', `That form had more than ${limit.toLocaleString('en-GB')} fields, so Kindred did not read it.`));
}

const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'POST']);

/**
 * Answers what the app cannot: a method Kindred does not use (TRACE, PUT...) gets 405 with Allow,
 * and a path whose percent-encoding is broken (%C0%AE, %FF) gets 400, before any route sees it.
 */
export function refuseMalformedRequests(req: Request, res: Response, next: NextFunction) {
  if (!ALLOWED_METHODS.has(req.method)) {
    res.status(405).set('Allow', 'GET, HEAD, POST').type('html').send(plainPage('Not allowed', 'Kindred does not answer that kind of request.'));
    return;
  }
  try {
    decodeURIComponent(req.path);
  } catch {
    res.status(400).type('html').send(plainPage('Address not understood', 'That web address has characters Kindred cannot read. Check the link and try again.'));
    return;
  }
  next();
}
