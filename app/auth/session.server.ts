import { redirect } from '@remix-run/node';
import type { Role } from '#db/schema.ts';
import { getDb, now } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { memoForRequest } from '#app/utils/request-scope.server.ts';
import { hashToken, isWellFormedToken, randomToken } from './tokens.server.ts';

export const SESSION_COOKIE = 'kindred_session';
const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

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
}

function serializeCookie(value: string, maxAgeSeconds: number): string {
  const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (getEnv().isProduction) parts.push('Secure');
  return parts.join('; ');
}

export function readSessionToken(request: Request): string | null {
  const header = request.headers.get('cookie');
  if (!header) return null;
  for (const pair of header.split(';')) {
    const [name, ...rest] = pair.trim().split('=');
    if (name === SESSION_COOKIE) {
      const token = rest.join('=');
      return isWellFormedToken(token) ? token : null;
    }
  }
  return null;
}

/** Starts a session with a fresh token; returns the Set-Cookie header value. */
export async function createSession(userId: number): Promise<string> {
  const token = randomToken();
  const created = now();
  await getDb()
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      user_id: userId,
      created_at: created.toISOString(),
      expires_at: new Date(created.getTime() + SESSION_TTL_MS).toISOString(),
    })
    .execute();
  return serializeCookie(token, SESSION_TTL_MS / 1000);
}

/** Ends the session the request carries; returns the Set-Cookie header that clears it. */
export async function endSession(request: Request): Promise<string> {
  const token = readSessionToken(request);
  if (token) await getDb().deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
  return serializeCookie('', 0);
}

export async function endOtherSessions(userId: number, keepSessionId: string | null): Promise<void> {
  let query = getDb().deleteFrom('sessions').where('user_id', '=', userId);
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

async function lookUpSessionUser(token: string): Promise<SessionUser | null> {
  const sessionId = hashToken(token);
  const row = await getDb()
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('platform_admins as a', 'a.user_id', 'u.id')
    .select(['u.id', 'u.name', 'u.email', 'a.user_id as adminId'])
    .where('s.id', '=', sessionId)
    .where('s.expires_at', '>', now().toISOString())
    .executeTakeFirst();
  if (!row) return null;
  const memberships = await loadMemberships(row.id);
  const isPlatformAdmin = row.adminId !== null;
  // A deactivated member keeps no way in, even through a session that outlived the deactivation.
  if (memberships.length === 0 && !isPlatformAdmin) return null;
  return { id: row.id, name: row.name, email: row.email, sessionId, isPlatformAdmin, memberships };
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
