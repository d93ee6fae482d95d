import { sql, type ExpressionBuilder } from 'kysely';
import { ROLES, type Database, type Role } from '#db/schema.ts';
import { AccessDenied, ledOrganisationIds, membershipsWithRole } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { coachedPeople, listGroups } from './groups.server.ts';
import { listMembers } from './organisations.server.ts';
import { queueAssignmentMade } from '#app/mail/messages.server.ts';
import { recordAudit } from './audit.server.ts';

export type AssignmentTarget = { kind: 'person'; userId: number } | { kind: 'group'; groupId: number } | { kind: 'role'; role: Role };

export type AssignerMode = 'leader' | 'coach';

export function targetKey(target: AssignmentTarget): string {
  return target.kind === 'person' ? `person:${target.userId}` : target.kind === 'group' ? `group:${target.groupId}` : `role:${target.role}`;
}

/**
 * Works out a target named in a form (`person:12:3`, `group:4`, `role:teacher:3`) and the
 * organisation it belongs to, within what the viewer may assign to: a leader anyone in the
 * organisations they lead, a group or everyone with a role there; a coach the people and groups
 * they coach. Anything else is AccessDenied.
 */
export async function resolveTarget(viewer: SessionUser, mode: AssignerMode, raw: string): Promise<{ organisationId: number; target: AssignmentTarget }> {
  const [kind, first, second] = raw.split(':');
  if (mode === 'coach') {
    if (kind === 'person') {
      const person = (await coachedPeople(viewer, { userId: Number(first) }))[0];
      if (person) return { organisationId: person.organisationId, target: { kind: 'person', userId: person.userId } };
    } else if (kind === 'group') {
      const group = (await listGroups(viewer, 'coach', { groupId: Number(first) }))[0];
      if (group) return { organisationId: group.organisationId, target: { kind: 'group', groupId: group.id } };
    }
    throw new AccessDenied('assignment target');
  }
  const organisationIds = await ledOrganisationIds(viewer);
  if (kind === 'role' && (ROLES as readonly string[]).includes(first ?? '') && organisationIds.includes(Number(second))) {
    return { organisationId: Number(second), target: { kind: 'role', role: first as Role } };
  }
  if (kind === 'group') {
    const group = (await listGroups(viewer, 'leader', { groupId: Number(first) }))[0];
    if (group) return { organisationId: group.organisationId, target: { kind: 'group', groupId: group.id } };
  }
  if (kind === 'person') {
    const member = (await listMembers(viewer, { userId: Number(first), ...(second ? { organisationId: Number(second) } : {}) })).find((m) => !m.deactivated);
    if (member) return { organisationId: member.organisationId, target: { kind: 'person', userId: member.userId } };
  }
  throw new AccessDenied('assignment target');
}

/**
 * Assigns a course. There is one live assignment per course and target (a unique index): assigning
 * again updates its due date. Two identical requests at the same moment make one row.
 */
export async function assignCourse(
  viewer: SessionUser,
  mode: AssignerMode,
  values: { target: string; courseSlug: string; dueDate: string | null },
): Promise<{ id: number; outcome: 'created' | 'updated' | 'unchanged'; organisationId: number; target: AssignmentTarget }> {
  const { organisationId, target } = await resolveTarget(viewer, mode, values.target);
  const key = targetKey(target);
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const live = () =>
        trx
          .selectFrom('assignments')
          .select(['id', 'due_date'])
          .where('organisation_id', '=', organisationId)
          .where('course_slug', '=', values.courseSlug)
          .where('target_key', '=', key)
          .where('withdrawn_at', 'is', null)
          .executeTakeFirst();
      const before = await live();
      if (before && before.due_date === values.dueDate) return { id: before.id, outcome: 'unchanged' as const, organisationId, target };
      const row = await trx
        .insertInto('assignments')
        .values({
          organisation_id: organisationId,
          course_slug: values.courseSlug,
          target_kind: target.kind,
          target_user_id: target.kind === 'person' ? target.userId : null,
          target_group_id: target.kind === 'group' ? target.groupId : null,
          target_role: target.kind === 'role' ? target.role : null,
          target_key: key,
          due_date: values.dueDate,
          assigned_by: viewer.id,
          created_at: nowIso(),
          withdrawn_at: null,
        })
        .onConflict((oc) => oc.columns(['organisation_id', 'course_slug', 'target_key']).where('withdrawn_at', 'is', null).doUpdateSet({ due_date: values.dueDate }))
        .returning('id')
        .executeTakeFirstOrThrow();
      const outcome = before ? ('updated' as const) : ('created' as const);
      // Each assignee hears of a new assignment once; a changed due date reaches them in reminders.
      if (!before) await queueAssignmentMade(trx, row.id);
      await recordAudit(
        { event: before ? 'assignment_updated' : 'assignment_created', actorUserId: viewer.id, organisationId, detail: { assignment: row.id, course: values.courseSlug, target, due: values.dueDate } },
        trx,
      );
      return { id: row.id, outcome, organisationId, target };
    });
}

/**
 * The condition "assignment `a` covers the member `m` (with organisation `o`)": a person target,
 * a group the member is in now, or a role the member has now. Worked out at read time, so people
 * who join a group or gain a role later are covered (docs/decisions/008-assignments.md).
 */
export function assignmentCovers(eb: ExpressionBuilder<Database & { a: Database['assignments']; m: Database['memberships']; o: Database['organisations'] }, 'a' | 'm' | 'o'>) {
  return eb.and([
    eb('a.withdrawn_at', 'is', null),
    eb.or([eb('a.organisation_id', '=', eb.ref('m.organisation_id')), eb('a.organisation_id', '=', eb.ref('o.trust_id'))]),
    eb.or([
      eb.and([eb('a.target_kind', '=', 'person'), eb('a.target_user_id', '=', eb.ref('m.user_id'))]),
      eb.and([
        eb('a.target_kind', '=', 'group'),
        eb.exists(eb.selectFrom('group_members as gm').select('gm.group_id').whereRef('gm.group_id', '=', 'a.target_group_id').whereRef('gm.user_id', '=', 'm.user_id')),
      ]),
      eb.and([
        eb('a.target_kind', '=', 'role'),
        eb.exists(eb.selectFrom('membership_roles as r').select('r.role').whereRef('r.membership_id', '=', 'm.id').whereRef('r.role', '=', 'a.target_role')),
      ]),
    ]),
  ]);
}

export interface LearnerAssignment {
  courseSlug: string;
  dueDate: string | null;
  assignedBy: string;
}

/** The courses assigned to one learner, one per course: the earliest due date wins. */
export async function assignmentsForLearner(userId: number): Promise<LearnerAssignment[]> {
  const rows = await getDb()
    .selectFrom('memberships as m')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .innerJoin('assignments as a', (join) => join.on((eb) => assignmentCovers(eb)))
    .innerJoin('users as by', 'by.id', 'a.assigned_by')
    .select(['a.course_slug', 'a.due_date', 'by.name as assignedBy'])
    .where('m.user_id', '=', userId)
    .where('m.deactivated_at', 'is', null)
    .orderBy(sql`a.due_date is null`)
    .orderBy('a.due_date')
    .execute();
  const byCourse = new Map<string, LearnerAssignment>();
  for (const row of rows) {
    if (!byCourse.has(row.course_slug)) byCourse.set(row.course_slug, { courseSlug: row.course_slug, dueDate: row.due_date, assignedBy: row.assignedBy });
  }
  return [...byCourse.values()];
}

export interface AssignmentRow {
  id: number;
  organisationId: number;
  courseSlug: string;
  targetKind: 'person' | 'group' | 'role';
  targetLabel: string;
  dueDate: string | null;
  assignedByName: string;
  assignedBy: number;
}

/** Live assignments the viewer may see: a leader's organisations, or those a coach made. */
export async function listAssignments(viewer: SessionUser, mode: AssignerMode, only: { assignmentId?: number } = {}): Promise<AssignmentRow[]> {
  const organisationIds = mode === 'leader' ? await ledOrganisationIds(viewer) : membershipsWithRole(viewer, 'coach').map((m) => m.organisationId);
  if (organisationIds.length === 0) return [];
  let query = getDb()
    .selectFrom('assignments as a')
    .innerJoin('users as by', 'by.id', 'a.assigned_by')
    .leftJoin('users as tu', 'tu.id', 'a.target_user_id')
    .leftJoin('groups as tg', 'tg.id', 'a.target_group_id')
    .select(['a.id', 'a.organisation_id', 'a.course_slug', 'a.target_kind', 'a.target_role', 'tu.name as targetUser', 'tg.name as targetGroup', 'a.due_date', 'by.name as byName', 'a.assigned_by'])
    .where('a.organisation_id', 'in', organisationIds)
    .where('a.withdrawn_at', 'is', null)
    .orderBy('a.created_at', 'desc');
  if (mode === 'coach') query = query.where('a.assigned_by', '=', viewer.id);
  if (only.assignmentId !== undefined) query = query.where('a.id', '=', only.assignmentId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    organisationId: r.organisation_id,
    courseSlug: r.course_slug,
    targetKind: r.target_kind,
    targetLabel: r.target_kind === 'person' ? (r.targetUser ?? 'a person') : r.target_kind === 'group' ? `the group “${r.targetGroup ?? ''}”` : `everyone with the ${r.target_role} role`,
    dueDate: r.due_date,
    assignedByName: r.byName,
    assignedBy: r.assigned_by,
  }));
}

/** Withdraws an assignment the viewer may see (a coach only their own). */
export async function withdrawAssignment(viewer: SessionUser, mode: AssignerMode, assignmentId: number): Promise<AssignmentRow> {
  const assignment = (await listAssignments(viewer, mode, { assignmentId }))[0];
  if (!assignment) throw new AccessDenied('assignment');
  await getDb().updateTable('assignments').set({ withdrawn_at: nowIso() }).where('id', '=', assignmentId).where('withdrawn_at', 'is', null).execute();
  await recordAudit({ event: 'assignment_withdrawn', actorUserId: viewer.id, organisationId: assignment.organisationId, detail: { assignment: assignmentId } });
  return assignment;
}
