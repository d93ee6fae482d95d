import crypto from 'node:crypto';
import { getEnv } from '#app/utils/env.server.ts';

/** A random token for a cookie or a link: 128 bits, URL-safe. */
export function randomToken(bytes = 16): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** What we store instead of a token: its HMAC under the session secret. */
export function hashToken(token: string): string {
  return crypto.createHmac('sha256', getEnv().SESSION_SECRET).update(token).digest('base64url');
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
