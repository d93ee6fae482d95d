import { hashPassword } from '#app/auth/password.server.ts';
import { hashToken, isWellFormedToken, randomToken } from '#app/auth/tokens.server.ts';
import { queueEmail } from '#app/mail/outbox.server.ts';
import { AccessDenied, canLeaderSeePerson } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { getDb, now, nowIso } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { normaliseEmail } from './accounts.server.ts';
import { recordAudit } from './audit.server.ts';
import { passwordsTurnedOff } from './sso.server.ts';

// Password reset by email: a single-use link, stored only as its HMAC, that lasts an hour. Asking
// for one says nothing about whether the address has an account.

export const RESET_TTL_MS = 60 * 60 * 1000;
const RESET_TOKEN_BYTES = 24;
/** At most this many reset emails per account per hour, so the form cannot flood an inbox. */
export const MAX_RESETS_PER_HOUR = 3;

/** Someone who may sign in: an active member somewhere, or a platform admin. */
async function findResettableUser(email: string): Promise<{ id: number; name: string; email: string } | undefined> {
  return getDb()
    .selectFrom('users as u')
    .select(['u.id', 'u.name', 'u.email'])
    .where('u.email', '=', email)
    .where(({ or, exists, selectFrom }) =>
      or([
        exists(selectFrom('memberships as m').select('m.id').whereRef('m.user_id', '=', 'u.id').where('m.deactivated_at', 'is', null)),
        exists(selectFrom('platform_admins as a').select('a.user_id').whereRef('a.user_id', '=', 'u.id')),
      ]),
    )
    .executeTakeFirst();
}

async function issueReset(user: { id: number; name: string; email: string }, requestedBy: { id: number; name: string } | null, address: string | null): Promise<boolean> {
  const created = now();
  const hourAgo = new Date(created.getTime() - RESET_TTL_MS).toISOString();
  const token = randomToken(RESET_TOKEN_BYTES);
  const expiresAt = new Date(created.getTime() + RESET_TTL_MS).toISOString();
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const recent = await trx.selectFrom('password_resets').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user.id).where('created_at', '>', hourAgo).executeTakeFirstOrThrow();
      if (recent.n >= MAX_RESETS_PER_HOUR) return false;
      await trx
        .insertInto('password_resets')
        .values({ token_hash: hashToken(token), user_id: user.id, requested_by: requestedBy?.id ?? null, created_at: created.toISOString(), expires_at: expiresAt, used_at: null })
        .execute();
      await queueEmail(trx, {
        template: 'password-reset',
        toUserId: user.id,
        toAddress: user.email,
        toName: user.name,
        params: { url: `${getEnv().PUBLIC_URL}/reset-password/${token}`, expiresAt, requestedByName: requestedBy?.name ?? null },
      });
      await recordAudit({ event: 'password_reset_requested', actorUserId: requestedBy?.id ?? null, subjectUserId: user.id, address }, trx);
      return true;
    });
}

/**
 * The /forgot-password form: queues a reset email when the address belongs to someone who may sign
 * in, and does nothing otherwise. The caller answers the same either way.
 */
export async function requestPasswordReset(rawEmail: string, address: string): Promise<void> {
  const email = normaliseEmail(rawEmail);
  // A school that signs in only through single sign-on has no passwords to reset; the page says so.
  if (await passwordsTurnedOff(email)) return;
  const user = await findResettableUser(email);
  if (user) await issueReset(user, null, address);
}

/** A leader or admin sends someone a reset link (the caller has checked they may). */
/**
 * A leader (for the people of the organisations they lead) or a platform admin (for anyone) sends
 * someone a reset link; it goes to that person's own address. Anyone else: AccessDenied.
 */
export async function sendPasswordResetFor(viewer: SessionUser, userId: number): Promise<'sent' | 'too-many' | 'not-found'> {
  if (!viewer.isPlatformAdmin && !(await canLeaderSeePerson(viewer, userId))) throw new AccessDenied('reset link');
  const requestedBy = { id: viewer.id, name: viewer.name };
  const row = await getDb().selectFrom('users').select(['email']).where('id', '=', userId).executeTakeFirst();
  const user = row ? await findResettableUser(row.email) : undefined;
  if (!user) return 'not-found';
  return (await issueReset(user, requestedBy, null)) ? 'sent' : 'too-many';
}

export type ResetLookup = { status: 'valid'; resetId: number; userId: number; email: string; name: string } | { status: 'expired' | 'used' | 'unknown' };

export async function findPasswordReset(token: string): Promise<ResetLookup> {
  if (!isWellFormedToken(token, RESET_TOKEN_BYTES)) return { status: 'unknown' };
  const row = await getDb()
    .selectFrom('password_resets as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.id', 'r.user_id', 'r.expires_at', 'r.used_at', 'u.email', 'u.name'])
    .where('r.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) return { status: 'unknown' };
  if (row.used_at) return { status: 'used' };
  if (row.expires_at <= nowIso()) return { status: 'expired' };
  return { status: 'valid', resetId: row.id, userId: row.user_id, email: row.email, name: row.name };
}

/**
 * Sets the new password and spends the link, once. Every session of the person ends, their other
 * reset links and any pending invitation stop working, and a "your password was changed" email
 * is queued, all in one transaction.
 */
export async function completePasswordReset(resetId: number, userId: number, password: string, address: string): Promise<boolean> {
  const passwordHash = await hashPassword(password);
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const at = nowIso();
      const spent = await trx.updateTable('password_resets').set({ used_at: at }).where('id', '=', resetId).where('used_at', 'is', null).where('expires_at', '>', at).executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return false;
      await trx.updateTable('password_resets').set({ used_at: at }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
      await trx.updateTable('invitations').set({ used_at: at }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
      const user = await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).returning(['name', 'email']).executeTakeFirstOrThrow();
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await queueEmail(trx, { template: 'password-changed', toUserId: userId, toAddress: user.email, toName: user.name, params: { at } });
      await recordAudit({ event: 'password_reset', actorUserId: userId, subjectUserId: userId, address }, trx);
      return true;
    });
}

/** For a platform admin's reset form: the account with this email, if any. */
export async function findUserIdByEmail(email: string): Promise<number | null> {
  const row = await getDb().selectFrom('users').select('id').where('email', '=', normaliseEmail(email)).executeTakeFirst();
  return row?.id ?? null;
}
