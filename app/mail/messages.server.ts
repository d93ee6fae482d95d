import type { Kysely, Transaction } from 'kysely';
import type { Database } from '#db/schema.ts';
import { assignmentCovers } from '#app/models/assignments.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { queueEmails, type NewMessage } from './outbox.server.ts';
import { wantingCategory } from './preferences.server.ts';
import { insertNotices } from './schedule.server.ts';

// The calls model code makes inside its own transaction to queue a message about what it just did.

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The invitation email. Only an insert, so a 2,000-row import stays quick: the school's and the
 * inviter's names are looked up when the message is sent (resolveNames in outbox.server.ts).
 */
type InvitationMessage = { userId: number; name: string; email: string; organisationId: number; token: string; invitedBy: number | null; expiresAt: string };

export async function queueInvitation(db: Db, invitation: InvitationMessage): Promise<void> {
  await queueInvitations(db, [invitation]);
}

export async function queueInvitations(db: Db, invitations: InvitationMessage[]): Promise<void> {
  await queueEmails(
    db,
    invitations.map((invitation) => ({
      template: 'invitation',
      toUserId: invitation.userId,
      toAddress: invitation.email,
      toName: invitation.name,
      params: { organisationId: invitation.organisationId, inviterUserId: invitation.invitedBy, url: `${getEnv().PUBLIC_URL}/invitations/${invitation.token}`, expiresAt: invitation.expiresAt },
    })),
  );
}

/** "A course has been assigned to you", to each person the assignment covers now, once each. */
export async function queueAssignmentMade(trx: Transaction<Database>, assignmentId: number): Promise<number> {
  const rows = await trx
    .selectFrom('memberships as m')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .innerJoin('assignments as a', (join) => join.on((eb) => assignmentCovers(eb)))
    .innerJoin('organisations as ao', 'ao.id', 'a.organisation_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('users as by', 'by.id', 'a.assigned_by')
    .select(['u.id as userId', 'u.name', 'u.email', 'a.course_slug', 'a.due_date', 'ao.name as organisationName', 'by.name as assignedByName'])
    .where('a.id', '=', assignmentId)
    .where('m.deactivated_at', 'is', null)
    .where('u.password_hash', 'is not', null)
    .execute();
  const wanted = await wantingCategory(trx, [...new Set(rows.map((r) => r.userId))], 'assignments');
  const recipients = new Map(rows.filter((r) => wanted.has(r.userId)).map((r) => [r.userId, r]));
  const inserted = await insertNotices(trx, [...recipients.keys()].map((userId) => ({ assignment_id: assignmentId, user_id: userId, kind: 'assigned' as const })));
  const messages: NewMessage[] = [...recipients.values()]
    .filter((r) => inserted.has(`${assignmentId}:${r.userId}:assigned`))
    .map((r) => ({
      template: 'assignment-made',
      toUserId: r.userId,
      toAddress: r.email,
      toName: r.name,
      params: { organisationName: r.organisationName, courseSlug: r.course_slug, dueDate: r.due_date, assignedByName: r.assignedByName },
    }));
  await queueEmails(trx, messages);
  return messages.length;
}

/** Tells a teacher's coaches that the teacher shared a reflection or replied on one. */
/**
 * Tells coaches that a teacher shared a reflection or replied. Who may know is decided by the
 * caller through the policy (the coaches a reflection is shared with): only those are written to.
 */
export async function queueCoachNotice(trx: Transaction<Database>, teacherUserId: number, template: 'reflection-shared' | 'reflection-reply' | 'practice-shared' | 'practice-followed-up', coachIds: number[]): Promise<number> {
  if (coachIds.length === 0) return 0;
  const coaches = await trx
    .selectFrom('group_members as gm')
    .innerJoin('groups as g', 'g.id', 'gm.group_id')
    .innerJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'gm.user_id').onRef('m.organisation_id', '=', 'g.organisation_id'))
    .innerJoin('memberships as cm', (join) => join.onRef('cm.user_id', '=', 'g.coach_user_id').onRef('cm.organisation_id', '=', 'g.organisation_id'))
    .innerJoin('users as coach', 'coach.id', 'g.coach_user_id')
    .innerJoin('users as teacher', 'teacher.id', 'gm.user_id')
    .innerJoin('organisations as o', 'o.id', 'g.organisation_id')
    .select(['coach.id as coachId', 'coach.name', 'coach.email', 'teacher.name as teacherName', 'o.name as organisationName'])
    .where('gm.user_id', '=', teacherUserId)
    .where('g.coach_user_id', 'in', coachIds)
    .where('g.coach_user_id', '!=', teacherUserId)
    .where('m.deactivated_at', 'is', null)
    .where('cm.deactivated_at', 'is', null)
    .execute();
  const wanted = await wantingCategory(trx, coaches.map((c) => c.coachId), 'coaching');
  const byCoach = new Map(coaches.filter((c) => wanted.has(c.coachId)).map((c) => [c.coachId, c]));
  const messages: NewMessage[] = [...byCoach.values()].map((c) => ({
    template,
    toUserId: c.coachId,
    toAddress: c.email,
    toName: c.name,
    params: { teacherName: c.teacherName, teacherUserId, organisationName: c.organisationName },
  }));
  await queueEmails(trx, messages);
  return messages.length;
}
