import { AccessDenied, assertPlatformAdmin, mayErasePerson } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { recordAudit } from './audit.server.ts';
import { forgetLearner } from './learner-cache.server.ts';

// Subject access (UK GDPR art. 15, 20): everything Kindred holds about one person, as one JSON
// document. Only the viewer's own rows, found by their user id; no secrets (password hash, session
// and token hashes) and no email parameters, which can hold one-time links.

export async function exportPersonalData(viewer: SessionUser) {
  const db = getDb();
  const userId = viewer.id;
  const [profile, memberships, groups, enrolments, modules, checks, reflections, comments, commentsWritten, externalCpd, certificates, emails, sessions, preferences, audit, actionSteps, stepNotes] = await Promise.all([
    db.selectFrom('users').select(['id', 'name', 'email', 'created_at']).where('id', '=', userId).executeTakeFirstOrThrow(),
    db
      .selectFrom('memberships as m')
      .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
      .leftJoin('membership_roles as r', 'r.membership_id', 'm.id')
      .select(['m.id', 'o.name as organisation', 'm.created_at', 'm.deactivated_at', 'r.role'])
      .where('m.user_id', '=', userId)
      .orderBy('m.id')
      .execute(),
    db.selectFrom('group_members as gm').innerJoin('groups as g', 'g.id', 'gm.group_id').select(['g.name as group', 'gm.added_at']).where('gm.user_id', '=', userId).execute(),
    db.selectFrom('enrolments').select(['course_slug', 'content_version', 'started_at', 'completed_at', 'last_module_slug', 'last_activity_at']).where('user_id', '=', userId).execute(),
    db.selectFrom('module_progress').select(['course_slug', 'module_slug', 'content_version', 'first_visited_at', 'last_visited_at', 'completed_at']).where('user_id', '=', userId).execute(),
    db.selectFrom('check_attempts').select(['course_slug', 'module_slug', 'item_id', 'answers', 'results', 'passed', 'attempts', 'submitted_at']).where('user_id', '=', userId).execute(),
    db.selectFrom('reflection_responses').select(['id', 'course_slug', 'module_slug', 'item_id', 'content_version', 'body', 'saved_at', 'shared_at']).where('user_id', '=', userId).execute(),
    db
      .selectFrom('reflection_comments as c')
      .innerJoin('reflection_responses as r', 'r.id', 'c.reflection_id')
      .innerJoin('users as a', 'a.id', 'c.author_user_id')
      .select(['c.reflection_id', 'a.name as author', 'c.body', 'c.created_at'])
      .where('r.user_id', '=', userId)
      .execute(),
    db.selectFrom('reflection_comments').select(['reflection_id', 'body', 'created_at']).where('author_user_id', '=', userId).execute(),
    db.selectFrom('external_cpd').select(['title', 'provider', 'activity_date', 'hours', 'note', 'link', 'created_at', 'updated_at']).where('user_id', '=', userId).execute(),
    db
      .selectFrom('certificates')
      .select(['code', 'course_slug', 'course_title', 'content_version', 'cpd_hours', 'learner_name', 'organisation_name', 'completed_at', 'revoked_at', 'revocation_reason'])
      .where('user_id', '=', userId)
      .execute(),
    db.selectFrom('outbox').select(['template', 'subject', 'to_address', 'status', 'created_at', 'sent_at']).where('to_user_id', '=', userId).orderBy('id').execute(),
    db.selectFrom('sessions').select(['created_at', 'last_seen_at', 'expires_at', 'user_agent', 'address']).where('user_id', '=', userId).execute(),
    db.selectFrom('email_preferences').select(['assignments', 'reminders', 'coaching', 'leader_digest', 'updated_at']).where('user_id', '=', userId).executeTakeFirst(),
    db
      .selectFrom('audit_log')
      .select(['at', 'event', 'actor_user_id', 'subject_user_id'])
      .where((eb) => eb.or([eb('actor_user_id', '=', userId), eb('subject_user_id', '=', userId)]))
      .orderBy('id')
      .execute(),
    db
      .selectFrom('action_steps')
      .select(['id', 'course_slug', 'module_slug', 'item_id', 'previous_step_id', 'what', 'class_name', 'follow_up_on', 'success_looks_like', 'status', 'outcome', 'followed_up_at', 'minutes_given', 'ended_as', 'shared_at', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('action_step_notes as n')
      .innerJoin('action_steps as s', 's.id', 'n.step_id')
      .innerJoin('users as a', 'a.id', 'n.author_user_id')
      .select(['n.step_id', 'a.name as author', 'n.kind', 'n.outcome', 'n.body', 'n.next_text', 'n.created_at'])
      .where((eb) => eb.or([eb('s.user_id', '=', userId), eb('n.author_user_id', '=', userId)]))
      .orderBy('n.id')
      .execute(),
  ]);
  return {
    exportedAt: nowIso(),
    about: 'Everything Kindred holds about you. Ask your school to correct or erase it.',
    profile,
    memberships: [...new Set(memberships.map((m) => m.id))].map((id) => {
      const rows = memberships.filter((m) => m.id === id);
      return { organisation: rows[0]!.organisation, roles: rows.flatMap((m) => (m.role ? [m.role] : [])), joinedAt: rows[0]!.created_at, deactivatedAt: rows[0]!.deactivated_at };
    }),
    groups,
    progress: { enrolments, modules, knowledgeChecks: checks.map((c) => ({ ...c, answers: JSON.parse(c.answers) as unknown, results: JSON.parse(c.results) as unknown })) },
    reflections: reflections.map((r) => ({ ...r, comments: comments.filter((c) => c.reflection_id === r.id).map(({ reflection_id: _, ...c }) => c) })),
    commentsYouWrote: commentsWritten,
    actionSteps: actionSteps.map((step) => ({ ...step, thread: stepNotes.filter((n) => n.step_id === step.id).map(({ step_id: _, ...n }) => n) })),
    notesYouWroteOnOthersActionSteps: stepNotes.filter((n) => !actionSteps.some((s) => s.id === n.step_id)).map(({ step_id: _, ...n }) => n),
    cpdLog: {
      completedCourses: enrolments.filter((e) => e.completed_at !== null).map((e) => ({ course_slug: e.course_slug, completed_at: e.completed_at })),
      external: externalCpd,
    },
    certificates,
    emails,
    emailPreferences: preferences ?? null,
    sessions,
    auditTrail: audit.map((a) => ({ at: a.at, event: a.event, you: a.actor_user_id === userId ? (a.subject_user_id === userId ? 'did and were the subject' : 'did') : 'were the subject' })),
  };
}

// Erasure (UK GDPR art. 17) and retention (docs/decisions/015-credentials-and-data-rights.md).
// The user row stays, pseudonymised, so the ids in the audit trail and in progress counts still
// resolve; what a person wrote is deleted; their certificates still verify with the name withheld.

export type ErasureReason = 'request' | 'retention';

export interface ErasurePreview {
  id: number;
  name: string;
  email: string;
  organisations: string[];
  erasedAt: string | null;
}

/** The person a platform admin is about to erase, found by email; null when there is none or they may not. */
export async function findPersonToErase(viewer: SessionUser, email: string): Promise<ErasurePreview | null> {
  const db = getDb();
  const user = await db.selectFrom('users').select(['id', 'name', 'email', 'erased_at']).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  if (!user || !(await mayErasePerson(viewer, user.id))) return null;
  const organisations = await db.selectFrom('memberships as m').innerJoin('organisations as o', 'o.id', 'm.organisation_id').select('o.name').where('m.user_id', '=', user.id).execute();
  return { id: user.id, name: user.name, email: user.email, organisations: organisations.map((o) => o.name), erasedAt: user.erased_at };
}

export async function erasePerson(viewer: SessionUser, personId: number): Promise<boolean> {
  if (!(await mayErasePerson(viewer, personId))) throw new AccessDenied('person');
  return eraseInTransaction(personId, viewer.id, 'request');
}

const erasedEmail = (id: number) => `erased-${id}@erased.invalid`;

async function eraseInTransaction(personId: number, actorUserId: number | null, reason: ErasureReason): Promise<boolean> {
  const erased = await getDb()
    .transaction()
    .execute(async (trx) => {
      const at = nowIso();
      const person = await trx.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', personId).where('erased_at', 'is', null).executeTakeFirst();
      if (!person) return false;
      await trx.updateTable('users').set({ name: `Erased person ${person.id}`, email: erasedEmail(person.id), password_hash: null, erased_at: at }).where('id', '=', person.id).execute();
      await trx.updateTable('memberships').set({ deactivated_at: at }).where('user_id', '=', person.id).where('deactivated_at', 'is', null).execute();
      // What they wrote, and what others wrote about their writing (comments cascade with the reflection).
      await trx.deleteFrom('reflection_comments').where('author_user_id', '=', person.id).execute();
      await trx.deleteFrom('reflection_responses').where('user_id', '=', person.id).execute();
      // Their action steps and what anyone wrote on them; their notes on others' steps (shares and notes cascade with a step).
      await trx.deleteFrom('action_step_notes').where('author_user_id', '=', person.id).execute();
      await trx.deleteFrom('action_step_shares').where('coach_user_id', '=', person.id).execute();
      await trx.updateTable('action_steps').set({ previous_step_id: null }).where('user_id', '=', person.id).execute();
      await trx.deleteFrom('action_steps').where('user_id', '=', person.id).execute();
      await trx.deleteFrom('kept_drafts').where('user_id', '=', person.id).execute();
      await trx.deleteFrom('external_cpd').where('user_id', '=', person.id).execute();
      // Ways in, and ways to reach them.
      for (const table of ['sessions', 'invitations', 'password_resets', 'email_preferences', 'group_members', 'assignment_notices'] as const) {
        await trx.deleteFrom(table).where('user_id', '=', person.id).execute();
      }
      await trx.deleteFrom('platform_admins').where('user_id', '=', person.id).execute();
      await trx.deleteFrom('outbox').where('to_user_id', '=', person.id).execute();
      await trx.deleteFrom('failed_sign_ins').where('email', '=', person.email).execute();
      await trx.updateTable('groups').set({ coach_user_id: null }).where('coach_user_id', '=', person.id).execute();
      await trx.updateTable('certificates').set({ learner_name: '', holder_withheld_at: at }).where('user_id', '=', person.id).execute();
      // The audit trail keeps ids, not names or addresses.
      await trx
        .updateTable('audit_log')
        .set({ address: null })
        .where((eb) => eb.or([eb('actor_user_id', '=', person.id), eb('subject_user_id', '=', person.id)]))
        .execute();
      const mentioning = await trx
        .selectFrom('audit_log')
        .select(['id', 'detail'])
        .where((eb) => eb.or([eb('detail', 'like', `%${person.email}%`), eb('detail', 'like', `%${JSON.stringify(person.name).slice(1, -1)}%`)]))
        .execute();
      for (const row of mentioning) {
        const scrubbed = row.detail.split(person.email).join(erasedEmail(person.id)).split(JSON.stringify(person.name).slice(1, -1)).join(`person ${person.id}`);
        await trx.updateTable('audit_log').set({ detail: scrubbed }).where('id', '=', row.id).execute();
      }
      await recordAudit({ event: 'person_erased', actorUserId, subjectUserId: person.id, detail: { reason } }, trx);
      return true;
    });
  // Their progress went with them: nothing kept for them may be shown again.
  if (erased) forgetLearner(personId);
  return erased;
}

/**
 * Erases people whose every membership has been deactivated for longer than the retention period
 * of one of their organisations. Keeps no state: each run reads the database, so a restart or a
 * second process just finds nothing left to do.
 */
export async function eraseExpiredPeople(): Promise<number> {
  const db = getDb();
  const nowMs = Date.now();
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'm.deactivated_at', 'o.retention_months'])
    .where('u.erased_at', 'is', null)
    .where('m.deactivated_at', 'is not', null)
    .where('o.retention_months', 'is not', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('memberships as live').select('live.id').whereRef('live.user_id', '=', 'u.id').where('live.deactivated_at', 'is', null))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('platform_admins as pa').select('pa.user_id').whereRef('pa.user_id', '=', 'u.id'))))
    .execute();
  const due = new Set(rows.filter((r) => monthsLater(r.deactivated_at!, r.retention_months!) <= nowMs).map((r) => r.id));
  let erased = 0;
  for (const id of due) if (await eraseInTransaction(id, null, 'retention')) erased += 1;
  return erased;
}

function monthsLater(iso: string, months: number): number {
  const date = new Date(iso);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.getTime();
}

export const RETENTION_CHOICES = [6, 12, 24, 36, 72] as const;

export async function setRetention(viewer: SessionUser, organisationId: number, months: number | null): Promise<void> {
  assertPlatformAdmin(viewer);
  const updated = await getDb().updateTable('organisations').set({ retention_months: months }).where('id', '=', organisationId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new AccessDenied('organisation');
}

export async function listRetention(viewer: SessionUser): Promise<{ id: number; name: string; retentionMonths: number | null }[]> {
  assertPlatformAdmin(viewer);
  const rows = await getDb().selectFrom('organisations').select(['id', 'name', 'retention_months']).orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, retentionMonths: r.retention_months }));
}
