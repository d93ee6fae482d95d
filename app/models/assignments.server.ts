import { sql, type ExpressionBuilder } from 'kysely';
import type { Database, Role } from '#db/schema.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { queueAssignmentMade } from '#app/mail/messages.server.ts';
import { recordAudit } from './audit.server.ts';

export type AssignmentTarget = { kind: 'person'; userId: number } | { kind: 'group'; groupId: number } | { kind: 'role'; role: Role };

/** Creates an assignment; the same live assignment sent twice (a double submit) is kept once. */
export async function createAssignment(values: { organisationId: number; courseSlug: string; target: AssignmentTarget; dueDate: string | null; assignedBy: number }): Promise<number> {
  const { target } = values;
  const existing = await getDb()
    .selectFrom('assignments')
    .select('id')
    .where('organisation_id', '=', values.organisationId)
    .where('course_slug', '=', values.courseSlug)
    .where('target_kind', '=', target.kind)
    .where('target_user_id', 'is', target.kind === 'person' ? target.userId : null)
    .where('target_group_id', 'is', target.kind === 'group' ? target.groupId : null)
    .where('target_role', 'is', target.kind === 'role' ? target.role : null)
    .where('due_date', 'is', values.dueDate)
    .where('withdrawn_at', 'is', null)
    .executeTakeFirst();
  if (existing) return existing.id;
  return getDb().transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('assignments')
      .values({
        organisation_id: values.organisationId,
        course_slug: values.courseSlug,
        target_kind: target.kind,
        target_user_id: target.kind === 'person' ? target.userId : null,
        target_group_id: target.kind === 'group' ? target.groupId : null,
        target_role: target.kind === 'role' ? target.role : null,
        due_date: values.dueDate,
        assigned_by: values.assignedBy,
        created_at: nowIso(),
        withdrawn_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit({ event: 'assignment_created', actorUserId: values.assignedBy, organisationId: values.organisationId, detail: { assignment: row.id, course: values.courseSlug, target } }, trx);
    await queueAssignmentMade(trx, row.id);
    return row.id;
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

/** Live assignments in the given organisations, optionally only those made by one person. */
export async function listAssignments(organisationIds: number[], only: { assignedBy?: number; assignmentId?: number } = {}): Promise<AssignmentRow[]> {
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
  if (only.assignedBy !== undefined) query = query.where('a.assigned_by', '=', only.assignedBy);
  if (only.assignmentId !== undefined) query = query.where('a.id', '=', only.assignmentId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    organisationId: r.organisation_id,
    courseSlug: r.course_slug,
    targetKind: r.target_kind,
    targetLabel: r.target_kind === 'person' ? (r.targetUser ?? 'a person') : r.target_kind === 'group' ? `group ${r.targetGroup ?? ''}`.trim() : `everyone with the ${r.target_role} role`,
    dueDate: r.due_date,
    assignedByName: r.byName,
    assignedBy: r.assigned_by,
  }));
}

export async function withdrawAssignment(assignmentId: number, actorId: number, organisationId: number): Promise<void> {
  await getDb().updateTable('assignments').set({ withdrawn_at: nowIso() }).where('id', '=', assignmentId).where('withdrawn_at', 'is', null).execute();
  await recordAudit({ event: 'assignment_withdrawn', actorUserId: actorId, organisationId, detail: { assignment: assignmentId } });
}
