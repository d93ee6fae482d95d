import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Role } from '#db/schema.ts';
import { AccessDenied, assertPlatformAdmin, ledOrganisationIds, mayManageMembership } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { containsIgnoringCase, joinedText } from '#db/dialect.ts';
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
  if (await organisationNameTaken(values.name)) throw new DuplicateOrganisationNameError(values.name);
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
      'u.sso_linked_at',
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
    invitationPending: row.password_hash === null && row.sso_linked_at === null,
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

// ---------------------------------------------------------------------------------------------
// A platform admin's view of one organisation

export class DuplicateOrganisationNameError extends Error {}

/** Another organisation already has this name, ignoring case and spaces at the ends. */
export async function organisationNameTaken(name: string, exceptId?: number, db: Kysely<Database> | Transaction<Database> = getDb()): Promise<boolean> {
  let query = db.selectFrom('organisations').select('id').where(sql<string>`lower(trim(name))`, '=', name.trim().toLowerCase());
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

export interface OrganisationDetail {
  id: number;
  name: string;
  kind: 'school' | 'trust';
  trustId: number | null;
  trustName: string | null;
  schools: { id: number; name: string }[];
  memberCount: number;
}

export async function getOrganisation(viewer: SessionUser, organisationId: number): Promise<OrganisationDetail | null> {
  assertPlatformAdmin(viewer);
  const db = getDb();
  const row = await db
    .selectFrom('organisations as o')
    .leftJoin('organisations as t', 't.id', 'o.trust_id')
    .select((eb) => ['o.id', 'o.name', 'o.kind', 'o.trust_id', 't.name as trustName', eb.selectFrom('memberships as m').whereRef('m.organisation_id', '=', 'o.id').select(eb.fn.countAll<number>().as('c')).as('memberCount')])
    .where('o.id', '=', organisationId)
    .executeTakeFirst();
  if (!row) return null;
  const schools = row.kind === 'trust' ? await db.selectFrom('organisations').select(['id', 'name']).where('trust_id', '=', organisationId).orderBy('name').execute() : [];
  return { id: row.id, name: row.name, kind: row.kind, trustId: row.trust_id, trustName: row.trustName, schools, memberCount: Number(row.memberCount ?? 0) };
}

/**
 * Renames an organisation, or moves a school into a trust (or out of one). A school's trust
 * leaders gain or lose sight of its people at once, since who leads what is worked out from
 * trust_id on every request; the audit trail says who moved it and from where.
 */
export async function updateOrganisation(viewer: SessionUser, organisationId: number, values: { name: string; trustId: number | null }): Promise<'saved' | 'unchanged'> {
  assertPlatformAdmin(viewer);
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const before = await trx.selectFrom('organisations').select(['name', 'kind', 'trust_id']).where('id', '=', organisationId).executeTakeFirst();
      if (!before) throw new AccessDenied('organisation');
      const trustId = before.kind === 'trust' ? null : values.trustId;
      if (before.name === values.name && before.trust_id === trustId) return 'unchanged' as const;
      if (await organisationNameTaken(values.name, organisationId, trx)) throw new DuplicateOrganisationNameError(values.name);
      await trx.updateTable('organisations').set({ name: values.name, trust_id: trustId }).where('id', '=', organisationId).execute();
      await recordAudit(
        { event: 'organisation_changed', actorUserId: viewer.id, organisationId, detail: { from: { name: before.name, trustId: before.trust_id }, to: { name: values.name, trustId } } },
        trx,
      );
      return 'saved' as const;
    });
}

export const ADMIN_PEOPLE_PAGE_SIZE = 50;

/**
 * People for a platform admin, searched by name or email and paged: one organisation's, or
 * everyone's when `organisationId` is null (then each row says where they are a member).
 */
export async function searchOrganisationPeople(viewer: SessionUser, organisationId: number | null, q: string, page: number): Promise<{ total: number; people: MemberRow[] }> {
  assertPlatformAdmin(viewer);
  const db = getDb();
  let base = db.selectFrom('memberships as m').innerJoin('users as u', 'u.id', 'm.user_id').innerJoin('organisations as o', 'o.id', 'm.organisation_id');
  if (organisationId !== null) base = base.where('m.organisation_id', '=', organisationId);
  const needle = q.trim().toLowerCase();
  if (needle) base = base.where((eb) => eb.or([containsIgnoringCase('u.name', needle), containsIgnoringCase('u.email', needle)]));
  const [{ total }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    base
      .select(['u.id as userId', 'u.name', 'u.email', 'u.password_hash', 'u.sso_linked_at', 'm.id as membershipId', 'm.deactivated_at', 'o.id as organisationId', 'o.name as organisationName'])
      .orderBy('u.name')
      .orderBy('u.id')
      .orderBy('o.name')
      .limit(ADMIN_PEOPLE_PAGE_SIZE)
      .offset((page - 1) * ADMIN_PEOPLE_PAGE_SIZE)
      .execute(),
  ]);
  const roles = rows.length
    ? await db.selectFrom('membership_roles').select(['membership_id', 'role']).where('membership_id', 'in', rows.map((r) => r.membershipId)).execute()
    : [];
  return {
    total: Number(total),
    people: rows.map((r) => ({
      userId: r.userId,
      name: r.name,
      email: r.email,
      organisationId: r.organisationId,
      organisationName: r.organisationName,
      roles: roles.filter((x) => x.membership_id === r.membershipId).map((x) => x.role),
      invitationPending: r.password_hash === null && r.sso_linked_at === null,
      deactivated: r.deactivated_at !== null,
    })),
  };
}
