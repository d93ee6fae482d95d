import type { Transaction } from 'kysely';
import type { Database, Role } from '#db/schema.ts';
import { hashPassword, passwordWeakness, PUBLISHED_DEMO_PASSWORD, verifyAgainstDummy, verifyPassword } from '#app/auth/password.server.ts';
import { hashToken, isWellFormedToken, randomToken } from '#app/auth/tokens.server.ts';
import { AccessDenied, leadsOrganisation, mayManageMembership } from '#app/auth/policy.server.ts';
import { endOtherSessions, loadMemberships, type SessionUser } from '#app/auth/session.server.ts';
import { getDb, now, nowIso } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { queueInvitation } from '#app/mail/messages.server.ts';
import { queueEmail } from '#app/mail/outbox.server.ts';
import { recordAudit } from './audit.server.ts';
import { passwordsTurnedOff } from './sso.server.ts';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// Throttling (docs/decisions/011-hardening.md): growing delays, never a lockout the owner cannot
// get past from elsewhere.
// - Per account and address: the guesser at one address waits longer and longer (up to 15 min),
//   while the owner at another address is untouched.
// - Per account, every address: a distributed guesser is slowed, but never by more than a minute.
// - Per address, every account: many failures from one address (a school's shared address) slow
//   only the accounts that have failed there, by at most a minute; colleagues sign in as usual.
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
const PAIR_FREE_FAILURES = 5;
const ACCOUNT_FREE_FAILURES = 10;
const ADDRESS_FREE_FAILURES = 100;

/** 15 s after the 5th failure, doubling, at most 15 minutes. */
export function pairDelayMs(failures: number): number {
  return failures < PAIR_FREE_FAILURES ? 0 : Math.min(15 * 60_000, 15_000 * 2 ** (failures - PAIR_FREE_FAILURES));
}

/** 5 s after the 10th failure anywhere, doubling, at most a minute. */
export function accountDelayMs(failures: number): number {
  return failures < ACCOUNT_FREE_FAILURES ? 0 : Math.min(60_000, 5_000 * 2 ** (failures - ACCOUNT_FREE_FAILURES));
}

export type SignInResult =
  | { ok: true; userId: number }
  | { ok: false; reason: 'invalid' }
  /** The person's school signs them in through single sign-on only. */
  | { ok: false; reason: 'sso-only' }
  | { ok: false; reason: 'rate-limited'; retryAt: Date };

/** When this account may be tried again from this address, or null if it may be tried now. */
export async function signInRetryAt(email: string, address: string): Promise<Date | null> {
  const nowMs = now().getTime();
  const since = new Date(nowMs - SIGN_IN_WINDOW_MS).toISOString();
  const db = getDb();
  const failures = (query: 'pair' | 'account' | 'address') => {
    let q = db.selectFrom('failed_sign_ins').select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('at').as('latest')]).where('at', '>', since);
    if (query !== 'address') q = q.where('email', '=', email);
    if (query !== 'account') q = q.where('address', '=', address);
    return q.executeTakeFirstOrThrow();
  };
  const [pair, account, fromAddress] = await Promise.all([failures('pair'), failures('account'), failures('address')]);
  const waits: number[] = [];
  const until = (latest: string | null, delay: number) => (latest && delay > 0 ? Date.parse(latest) + delay : 0);
  waits.push(until(pair.latest, pairDelayMs(Number(pair.count))));
  waits.push(until(account.latest, accountDelayMs(Number(account.count))));
  if (Number(fromAddress.count) >= ADDRESS_FREE_FAILURES && Number(pair.count) > 0) waits.push(until(pair.latest, 60_000));
  const retryAt = Math.max(...waits);
  return retryAt > nowMs ? new Date(retryAt) : null;
}

async function recordFailure(email: string, address: string, userId: number | null): Promise<void> {
  await getDb().insertInto('failed_sign_ins').values({ at: nowIso(), email, address }).execute();
  await recordAudit({ event: 'sign_in_failed', subjectUserId: userId, address, detail: userId ? {} : { email } });
}

export async function attemptSignIn(rawEmail: string, password: string, address: string): Promise<SignInResult> {
  const email = normaliseEmail(rawEmail);
  const retryAt = await signInRetryAt(email, address);
  if (retryAt) return { ok: false, reason: 'rate-limited', retryAt };

  // No password is checked, so none can be guessed; the time taken matches a wrong password's.
  if (await passwordsTurnedOff(email)) {
    await verifyAgainstDummy(password);
    return { ok: false, reason: 'sso-only' };
  }

  const db = getDb();
  const user = await db
    .selectFrom('users as u')
    .leftJoin('platform_admins as a', 'a.user_id', 'u.id')
    .select(['u.id', 'u.password_hash', 'a.user_id as adminId'])
    .where('u.email', '=', email)
    .executeTakeFirst();
  // A copy of the demo data in production must not open with the password printed in the README.
  const publishedPassword = getEnv().isProduction && password === PUBLISHED_DEMO_PASSWORD;
  const passwordOk = user?.password_hash && !publishedPassword ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
  // A deactivated member (no active membership) is refused with the same message as a wrong password.
  const active = user && passwordOk && (user.adminId !== null || (await loadMemberships(user.id)).length > 0);
  if (!user || !active) {
    await recordFailure(email, address, user?.id ?? null);
    return { ok: false, reason: 'invalid' };
  }
  await recordAudit({ event: 'sign_in', actorUserId: user.id, subjectUserId: user.id, address });
  await pruneExpired(user.id);
  return { ok: true, userId: user.id };
}

/** Housekeeping at sign-in: this person's expired sessions, and failed attempts older than a day. */
async function pruneExpired(userId: number): Promise<void> {
  const db = getDb();
  await db.deleteFrom('sessions').where('user_id', '=', userId).where('expires_at', '<=', nowIso()).execute();
  await db.deleteFrom('failed_sign_ins').where('at', '<', new Date(now().getTime() - 24 * 60 * 60 * 1000).toISOString()).execute();
}

export async function updateName(userId: number, name: string): Promise<void> {
  await getDb().updateTable('users').set({ name }).where('id', '=', userId).execute();
}

export type PasswordCheckResult = { ok: true } | { ok: false; message: string; retryAt?: Date };

/**
 * Checks the signed-in person's password again (before a password change or a sensitive act),
 * throttled like sign-in: a stolen session cannot be used to guess the password.
 */
export async function confirmOwnPassword(viewer: SessionUser, password: string, address: string): Promise<PasswordCheckResult> {
  const retryAt = await signInRetryAt(viewer.email, address);
  if (retryAt) return { ok: false, retryAt, message: `Too many wrong passwords. Try again after ${retryAt.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' })}.` };
  const user = await getDb().selectFrom('users').select('password_hash').where('id', '=', viewer.id).executeTakeFirstOrThrow();
  if (!user.password_hash || !(await verifyPassword(user.password_hash, password))) {
    await recordFailure(viewer.email, address, viewer.id);
    return { ok: false, message: 'That is not your current password' };
  }
  return { ok: true };
}

export type PasswordChangeResult = { ok: true } | { ok: false; field: 'currentPassword' | 'newPassword'; message: string };

/** Changes a password and ends every other session of the user. */
export async function changePassword(viewer: SessionUser, currentPassword: string, newPassword: string, address: string): Promise<PasswordChangeResult> {
  const userId = viewer.id;
  const keepSessionId = viewer.sessionId;
  const db = getDb();
  const checked = await confirmOwnPassword(viewer, currentPassword, address);
  if (!checked.ok) return { ok: false, field: 'currentPassword', message: checked.message };
  const weakness = await passwordWeakness(newPassword, viewer);
  if (weakness) return { ok: false, field: 'newPassword', message: weakness };
  const passwordHash = await hashPassword(newPassword);
  // The new password, the other sessions ending and the "your password was changed" email happen
  // together or not at all: someone who did not make the change learns of it by email.
  await db.transaction().execute(async (trx) => {
    const user = await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).returning(['name', 'email']).executeTakeFirstOrThrow();
    await endOtherSessions(userId, keepSessionId, trx);
    await queueEmail(trx, { template: 'password-changed', toUserId: userId, toAddress: user.email, toName: user.name, params: { at: nowIso() } });
    await recordAudit({ event: 'password_changed', actorUserId: userId, subjectUserId: userId, address }, trx);
  });
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Invitations

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const INVITATION_TOKEN_BYTES = 24;

export class DuplicateEmailError extends Error {}

export interface NewMember {
  name: string;
  email: string;
  roles: Role[];
}

/**
 * Adds a person to an organisation and returns their one-time invitation token. An email that
 * already belongs to someone is refused: people are not silently moved between organisations.
 */
export async function inviteMember(viewer: SessionUser, organisationId: number, member: NewMember): Promise<string> {
  if (!viewer.isPlatformAdmin && !(await leadsOrganisation(viewer, organisationId))) throw new AccessDenied('invite');
  return getDb()
    .transaction()
    .execute((trx) => insertInvitedMember(trx, organisationId, member, viewer.id));
}

/** The body of inviteMember, for callers that already hold a transaction (the roster import). */
export async function insertInvitedMember(trx: Transaction<Database>, organisationId: number, member: NewMember, invitedBy: number | null): Promise<string> {
  const email = normaliseEmail(member.email);
  const token = randomToken(INVITATION_TOKEN_BYTES);
  const created = now();
  const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (existing) throw new DuplicateEmailError(email);
  const user = await trx
    .insertInto('users')
    .values({ email, name: member.name.trim(), password_hash: null, created_at: created.toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const membership = await trx
    .insertInto('memberships')
    .values({ user_id: user.id, organisation_id: organisationId, deactivated_at: null, created_at: created.toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('membership_roles')
    .values(member.roles.map((role) => ({ membership_id: membership.id, role })))
    .execute();
  const expiresAt = new Date(created.getTime() + INVITATION_TTL_MS).toISOString();
  await trx
    .insertInto('invitations')
    .values({
      token_hash: hashToken(token),
      user_id: user.id,
      organisation_id: organisationId,
      created_by: invitedBy,
      created_at: created.toISOString(),
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  await recordAudit({ event: 'invitation_created', actorUserId: invitedBy, subjectUserId: user.id, organisationId, detail: { roles: member.roles } }, trx);
  await queueInvitation(trx, { userId: user.id, name: member.name.trim(), email, organisationId, token, invitedBy, expiresAt });
  return token;
}

/**
 * A fresh link for someone who has not yet set a password (the old one was lost or expired); any
 * earlier link of theirs stops working. Returns null for someone who already has a password.
 */
export async function renewInvitation(viewer: SessionUser, userId: number, organisationId: number): Promise<string | null> {
  if (!(await mayManageMembership(viewer, organisationId, userId))) throw new AccessDenied('invitation');
  const invitedBy = viewer.id;
  const token = randomToken(INVITATION_TOKEN_BYTES);
  const created = now();
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const member = await trx.selectFrom('memberships').select('id').where('user_id', '=', userId).where('organisation_id', '=', organisationId).executeTakeFirst();
      if (!member) throw new AccessDenied('not a member');
      const user = await trx.selectFrom('users').select(['password_hash', 'sso_linked_at', 'name', 'email']).where('id', '=', userId).executeTakeFirst();
      if (!user || user.password_hash !== null || user.sso_linked_at !== null) return null;
      await trx.updateTable('invitations').set({ expires_at: created.toISOString() }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
      await trx
        .insertInto('invitations')
        .values({ token_hash: hashToken(token), user_id: userId, organisation_id: organisationId, created_by: invitedBy, created_at: created.toISOString(), expires_at: new Date(created.getTime() + INVITATION_TTL_MS).toISOString(), used_at: null })
        .execute();
      await recordAudit({ event: 'invitation_created', actorUserId: invitedBy, subjectUserId: userId, organisationId, detail: { renewed: true } }, trx);
      await queueInvitation(trx, { userId, name: user.name, email: user.email, organisationId, token, invitedBy, expiresAt: new Date(created.getTime() + INVITATION_TTL_MS).toISOString() });
      return token;
    });
}

/** Of these invitation tokens, the ones still pending in the given organisations. */
export async function pendingInvitationTokens(tokens: string[], organisationIds: number[]): Promise<Set<string>> {
  const wellFormed = tokens.filter((t) => isWellFormedToken(t, INVITATION_TOKEN_BYTES));
  if (wellFormed.length === 0 || organisationIds.length === 0) return new Set();
  const byHash = new Map(wellFormed.map((t) => [hashToken(t), t]));
  const rows = await getDb()
    .selectFrom('invitations')
    .select('token_hash')
    .where('token_hash', 'in', [...byHash.keys()])
    .where('organisation_id', 'in', organisationIds)
    .where('used_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => byHash.get(r.token_hash)!));
}

export type InvitationLookup =
  | { status: 'valid'; invitationId: number; userId: number; name: string; email: string; organisationName: string }
  | { status: 'expired' | 'used'; organisationName: string; invitedByName: string | null }
  /** The person's membership was deactivated: the link no longer opens anything. */
  | { status: 'withdrawn'; organisationName: string }
  | { status: 'unknown' };

export async function findInvitation(token: string): Promise<InvitationLookup> {
  if (!isWellFormedToken(token, INVITATION_TOKEN_BYTES)) return { status: 'unknown' };
  const row = await getDb()
    .selectFrom('invitations as i')
    .innerJoin('users as u', 'u.id', 'i.user_id')
    .innerJoin('organisations as o', 'o.id', 'i.organisation_id')
    .leftJoin('users as inviter', 'inviter.id', 'i.created_by')
    .leftJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'i.user_id').onRef('m.organisation_id', '=', 'i.organisation_id'))
    .select(['i.id', 'i.user_id', 'i.expires_at', 'i.used_at', 'u.name', 'u.email', 'o.name as organisationName', 'inviter.name as inviterName', 'm.deactivated_at'])
    .where('i.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) return { status: 'unknown' };
  if (row.deactivated_at !== null && row.used_at === null) return { status: 'withdrawn', organisationName: row.organisationName };
  if (row.used_at) return { status: 'used', organisationName: row.organisationName, invitedByName: row.inviterName };
  if (row.expires_at <= nowIso()) return { status: 'expired', organisationName: row.organisationName, invitedByName: row.inviterName };
  return { status: 'valid', invitationId: row.id, userId: row.user_id, name: row.name, email: row.email, organisationName: row.organisationName };
}

export class InvitationWithdrawnError extends Error {}

/**
 * Sets the password and spends the invitation, once: a second use of the same link fails, and a
 * deactivated person's link sets nothing (the whole transaction is undone).
 */
export async function acceptInvitation(invitationId: number, userId: number, name: string, password: string): Promise<boolean> {
  const passwordHash = await hashPassword(password);
  try {
    return await getDb()
    .transaction()
    .execute(async (trx) => {
      const spent = await trx
        .updateTable('invitations')
        .set({ used_at: nowIso() })
        .where('id', '=', invitationId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', nowIso())
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return false;
      const invitation = await trx.selectFrom('invitations').select('organisation_id').where('id', '=', invitationId).executeTakeFirstOrThrow();
      const active = await trx.selectFrom('memberships').select('id').where('user_id', '=', userId).where('organisation_id', '=', invitation.organisation_id).where('deactivated_at', 'is', null).executeTakeFirst();
      if (!active) throw new InvitationWithdrawnError();
      await trx.updateTable('users').set({ password_hash: passwordHash, name }).where('id', '=', userId).execute();
      await recordAudit({ event: 'invitation_accepted', actorUserId: userId, subjectUserId: userId }, trx);
      return true;
    });
  } catch (error) {
    if (error instanceof InvitationWithdrawnError) return false;
    throw error;
  }
}
