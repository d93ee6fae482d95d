import { AccessDenied, assertLeads, coachedPeopleQuery, ledOrganisationIds, membershipsWithRole } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { joinedText } from '#db/dialect.ts';
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

export type GroupScope = 'leader' | 'coach';

/**
 * The groups a viewer may see: as a leader, every group in the organisations they lead; as a
 * coach, the groups they coach in organisations where they hold the coach role now.
 */
export async function listGroups(viewer: SessionUser, scope: GroupScope, only: { groupId?: number } = {}): Promise<GroupSummary[]> {
  const organisationIds = scope === 'leader' ? await ledOrganisationIds(viewer) : membershipsWithRole(viewer, 'coach').map((m) => m.organisationId);
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
  if (scope === 'coach') query = query.where('g.coach_user_id', '=', viewer.id);
  if (only.groupId !== undefined) query = query.where('g.id', '=', only.groupId);
  return (await query.execute()) as GroupSummary[];
}

/** One group the viewer leads, or null. */
export async function getGroup(viewer: SessionUser, groupId: number): Promise<GroupSummary | null> {
  return (await listGroups(viewer, 'leader', { groupId }))[0] ?? null;
}

async function requireLedGroup(viewer: SessionUser, groupId: number): Promise<GroupSummary> {
  const group = await getGroup(viewer, groupId);
  if (!group) throw new AccessDenied('group');
  return group;
}

export async function groupMembers(viewer: SessionUser, groupId: number): Promise<{ userId: number; name: string; email: string; deactivated: boolean }[]> {
  const group = await requireLedGroup(viewer, groupId);
  const rows = await getDb()
    .selectFrom('group_members as gm')
    .innerJoin('users as u', 'u.id', 'gm.user_id')
    .leftJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'gm.user_id').on('m.organisation_id', '=', group.organisationId))
    .select(['u.id as userId', 'u.name', 'u.email', 'm.deactivated_at'])
    .where('gm.group_id', '=', groupId)
    .orderBy('u.name')
    .execute();
  return rows.map((r) => ({ userId: r.userId, name: r.name, email: r.email, deactivated: r.deactivated_at !== null }));
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
export class NotACoachError extends Error {}

export async function createGroup(viewer: SessionUser, organisationId: number, name: string, coachUserId: number | null): Promise<number> {
  await assertLeads(viewer, organisationId);
  if (coachUserId !== null && !(await isActiveMember(coachUserId, organisationId, 'coach'))) throw new NotACoachError();
  const db = getDb();
  const existing = await db.selectFrom('groups').select('id').where('organisation_id', '=', organisationId).where('name', '=', name).executeTakeFirst();
  if (existing) throw new GroupNameTakenError(name);
  const row = await db.insertInto('groups').values({ organisation_id: organisationId, name, coach_user_id: coachUserId, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow();
  await recordAudit({ event: 'group_changed', actorUserId: viewer.id, organisationId, detail: { group: row.id, action: 'created', coach: coachUserId } });
  return row.id;
}

export async function setGroupCoach(viewer: SessionUser, groupId: number, coachUserId: number): Promise<void> {
  const group = await requireLedGroup(viewer, groupId);
  if (!(await isActiveMember(coachUserId, group.organisationId, 'coach'))) throw new AccessDenied('coach outside the organisation');
  await getDb().updateTable('groups').set({ coach_user_id: coachUserId }).where('id', '=', groupId).execute();
  await recordAudit({ event: 'group_changed', actorUserId: viewer.id, organisationId: group.organisationId, detail: { group: groupId, action: 'coach', coach: coachUserId } });
}

export async function addGroupMember(viewer: SessionUser, groupId: number, userId: number): Promise<void> {
  const group = await requireLedGroup(viewer, groupId);
  if (!(await isActiveMember(userId, group.organisationId))) throw new AccessDenied('person outside the organisation');
  const added = await getDb().insertInto('group_members').values({ group_id: groupId, user_id: userId, added_at: nowIso() }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (Number(added.numInsertedOrUpdatedRows ?? 0n) > 0) {
    await recordAudit({ event: 'group_member_added', actorUserId: viewer.id, subjectUserId: userId, organisationId: group.organisationId, detail: { group: groupId } });
  }
}

export async function removeGroupMember(viewer: SessionUser, groupId: number, userId: number): Promise<void> {
  const group = await requireLedGroup(viewer, groupId);
  const removed = await getDb().deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
  if (Number(removed.numDeletedRows) > 0) {
    await recordAudit({ event: 'group_member_removed', actorUserId: viewer.id, subjectUserId: userId, organisationId: group.organisationId, detail: { group: groupId } });
  }
}

/** The live assignments a group's deletion would withdraw (course slugs), for the confirmation. */
export async function assignmentsOfGroup(viewer: SessionUser, groupId: number): Promise<string[]> {
  await requireLedGroup(viewer, groupId);
  const rows = await getDb().selectFrom('assignments').select('course_slug').where('target_group_id', '=', groupId).where('withdrawn_at', 'is', null).orderBy('course_slug').execute();
  return rows.map((r) => r.course_slug);
}

export async function deleteGroup(viewer: SessionUser, groupId: number): Promise<void> {
  const group = await requireLedGroup(viewer, groupId);
  await getDb().deleteFrom('groups').where('id', '=', groupId).execute();
  await recordAudit({ event: 'group_changed', actorUserId: viewer.id, organisationId: group.organisationId, detail: { group: groupId, action: 'deleted', name: group.name } });
}

/** The people the viewer coaches now, with the organisation and the groups they share. */
export async function coachedPeople(viewer: SessionUser, only: { userId?: number } = {}): Promise<{ userId: number; name: string; organisationId: number; groupNames: string }[]> {
  let query = coachedPeopleQuery(viewer.id)
    .select(['u.id as userId', 'u.name', 'g.organisation_id as organisationId', joinedText(getDb(), 'g.name', ', ').as('groupNames')])
    .groupBy(['u.id', 'u.name', 'g.organisation_id'])
    .orderBy('u.name');
  if (only.userId !== undefined) query = query.where('gm.user_id', '=', only.userId);
  return query.execute();
}
