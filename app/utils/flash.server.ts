import { createCookie, redirect } from '@remix-run/node';
import { getEnv } from './env.server.ts';

// Post/Redirect/Get with a message: after a successful post the action redirects (so a refresh
// never sends the form again, and the form comes back empty), and the next page says what was
// done. The message rides in a short-lived signed cookie that the root loader reads and clears;
// signing means no other site or URL can make Kindred show words it did not write.

export interface Flash {
  message: string;
  /** A one-time link to show with it (an invitation), which must not go into a URL. */
  link?: string;
}

const FLASH_SECONDS = 60;

function flashCookie() {
  const env = getEnv();
  return createCookie(env.isProduction ? '__Host-kindred_flash' : 'kindred_flash', {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: env.isProduction,
    maxAge: FLASH_SECONDS,
    secrets: [env.SESSION_SECRET],
  });
}

/** A redirect to `to` that shows `flash` there once. */
export async function redirectWithFlash(to: string, flash: Flash | string, init: { headers?: Record<string, string> } = {}): Promise<Response> {
  const value: Flash = typeof flash === 'string' ? { message: flash } : flash;
  const headers = new Headers(init.headers);
  headers.append('Set-Cookie', await flashCookie().serialize(value));
  return redirect(to, { headers });
}

function isFlash(value: unknown): value is Flash {
  if (typeof value !== 'object' || value === null) return false;
  const { message, link } = value as Record<string, unknown>;
  return typeof message === 'string' && (link === undefined || typeof link === 'string');
}

/** The message waiting for this request, if any, and the header that clears it. */
export async function takeFlash(request: Request): Promise<{ flash: Flash | null; headers: Record<string, string> }> {
  const cookieHeader = request.headers.get('cookie');
  const cookie = flashCookie();
  if (!cookieHeader?.includes(cookie.name)) return { flash: null, headers: {} };
  const value: unknown = await cookie.parse(cookieHeader);
  return { flash: isFlash(value) ? value : null, headers: { 'Set-Cookie': await cookie.serialize('', { maxAge: 0 }) } };
}
