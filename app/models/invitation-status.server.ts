import { getDb, nowIso } from '#app/utils/db.server.ts';

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
      eb
        .selectFrom('outbox as o')
        .select('o.status')
        .whereRef('o.to_user_id', '=', 'i.user_id')
        .where('o.template', '=', 'invitation')
        .whereRef('o.created_at', '>=', 'i.created_at')
        .orderBy('o.id', 'desc')
        .limit(1)
        .as('emailStatus'),
      eb
        .selectFrom('outbox as o')
        .select('o.sent_at')
        .whereRef('o.to_user_id', '=', 'i.user_id')
        .where('o.template', '=', 'invitation')
        .whereRef('o.created_at', '>=', 'i.created_at')
        .orderBy('o.id', 'desc')
        .limit(1)
        .as('emailedAt'),
    ])
    .where('i.organisation_id', 'in', organisationIds)
    .where('i.used_at', 'is', null)
    .where('i.expires_at', '>', nowIso())
    .where('u.password_hash', 'is', null);
  if (only.userId !== undefined) query = query.where('i.user_id', '=', only.userId);
  const rows = await query.execute();
  return rows.map((r) => ({ userId: r.user_id, organisationId: r.organisation_id, expiresAt: r.expires_at, emailedAt: r.emailedAt ?? null, emailFailed: r.emailStatus === 'failed' }));
}
