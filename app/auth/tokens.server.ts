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
