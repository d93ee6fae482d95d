import { sql } from 'kysely';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { recordAudit } from './audit.server.ts';

export interface GroupSummary {
  id: number;
  name: string;
  organisationId: number;
  organisationName: string;
  coachUserId: number | null;
  coachName: string | null;
  memberCount: number;
}

/** Groups of the given organisations (callers pass only ids the viewer may see). */
export async function listGroups(organisationIds: number[], only: { groupId?: number; coachUserId?: number } = {}): Promise<GroupSummary[]> {
  if (organisationIds.length === 0) return [];
  let query = getDb()
    .selectFrom('groups as g')
    .innerJoin('organisations as o', 'o.id', 'g.organisation_id')
    .leftJoin('users as c', 'c.id', 'g.coach_user_id')
    .select((eb) => [
      'g.id',
      'g.name',
      'g.organisation_id as organisationId',
      'o.name as organisationName',
      'g.coach_user_id as coachUserId',
      'c.name as coachName',
      eb.selectFrom('group_members as gm').whereRef('gm.group_id', '=', 'g.id').select(eb.fn.countAll<number>().as('n')).as('memberCount'),
    ])
    .where('g.organisation_id', 'in', organisationIds)
    .orderBy('o.name')
    .orderBy('g.name');
  if (only.groupId !== undefined) query = query.where('g.id', '=', only.groupId);
  if (only.coachUserId !== undefined) query = query.where('g.coach_user_id', '=', only.coachUserId);
  return (await query.execute()) as GroupSummary[];
}

export async function getGroup(groupId: number, organisationIds: number[]): Promise<GroupSummary | null> {
  return (await listGroups(organisationIds, { groupId }))[0] ?? null;
}

export async function groupMembers(groupId: number): Promise<{ userId: number; name: string; email: string }[]> {
  return getDb()
    .selectFrom('group_members as gm')
    .innerJoin('users as u', 'u.id', 'gm.user_id')
    .select(['u.id as userId', 'u.name', 'u.email'])
    .where('gm.group_id', '=', groupId)
    .orderBy('u.name')
    .execute();
}

/** Whether a person is an active member of an organisation (optionally with a role). */
export async function isActiveMember(userId: number, organisationId: number, role?: 'teacher' | 'coach' | 'leader'): Promise<boolean> {
  let query = getDb()
    .selectFrom('memberships as m')
    .select('m.id')
    .where('m.user_id', '=', userId)
    .where('m.organisation_id', '=', organisationId)
    .where('m.deactivated_at', 'is', null);
  if (role) query = query.where((eb) => eb.exists(eb.selectFrom('membership_roles as r').select('r.role').whereRef('r.membership_id', '=', 'm.id').where('r.role', '=', role)));
  return (await query.executeTakeFirst()) !== undefined;
}

export class GroupNameTakenError extends Error {}

export async function createGroup(organisationId: number, name: string, coachUserId: number | null, actorId: number): Promise<number> {
  const db = getDb();
  const existing = await db.selectFrom('groups').select('id').where('organisation_id', '=', organisationId).where('name', '=', name).executeTakeFirst();
  if (existing) throw new GroupNameTakenError(name);
  const row = await db.insertInto('groups').values({ organisation_id: organisationId, name, coach_user_id: coachUserId, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow();
  await recordAudit({ event: 'group_changed', actorUserId: actorId, organisationId, detail: { group: row.id, action: 'created', coach: coachUserId } });
  return row.id;
}

export async function setGroupCoach(groupId: number, coachUserId: number | null, actorId: number, organisationId: number): Promise<void> {
  await getDb().updateTable('groups').set({ coach_user_id: coachUserId }).where('id', '=', groupId).execute();
  await recordAudit({ event: 'group_changed', actorUserId: actorId, organisationId, detail: { group: groupId, action: 'coach', coach: coachUserId } });
}

export async function addGroupMember(groupId: number, userId: number): Promise<void> {
  await getDb().insertInto('group_members').values({ group_id: groupId, user_id: userId, added_at: nowIso() }).onConflict((oc) => oc.doNothing()).execute();
}

export async function removeGroupMember(groupId: number, userId: number): Promise<void> {
  await getDb().deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', '=', userId).execute();
}

export async function deleteGroup(groupId: number, actorId: number, organisationId: number): Promise<void> {
  await getDb().deleteFrom('groups').where('id', '=', groupId).execute();
  await recordAudit({ event: 'group_changed', actorUserId: actorId, organisationId, detail: { group: groupId, action: 'deleted' } });
}

/** The people a coach coaches: active members of the groups they coach, in those groups' organisations. */
export async function coachedPeople(coachUserId: number, only: { userId?: number } = {}): Promise<{ userId: number; name: string; organisationId: number; groupNames: string }[]> {
  let query = getDb()
    .selectFrom('groups as g')
    .innerJoin('group_members as gm', 'gm.group_id', 'g.id')
    .innerJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'gm.user_id').onRef('m.organisation_id', '=', 'g.organisation_id'))
    .innerJoin('users as u', 'u.id', 'gm.user_id')
    .select(['u.id as userId', 'u.name', 'g.organisation_id as organisationId', sql<string>`group_concat(g.name, ', ')`.as('groupNames')])
    .where('g.coach_user_id', '=', coachUserId)
    .where('m.deactivated_at', 'is', null)
    .where('gm.user_id', '!=', coachUserId)
    .groupBy(['u.id', 'u.name', 'g.organisation_id'])
    .orderBy('u.name');
  if (only.userId !== undefined) query = query.where('gm.user_id', '=', only.userId);
  return query.execute();
}

/** Whether `coachUserId` coaches `personId` (an active member of one of their groups). */
export async function isCoachOf(coachUserId: number, personId: number): Promise<boolean> {
  const row = await getDb()
    .selectFrom('groups as g')
    .innerJoin('group_members as gm', 'gm.group_id', 'g.id')
    .innerJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'gm.user_id').onRef('m.organisation_id', '=', 'g.organisation_id'))
    .select('g.id')
    .where('g.coach_user_id', '=', coachUserId)
    .where('gm.user_id', '=', personId)
    .where('m.deactivated_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined && coachUserId !== personId;
}

/** Whether a learner has a coach: an active member of a group that has one. */
export async function hasCoach(userId: number): Promise<boolean> {
  const row = await getDb()
    .selectFrom('group_members as gm')
    .innerJoin('groups as g', 'g.id', 'gm.group_id')
    .innerJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'gm.user_id').onRef('m.organisation_id', '=', 'g.organisation_id'))
    .select('g.id')
    .where('gm.user_id', '=', userId)
    .where('g.coach_user_id', 'is not', null)
    .where('g.coach_user_id', '!=', userId)
    .where('m.deactivated_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}
