import { redirect } from '@remix-run/node';
import type { Kysely, Transaction } from 'kysely';
import type { Database, Role } from '#db/schema.ts';
import { getDb, now } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { cachedUntilWrite, type WriteCache } from '#app/utils/cached-until-write.server.ts';
import { memoForRequest } from '#app/utils/request-scope.server.ts';
import { hashToken, randomToken, readTokenCookie, sessionIdOf, tokenCookie } from './tokens.server.ts';

// Sessions to OWASP ASVS level 2 (docs/decisions/011-hardening.md): an absolute lifetime, an idle
// timeout (shorter for platform admins), a list of one's sessions, and the password asked again
// before sensitive acts when it was last given more than REAUTH_AFTER_MS ago.
const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const IDLE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
export const ADMIN_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const REAUTH_AFTER_MS = 15 * 60 * 1000;
/** last_seen_at is written at most this often: a page view is not a write. */
const TOUCH_EVERY_MS = 60 * 1000;

/** In production the cookie carries the __Host- prefix: Secure, path /, no Domain, so no subdomain can set it. */
export function sessionCookieName(): string {
  return getEnv().isProduction ? '__Host-kindred_session' : 'kindred_session';
}
/** The development name, for tests. */
export const SESSION_COOKIE = 'kindred_session';

export interface Membership {
  membershipId: number;
  organisationId: number;
  organisationName: string;
  organisationKind: 'school' | 'trust';
  trustId: number | null;
  roles: Role[];
}

export interface SessionUser {
  id: number;
  name: string;
  email: string;
  sessionId: string;
  isPlatformAdmin: boolean;
  memberships: Membership[];
  /** When the password was last given in this session (ISO); '' outside a session. */
  passwordConfirmedAt: string;
}

function serializeCookie(value: string, maxAgeSeconds: number): string {
  return tokenCookie(sessionCookieName(), value, maxAgeSeconds);
}

export function readSessionToken(request: Request): string | null {
  return readTokenCookie(request, sessionCookieName());
}

/** Starts a session with a fresh token; returns the Set-Cookie header value. */
export async function createSession(userId: number, client: { userAgent?: string | null; address?: string } = {}): Promise<string> {
  const token = randomToken();
  const created = now().toISOString();
  await getDb()
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      user_id: userId,
      created_at: created,
      expires_at: new Date(Date.parse(created) + SESSION_TTL_MS).toISOString(),
      last_seen_at: created,
      password_confirmed_at: created,
      user_agent: (client.userAgent ?? '').slice(0, 300),
      address: client.address ?? '',
    })
    .execute();
  return serializeCookie(token, SESSION_TTL_MS / 1000);
}

export interface SessionSummary {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string;
  address: string;
}

/** The viewer's live sessions, newest first, for /account. */
export async function listSessions(viewer: SessionUser): Promise<SessionSummary[]> {
  const rows = await getDb()
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'user_agent', 'address'])
    .where('user_id', '=', viewer.id)
    .where('expires_at', '>', now().toISOString())
    .orderBy('last_seen_at', 'desc')
    .execute();
  const idleSince = new Date(now().getTime() - idleTimeoutFor(viewer.isPlatformAdmin)).toISOString();
  return rows
    .filter((r) => r.last_seen_at > idleSince)
    .map((r) => ({ id: r.id, current: r.id === viewer.sessionId, createdAt: r.created_at, lastSeenAt: r.last_seen_at, userAgent: r.user_agent, address: r.address }));
}

/** Ends one of the viewer's own sessions (an id that is not theirs changes nothing). */
export async function endSessionById(viewer: SessionUser, sessionId: string): Promise<boolean> {
  const result = await getDb().deleteFrom('sessions').where('id', '=', sessionId).where('user_id', '=', viewer.id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The password was given again in this session: sensitive acts are open for REAUTH_AFTER_MS. */
export async function markPasswordConfirmed(viewer: SessionUser): Promise<void> {
  await getDb().updateTable('sessions').set({ password_confirmed_at: now().toISOString() }).where('id', '=', viewer.sessionId).execute();
}

export function passwordRecentlyConfirmed(viewer: SessionUser): boolean {
  return viewer.passwordConfirmedAt !== '' && now().getTime() - Date.parse(viewer.passwordConfirmedAt) < REAUTH_AFTER_MS;
}

function idleTimeoutFor(isPlatformAdmin: boolean): number {
  return isPlatformAdmin ? ADMIN_IDLE_TIMEOUT_MS : IDLE_TIMEOUT_MS;
}

/** Ends the session the request carries; returns the Set-Cookie header that clears it. */
export async function endSession(request: Request): Promise<string> {
  const token = readSessionToken(request);
  if (token) await getDb().deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
  return serializeCookie('', 0);
}

export async function endOtherSessions(userId: number, keepSessionId: string | null, db: Kysely<Database> | Transaction<Database> = getDb()): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepSessionId) query = query.where('id', '!=', keepSessionId);
  await query.execute();
}

export async function loadMemberships(userId: number): Promise<Membership[]> {
  const rows = await getDb()
    .selectFrom('memberships as m')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .leftJoin('membership_roles as r', 'r.membership_id', 'm.id')
    .select(['m.id as membershipId', 'o.id as organisationId', 'o.name as organisationName', 'o.kind', 'o.trust_id', 'r.role'])
    .where('m.user_id', '=', userId)
    .where('m.deactivated_at', 'is', null)
    .orderBy('o.name')
    .execute();
  const byId = new Map<number, Membership>();
  for (const row of rows) {
    let membership = byId.get(row.membershipId);
    if (!membership) {
      membership = {
        membershipId: row.membershipId,
        organisationId: row.organisationId,
        organisationName: row.organisationName,
        organisationKind: row.kind,
        trustId: row.trust_id,
        roles: [],
      };
      byId.set(row.membershipId, membership);
    }
    if (row.role) membership.roles.push(row.role);
  }
  return [...byId.values()];
}

/** The signed-in person, or null; a missing, malformed, unknown or expired cookie is "signed out". */
export function getSessionUser(request: Request): Promise<SessionUser | null> {
  const token = readSessionToken(request);
  if (!token) return Promise.resolve(null);
  // Looked up once per HTTP request, however many loaders ask.
  return memoForRequest(`session:${token}`, () => lookUpSessionUser(token));
}

// Every signed-in request looks its session up. What it reads is kept until a table it came from is
// written by any process, in two parts: the session row (written by sign-ins, sign-outs and the
// once-a-minute touch of every active session), and the person (name, admin flag, memberships),
// which those frequent session writes leave alone. Expiry and idle time are checked on every
// request against the clock.
const sessionRowsCache: WriteCache = { name: 'session rows', tables: ['sessions'], maxEntries: 5_000 };
const sessionPeopleCache: WriteCache = { name: 'people behind sessions', tables: ['users', 'platform_admins', 'memberships', 'membership_roles', 'organisations'], maxEntries: 5_000 };

async function readSession(sessionId: string) {
  const session = await cachedUntilWrite(sessionRowsCache, sessionId, () =>
    getDb().selectFrom('sessions').select(['user_id', 'last_seen_at', 'password_confirmed_at', 'expires_at']).where('id', '=', sessionId).executeTakeFirst(),
  );
  if (!session) return null;
  const person = await cachedUntilWrite(sessionPeopleCache, String(session.user_id), async () => {
    const row = await getDb().selectFrom('users as u').leftJoin('platform_admins as a', 'a.user_id', 'u.id').select(['u.id', 'u.name', 'u.email', 'a.user_id as adminId']).where('u.id', '=', session.user_id).executeTakeFirst();
    return row ? { ...row, memberships: await loadMemberships(row.id) } : null;
  });
  return person ? { ...person, last_seen_at: session.last_seen_at, password_confirmed_at: session.password_confirmed_at, expires_at: session.expires_at } : null;
}

async function lookUpSessionUser(token: string): Promise<SessionUser | null> {
  const sessionId = sessionIdOf(token);
  const row = await readSession(sessionId);
  const nowMs = now().getTime();
  if (!row || Date.parse(row.expires_at) <= nowMs) return null;
  const isPlatformAdmin = row.adminId !== null;
  const idleMs = nowMs - Date.parse(row.last_seen_at);
  if (idleMs > idleTimeoutFor(isPlatformAdmin)) {
    await getDb().deleteFrom('sessions').where('id', '=', sessionId).execute();
    return null;
  }
  if (idleMs > TOUCH_EVERY_MS) await getDb().updateTable('sessions').set({ last_seen_at: new Date(nowMs).toISOString() }).where('id', '=', sessionId).execute();
  // A deactivated member keeps no way in, even through a session that outlived the deactivation.
  if (row.memberships.length === 0 && !isPlatformAdmin) return null;
  return { id: row.id, name: row.name, email: row.email, sessionId, isPlatformAdmin, memberships: row.memberships, passwordConfirmedAt: row.password_confirmed_at };
}

/**
 * A person as a viewer without a session: for the seed, scripts and tests that act as someone.
 * Never used to answer a request.
 */
export async function loadViewer(userId: number): Promise<SessionUser> {
  const row = await getDb()
    .selectFrom('users as u')
    .leftJoin('platform_admins as a', 'a.user_id', 'u.id')
    .select(['u.id', 'u.name', 'u.email', 'a.user_id as adminId'])
    .where('u.id', '=', userId)
    .executeTakeFirstOrThrow();
  return { id: row.id, name: row.name, email: row.email, sessionId: '', isPlatformAdmin: row.adminId !== null, memberships: await loadMemberships(row.id), passwordConfirmedAt: '' };
}

export async function requireUser(request: Request): Promise<SessionUser> {
  const user = await getSessionUser(request);
  if (!user) {
    const url = new URL(request.url);
    const back = url.pathname + url.search;
    // A cookie that no longer opens a session means the session ended: sign-in says so.
    const ended = readSessionToken(request) ? '&session=ended' : '';
    throw redirect(`/sign-in?redirectTo=${encodeURIComponent(back)}${ended}`);
  }
  return user;
}

export async function requireSignedOut(request: Request): Promise<void> {
  if (await getSessionUser(request)) throw redirect('/learn');
}

/**
 * Before a sensitive act (role changes, deactivation, revocation, creating organisations): the
 * password must have been given in this session within REAUTH_AFTER_MS, or the person is sent to
 * confirm it and brought back to the page.
 */
export function requireRecentPassword(request: Request, viewer: SessionUser): void {
  if (passwordRecentlyConfirmed(viewer)) return;
  const url = new URL(request.url);
  throw redirect(`/confirm-password?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
}
