import type { Role } from '#db/schema.ts';
import { AccessDenied, assertPlatformAdmin, ledOrganisationIds, mayManageMembership } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { joinedText } from '#db/dialect.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { inviteMember, type NewMember } from './accounts.server.ts';
import { recordAudit } from './audit.server.ts';

export interface OrganisationSummary {
  id: number;
  name: string;
  kind: 'school' | 'trust';
  trustName: string | null;
  memberCount: number;
}

export async function listOrganisations(viewer: SessionUser): Promise<OrganisationSummary[]> {
  assertPlatformAdmin(viewer);
  return getDb()
    .selectFrom('organisations as o')
    .leftJoin('organisations as t', 't.id', 'o.trust_id')
    .select((eb) => [
      'o.id',
      'o.name',
      'o.kind',
      't.name as trustName',
      eb.selectFrom('memberships as m').whereRef('m.organisation_id', '=', 'o.id').select(eb.fn.countAll<number>().as('c')).as('memberCount'),
    ])
    .orderBy('o.name')
    .execute() as Promise<OrganisationSummary[]>;
}

export async function listTrusts(): Promise<{ id: number; name: string }[]> {
  return getDb().selectFrom('organisations').select(['id', 'name']).where('kind', '=', 'trust').orderBy('name').execute();
}

/** The organisations the viewer leads (a trust's schools included). */
export async function ledOrganisations(viewer: SessionUser): Promise<{ id: number; name: string; kind: 'school' | 'trust' }[]> {
  const ids = await ledOrganisationIds(viewer);
  if (ids.length === 0) return [];
  return getDb().selectFrom('organisations').select(['id', 'name', 'kind']).where('id', 'in', ids).orderBy('name').execute();
}

/** A platform admin's act: an organisation and the invitation of its first leader, together. */
export async function createOrganisationWithLeader(
  values: { name: string; kind: 'school' | 'trust'; trustId: number | null },
  leader: Omit<NewMember, 'roles'>,
  viewer: SessionUser,
): Promise<{ organisationId: number; token: string }> {
  assertPlatformAdmin(viewer);
  const adminUserId = viewer.id;
  const db = getDb();
  const organisation = await db
    .insertInto('organisations')
    .values({ name: values.name, kind: values.kind, trust_id: values.trustId, created_at: nowIso() })
    .returning('id')
    .executeTakeFirstOrThrow();
  try {
    const token = await inviteMember(viewer, organisation.id, { ...leader, roles: ['leader', 'teacher'] });
    await recordAudit({ event: 'organisation_created', actorUserId: adminUserId, organisationId: organisation.id, detail: { name: values.name } });
    return { organisationId: organisation.id, token };
  } catch (error) {
    // Nothing half-written: no organisation without its leader.
    await db.deleteFrom('organisations').where('id', '=', organisation.id).execute();
    throw error;
  }
}

export interface MemberRow {
  userId: number;
  name: string;
  email: string;
  organisationId: number;
  organisationName: string;
  roles: Role[];
  invitationPending: boolean;
  deactivated: boolean;
}

/** The people of the organisations the viewer leads (optionally one organisation, one person). */
export async function listMembers(viewer: SessionUser, only: { userId?: number; organisationId?: number } = {}): Promise<MemberRow[]> {
  const led = await ledOrganisationIds(viewer);
  const organisationIds = only.organisationId === undefined ? led : led.filter((id) => id === only.organisationId);
  if (organisationIds.length === 0) return [];
  let query = getDb()
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .select((eb) => [
      'u.id as userId',
      'u.name',
      'u.email',
      'o.id as organisationId',
      'o.name as organisationName',
      'm.deactivated_at',
      'u.password_hash',
      eb
        .selectFrom('membership_roles as r')
        .whereRef('r.membership_id', '=', 'm.id')
        .select(joinedText(getDb(), 'r.role').as('roles'))
        .as('roles'),
    ])
    .where('m.organisation_id', 'in', organisationIds)
    .orderBy('o.name')
    .orderBy('u.name');
  if (only.userId !== undefined) query = query.where('u.id', '=', only.userId);
  const rows = await query.execute();
  return rows.map((row) => ({
    userId: row.userId,
    name: row.name,
    email: row.email,
    organisationId: row.organisationId,
    organisationName: row.organisationName,
    roles: String(row.roles ?? '').split(',').filter(Boolean) as Role[],
    invitationPending: row.password_hash === null,
    deactivated: row.deactivated_at !== null,
  }));
}


/**
 * Deactivates or reactivates a membership. A deactivated person cannot sign in (unless they are
 * active elsewhere) and their sessions end; their certificates stay valid.
 */
export async function setMembershipActive(viewer: SessionUser, organisationId: number, userId: number, active: boolean): Promise<boolean> {
  if (!(await mayManageMembership(viewer, organisationId, userId))) throw new AccessDenied('membership');
  const actorId = viewer.id;
  const db = getDb();
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('memberships')
      .set({ deactivated_at: active ? null : nowIso() })
      .where('organisation_id', '=', organisationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    if (!active) {
      const stillActive = await trx.selectFrom('memberships').select('id').where('user_id', '=', userId).where('deactivated_at', 'is', null).executeTakeFirst();
      if (!stillActive) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    }
    await recordAudit({ event: active ? 'member_reactivated' : 'member_deactivated', actorUserId: actorId, subjectUserId: userId, organisationId }, trx);
    return true;
  });
}
