import type { ActionFunctionArgs, AppLoadContext, LoaderFunctionArgs } from '@remix-run/node';
import { createSession } from '#app/auth/session.server.ts';
import { getDb } from '#app/utils/db.server.ts';
import { takeFlash, type Flash } from '#app/utils/flash.server.ts';

// Helpers for calling loaders and actions as plain functions with real Requests.

export const BASE_URL = 'http://localhost:3000';
export const TEST_ADDRESS = '127.0.0.1';

export function context(address = TEST_ADDRESS): AppLoadContext {
  return { cspNonce: 'test-nonce', clientAddress: address };
}

export async function userIdByEmail(email: string): Promise<number> {
  const row = await getDb().selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  return row.id;
}

/** A session cookie for a demo user, made directly (browser tests sign in through the UI once). */
export async function cookieFor(email: string): Promise<string> {
  const setCookie = await createSession(await userIdByEmail(email));
  return setCookie.split(';')[0]!;
}

export function getRequest(path: string, cookie?: string): Request {
  return new Request(BASE_URL + path, { headers: cookie ? { cookie } : {} });
}

export function postRequest(path: string, fields: Record<string, string | string[]>, cookie?: string): Request {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
  }
  return new Request(BASE_URL + path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE_URL, ...(cookie ? { cookie } : {}) },
  });
}

type Handler<A> = (args: A) => Promise<unknown>;

/** Runs a loader or action and gives back a Response, whether it returned or threw one. */
export async function run<A extends LoaderFunctionArgs | ActionFunctionArgs>(
  handler: Handler<A>,
  request: Request,
  params: Record<string, string> = {},
): Promise<Response> {
  try {
    const result = await handler({ request, params, context: context() } as A);
    return asResponse(result);
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    if (isDataWithInit(thrown)) return asResponse(thrown);
    throw thrown;
  }
}

/** What Remix's data(value, init) returns: the value with a status and headers for its answer. */
interface DataWithInit {
  type: 'DataWithResponseInit';
  data: unknown;
  init: ResponseInit | null;
}

function isDataWithInit(value: unknown): value is DataWithInit {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'DataWithResponseInit';
}

/** A loader's answer as a Response: plain objects (single fetch) and data() as JSON, Responses as they are. */
function asResponse(result: unknown): Response {
  if (result instanceof Response) return result;
  const { value, init } = isDataWithInit(result) ? { value: result.data, init: result.init ?? {} } : { value: result, init: {} as ResponseInit };
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(value), { status: init.status ?? 200, headers });
}

export async function jsonOf<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** The message a redirecting action left for the next page (app/utils/flash.server.ts), read as the root loader reads it. */
export async function flashOf(response: Response): Promise<Flash> {
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(/,(?=\s*\w+=)/).map((c) => c.trim().split(';')[0]!).find((c) => c.includes('flash='));
  if (!cookie) throw new Error(`no flash message in the response (status ${response.status})`);
  const { flash } = await takeFlash(getRequest('/', cookie));
  if (!flash) throw new Error('the flash cookie did not verify');
  return flash;
}
