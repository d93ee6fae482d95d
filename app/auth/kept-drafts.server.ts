import { redirect } from '@remix-run/node';
import { getDb, now, nowIso } from '#app/utils/db.server.ts';
import { readSessionToken, type SessionUser } from './session.server.ts';
import { hashToken, randomToken, readTokenCookie, tokenCookie } from './tokens.server.ts';

// When a session has ended, what the person just posted is kept for them until they sign in
// again: nothing a teacher types may be lost. The text waits server-side under the hash of a
// random token in a short-lived cookie (a reflection is too long for a cookie), is handed back
// once, into the form, and is never saved for them silently.

const DRAFT_COOKIE = 'kindred_draft';
const DRAFT_TTL_SECONDS = 60 * 60;
/** A 10,000-character reflection is at most 40 KB of UTF-8; anything larger was not typed here. */
const MAX_DRAFT_BYTES = 48 * 1024;
/** Anyone can post to a page, so the table has a ceiling; past it, drafts are simply not kept. */
const MAX_KEPT_DRAFTS = 2_000;

export type KeptFields = Record<string, string[]>;

function draftCookie(value: string, maxAgeSeconds: number): string {
  return tokenCookie(DRAFT_COOKIE, value, maxAgeSeconds);
}

function readDraftToken(request: Request): string | null {
  return readTokenCookie(request, DRAFT_COOKIE);
}

/** The owner of the session cookie the request still carries, even though it has expired. */
async function endedSessionOwner(request: Request): Promise<number | null> {
  const token = readSessionToken(request);
  if (!token) return null;
  const row = await getDb().selectFrom('sessions').select('user_id').where('id', '=', hashToken(token)).executeTakeFirst();
  return row?.user_id ?? null;
}

/**
 * The answer to a form posted without a valid session: sign-in, saying why, with what was posted
 * (only the `keep` fields) waiting for the person. `anchor` is where the page should open again.
 */
export async function signInKeepingDraft(request: Request, formData: FormData, options: { keep: (name: string) => boolean; anchor: string; what: 'reflection' | 'answers' | null }): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const fields: KeptFields = {};
  for (const name of new Set(formData.keys())) {
    if (options.keep(name)) fields[name] = formData.getAll(name).map((v) => (typeof v === 'string' ? v : ''));
  }
  const json = JSON.stringify(fields);
  const back = `/sign-in?redirectTo=${encodeURIComponent(path + url.search + options.anchor)}&session=ended`;
  if (!options.what || Buffer.byteLength(json) > MAX_DRAFT_BYTES) return redirect(back);
  const db = getDb();
  await db.deleteFrom('kept_drafts').where('expires_at', '<=', nowIso()).execute();
  const { count } = await db.selectFrom('kept_drafts').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  if (Number(count) >= MAX_KEPT_DRAFTS) return redirect(back);
  // A browser keeps one draft: a second post before signing in replaces the first.
  const previous = readDraftToken(request);
  if (previous) await db.deleteFrom('kept_drafts').where('id', '=', hashToken(previous)).execute();
  const token = randomToken();
  await db
    .insertInto('kept_drafts')
    .values({ id: hashToken(token), path, fields: json, user_id: await endedSessionOwner(request), expires_at: new Date(now().getTime() + DRAFT_TTL_SECONDS * 1000).toISOString() })
    .execute();
  return redirect(`${back}&kept=${options.what}`, { headers: { 'Set-Cookie': draftCookie(token, DRAFT_TTL_SECONDS) } });
}

/**
 * The draft kept for this page, handed back once to the person who signed in: the row is deleted
 * as it is read. A draft kept from someone else's ended session stays theirs.
 */
export async function takeKeptDraft(request: Request, user: SessionUser): Promise<KeptFields | null> {
  const token = readDraftToken(request);
  if (!token) return null;
  const row = await getDb()
    .deleteFrom('kept_drafts')
    .where('id', '=', hashToken(token))
    .where('path', '=', new URL(request.url).pathname)
    .where('expires_at', '>', nowIso())
    .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', user.id)]))
    .returning(['fields'])
    .executeTakeFirst();
  if (!row) return null;
  try {
    return JSON.parse(row.fields) as KeptFields;
  } catch {
    return null;
  }
}
