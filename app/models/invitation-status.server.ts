import type { ExpressionBuilder } from 'kysely';
import type { Database } from '#db/schema.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';

/** The newest invitation email queued for invitation `i` (sent or not), as a subquery to select from. */
function newestInvitationEmail(eb: ExpressionBuilder<Database & { i: Database['invitations'] }, 'i'>) {
  return eb.selectFrom('outbox as o').whereRef('o.to_user_id', '=', 'i.user_id').where('o.template', '=', 'invitation').whereRef('o.created_at', '>=', 'i.created_at').orderBy('o.id', 'desc').limit(1);
}

export interface PendingInvitation {
  userId: number;
  organisationId: number;
  expiresAt: string;
  /** When the email with the newest link went out; null while it waits in the outbox or if it failed. */
  emailedAt: string | null;
  emailFailed: boolean;
}

/** Invitations not yet accepted and not yet expired, in the given organisations (ids the viewer leads). */
export async function pendingInvitations(organisationIds: number[], only: { userId?: number } = {}): Promise<PendingInvitation[]> {
  if (organisationIds.length === 0) return [];
  let query = getDb()
    .selectFrom('invitations as i')
    .innerJoin('users as u', 'u.id', 'i.user_id')
    .select((eb) => [
      'i.user_id',
      'i.organisation_id',
      'i.expires_at',
      newestInvitationEmail(eb).select('o.status').as('emailStatus'),
      newestInvitationEmail(eb).select('o.sent_at').as('emailedAt'),
    ])
    .where('i.organisation_id', 'in', organisationIds)
    .where('i.used_at', 'is', null)
    .where('i.expires_at', '>', nowIso())
    .where('u.password_hash', 'is', null)
    .where('u.sso_linked_at', 'is', null);
  if (only.userId !== undefined) query = query.where('i.user_id', '=', only.userId);
  const rows = await query.execute();
  return rows.map((r) => ({ userId: r.user_id, organisationId: r.organisation_id, expiresAt: r.expires_at, emailedAt: r.emailedAt ?? null, emailFailed: r.emailStatus === 'failed' }));
}

export interface LeaderInvitation {
  userId: number;
  name: string;
  email: string;
  organisationId: number;
  organisationName: string;
  /** Null when the latest link has expired. */
  expiresAt: string | null;
}

/** For platform admins: leaders in any organisation who have never set a password, with their latest link's expiry. */
export async function pendingLeaderInvitations(): Promise<LeaderInvitation[]> {
  const at = nowIso();
  const rows = await getDb()
    .selectFrom('memberships as m')
    .innerJoin('membership_roles as r', 'r.membership_id', 'm.id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .select((eb) => [
      'u.id as userId',
      'u.name',
      'u.email',
      'o.id as organisationId',
      'o.name as organisationName',
      eb
        .selectFrom('invitations as i')
        .whereRef('i.user_id', '=', 'u.id')
        .where('i.used_at', 'is', null)
        .where('i.expires_at', '>', at)
        .select((sub) => sub.fn.max('i.expires_at').as('e'))
        .as('expiresAt'),
    ])
    .where('r.role', '=', 'leader')
    .where('u.password_hash', 'is', null)
    .where('u.sso_linked_at', 'is', null)
    .where('m.deactivated_at', 'is', null)
    .orderBy('o.name')
    .orderBy('u.name')
    .execute();
  return rows.map((r) => ({ ...r, expiresAt: (r.expiresAt as string | null) ?? null }));
}
