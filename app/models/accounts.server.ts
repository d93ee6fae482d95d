import type { Transaction } from 'kysely';
import type { Database, Role } from '#db/schema.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '#app/auth/password.server.ts';
import { hashToken, isWellFormedToken, randomToken } from '#app/auth/tokens.server.ts';
import { endOtherSessions, loadMemberships } from '#app/auth/session.server.ts';
import { getDb, now, nowIso } from '#app/utils/db.server.ts';
import { queueInvitation } from '#app/mail/messages.server.ts';
import { recordAudit } from './audit.server.ts';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// Failed sign-ins per account and per address in a sliding window. The per-address limit is higher
// because a whole school signs in from one address (docs/decisions/002-sessions-and-sign-in.md).
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 10;
export const MAX_FAILURES_PER_ADDRESS = 100;

export type SignInResult =
  | { ok: true; userId: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'rate-limited'; retryAt: Date };

/** When the sign-in may be tried again, or null if it is not limited now. */
export async function signInRetryAt(email: string, address: string): Promise<Date | null> {
  const since = new Date(now().getTime() - SIGN_IN_WINDOW_MS).toISOString();
  const db = getDb();
  const byAccount = await db
    .selectFrom('failed_sign_ins')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('at').as('oldest')])
    .where('email', '=', email)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  const byAddress = await db
    .selectFrom('failed_sign_ins')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('at').as('oldest')])
    .where('address', '=', address)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  const limited = [
    byAccount.count >= MAX_FAILURES_PER_ACCOUNT ? byAccount.oldest : null,
    byAddress.count >= MAX_FAILURES_PER_ADDRESS ? byAddress.oldest : null,
  ].filter((oldest): oldest is string => typeof oldest === 'string');
  if (limited.length === 0) return null;
  const latest = limited.sort().at(-1)!;
  return new Date(new Date(latest).getTime() + SIGN_IN_WINDOW_MS);
}

export async function attemptSignIn(rawEmail: string, password: string, address: string): Promise<SignInResult> {
  const email = normaliseEmail(rawEmail);
  const retryAt = await signInRetryAt(email, address);
  if (retryAt) return { ok: false, reason: 'rate-limited', retryAt };

  const db = getDb();
  const user = await db
    .selectFrom('users as u')
    .leftJoin('platform_admins as a', 'a.user_id', 'u.id')
    .select(['u.id', 'u.password_hash', 'a.user_id as adminId'])
    .where('u.email', '=', email)
    .executeTakeFirst();
  const passwordOk = user?.password_hash ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
  // A deactivated member (no active membership) is refused with the same message as a wrong password.
  const active = user && passwordOk && (user.adminId !== null || (await loadMemberships(user.id)).length > 0);
  if (!user || !active) {
    await db.insertInto('failed_sign_ins').values({ at: nowIso(), email, address }).execute();
    await recordAudit({ event: 'sign_in_failed', subjectUserId: user?.id ?? null, address, detail: user ? {} : { email } });
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

export type PasswordChangeResult = { ok: true } | { ok: false; field: 'currentPassword'; message: string };

/** Changes a password and ends every other session of the user. */
export async function changePassword(
  userId: number,
  currentPassword: string,
  newPassword: string,
  keepSessionId: string,
  address: string,
): Promise<PasswordChangeResult> {
  const db = getDb();
  const user = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow();
  if (!user.password_hash || !(await verifyPassword(user.password_hash, currentPassword))) {
    return { ok: false, field: 'currentPassword', message: 'That is not your current password' };
  }
  const passwordHash = await hashPassword(newPassword);
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
  await endOtherSessions(userId, keepSessionId);
  await recordAudit({ event: 'password_changed', actorUserId: userId, subjectUserId: userId, address });
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
export async function inviteMember(organisationId: number, member: NewMember, invitedBy: number | null): Promise<string> {
  return getDb()
    .transaction()
    .execute((trx) => insertInvitedMember(trx, organisationId, member, invitedBy));
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
export async function renewInvitation(userId: number, organisationId: number, invitedBy: number): Promise<string | null> {
  const token = randomToken(INVITATION_TOKEN_BYTES);
  const created = now();
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const user = await trx.selectFrom('users').select(['password_hash', 'name', 'email']).where('id', '=', userId).executeTakeFirst();
      if (!user || user.password_hash !== null) return null;
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
  | { status: 'unknown' };

export async function findInvitation(token: string): Promise<InvitationLookup> {
  if (!isWellFormedToken(token, INVITATION_TOKEN_BYTES)) return { status: 'unknown' };
  const row = await getDb()
    .selectFrom('invitations as i')
    .innerJoin('users as u', 'u.id', 'i.user_id')
    .innerJoin('organisations as o', 'o.id', 'i.organisation_id')
    .leftJoin('users as inviter', 'inviter.id', 'i.created_by')
    .select(['i.id', 'i.user_id', 'i.expires_at', 'i.used_at', 'u.name', 'u.email', 'o.name as organisationName', 'inviter.name as inviterName'])
    .where('i.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) return { status: 'unknown' };
  if (row.used_at) return { status: 'used', organisationName: row.organisationName, invitedByName: row.inviterName };
  if (row.expires_at <= nowIso()) return { status: 'expired', organisationName: row.organisationName, invitedByName: row.inviterName };
  return { status: 'valid', invitationId: row.id, userId: row.user_id, name: row.name, email: row.email, organisationName: row.organisationName };
}

/** Sets the password and spends the invitation, once: a second use of the same link fails. */
export async function acceptInvitation(invitationId: number, userId: number, name: string, password: string): Promise<boolean> {
  const passwordHash = await hashPassword(password);
  return getDb()
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
      await trx.updateTable('users').set({ password_hash: passwordHash, name }).where('id', '=', userId).execute();
      await recordAudit({ event: 'invitation_accepted', actorUserId: userId, subjectUserId: userId }, trx);
      return true;
    });
}
