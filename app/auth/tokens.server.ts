import crypto from 'node:crypto';
import { getEnv } from '#app/utils/env.server.ts';
import { memoForRequest, peekForRequest } from '#app/utils/request-scope.server.ts';

/**
 * Random bytes from the system's CSPRNG, drawn a few kilobytes at a time (as Node does for
 * `crypto.randomUUID`): one `randomBytes` call per token was most of the cost of a page's form
 * tokens, since every page view makes one. Each byte is handed out once.
 */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomPoolUsed = 0;

function takeRandomBytes(bytes: number): Buffer {
  if (bytes > RANDOM_POOL_BYTES) return crypto.randomBytes(bytes);
  if (randomPoolUsed + bytes > randomPool.length) {
    randomPool = crypto.randomBytes(RANDOM_POOL_BYTES);
    randomPoolUsed = 0;
  }
  randomPoolUsed += bytes;
  return randomPool.subarray(randomPoolUsed - bytes, randomPoolUsed);
}

/** A random token for a cookie or a link: 128 bits, URL-safe. */
export function randomToken(bytes = 16): string {
  return takeRandomBytes(bytes).toString('base64url');
}

/**
 * A submission key for one form on the page being made (a double submit of that form is one
 * write). Unique to the request: one random part per request, numbered per form. A page kept by
 * the page cache is served with the request's own random part in place of the one it was made with
 * (app/utils/page-cache.server.ts), so two loads of a page never share a key.
 */
export function formToken(): string {
  const tokens = memoForRequest(FORM_TOKENS, () => ({ random: randomToken(), issued: 0 }));
  tokens.issued += 1;
  return `${tokens.random}-${tokens.issued}`;
}

/** The random part of this request's form tokens, if it made any. */
export function formTokenRandomPart(): string | null {
  return peekForRequest<{ random: string }>(FORM_TOKENS)?.random ?? null;
}

const FORM_TOKENS = 'form-tokens';

/** What we store instead of a token: its HMAC under the session secret. */
export function hashToken(token: string): string {
  return crypto.createHmac('sha256', getEnv().SESSION_SECRET).update(token).digest('base64url');
}

/** Session cookies whose HMAC was worked out lately, most recently used last, under one secret. */
const recentSessionIds = { secret: '', ids: new Map<string, string>() };
const RECENT_SESSION_IDS = 10_000;

/**
 * `hashToken` for a session cookie, which arrives with every request a signed-in person makes: an
 * HMAC for each was a tenth of a kept page's work. Kept in memory like the sessions themselves.
 */
export function sessionIdOf(token: string): string {
  const secret = getEnv().SESSION_SECRET;
  if (recentSessionIds.secret !== secret) {
    recentSessionIds.secret = secret;
    recentSessionIds.ids.clear();
  }
  const ids = recentSessionIds.ids;
  let id = ids.get(token);
  if (id === undefined) id = hashToken(token);
  else ids.delete(token);
  ids.set(token, id);
  if (ids.size > RECENT_SESSION_IDS) ids.delete(ids.keys().next().value!);
  return id;
}

export function isWellFormedToken(token: string, bytes = 16): boolean {
  return token.length === Math.ceil((bytes * 4) / 3) && /^[A-Za-z0-9_-]+$/.test(token);
}

/**
 * A Set-Cookie value for a random token: HttpOnly, SameSite=Lax (a top-level GET from another
 * site, such as a sign-in provider's redirect, still carries it), Secure in production.
 */
export function tokenCookie(name: string, value: string, maxAgeSeconds: number): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (getEnv().isProduction) parts.push('Secure');
  return parts.join('; ');
}

/** The well-formed token in the cookie `name`, or null when it is missing or malformed. */
export function readTokenCookie(request: Request, name: string): string | null {
  for (const pair of (request.headers.get('cookie') ?? '').split(';')) {
    const [cookieName, ...rest] = pair.trim().split('=');
    if (cookieName === name) {
      const token = rest.join('=');
      return isWellFormedToken(token) ? token : null;
    }
  }
  return null;
}
