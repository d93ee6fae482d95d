import { sql, type Transaction } from 'kysely';
import type { AssignmentNoticeKind, Database } from '#db/schema.ts';
import { assignmentCovers } from '#app/models/assignments.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { getDb, now, nowIso } from '#app/utils/db.server.ts';
import { takeLease } from '#db/leases.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { newWorkerId, queueEmails, type NewMessage } from './outbox.server.ts';
import { wantingCategory } from './preferences.server.ts';

// Reminders about due dates and the weekly digests. The scheduler keeps no memory of its own:
// every run looks at today's date and at what the database says was already queued, and the
// primary key of assignment_notices (assignment, person, kind) or the outbox's dedupe key makes a
// second run, a restart or a second process queue nothing twice.

const OVERDUE_WINDOW_DAYS = 14;

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The Monday of the week a date is in: digests are keyed by it. */
export function weekStart(date: string): string {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((day + 6) % 7));
}

/** Which reminder, if any, is due today for an assignment due on `dueDate` and made on `assignedOn`. */
export function reminderKind(today: string, dueDate: string, assignedOn: string): { kind: AssignmentNoticeKind; days: number } | null {
  const daysLeft = daysBetween(today, dueDate);
  if (daysLeft < 0) return daysLeft >= -OVERDUE_WINDOW_DAYS ? { kind: 'overdue', days: daysLeft } : null;
  // A reminder is pointless when the assignment itself came with less notice than the reminder.
  if (daysLeft <= 1) return assignedOn < addDays(dueDate, -1) ? { kind: 'due-1', days: daysLeft } : null;
  if (daysLeft <= 7) return assignedOn < addDays(dueDate, -7) ? { kind: 'due-7', days: daysLeft } : null;
  return null;
}

export interface ScheduleResult {
  reminders: number;
  practiceFollowUps: number;
  overdueDigests: number;
  leaderDigests: number;
  pruned: number;
}

/**
 * How long a sent or given-up message stays in the outbox. Its one-time links were emptied when it
 * was sent; the subject and date answer "did Kindred email me?" for half a year, then go
 * (docs/decisions/012-email-outbox.md). Digest dedupe keys name a week, so an old one is never needed.
 */
export const OUTBOX_KEEP_DAYS = 183;

export async function pruneOutbox(today: string): Promise<number> {
  const cutoff = `${addDays(today, -OUTBOX_KEEP_DAYS)}T00:00:00.000Z`;
  const result = await getDb()
    .deleteFrom('outbox')
    .where('status', 'in', ['sent', 'failed'])
    .where('created_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** This process, as the holder of the schedule's lease. */
const SCHEDULE_HOLDER = newWorkerId();

/**
 * One sweep: reminders, digests, pruning. Several processes on one database take turns through a
 * lease held for one schedule interval, so one of them sweeps per interval; returns null when
 * another process holds it. (A second sweep would queue nothing twice anyway, see above: the lease
 * saves the repeated work, and keeps two sweeps from racing on the same notices.)
 */
export async function runSchedule(holder = SCHEDULE_HOLDER): Promise<ScheduleResult | null> {
  if (!(await takeLease(getDb(), 'mail-schedule', holder, getEnv().MAIL_SCHEDULE_MS, now()))) return null;
  const today = ukDate(nowIso());
  const reminders = await queueReminders(today);
  const practiceFollowUps = await queuePracticeFollowUps(today);
  const overdueDigests = await queueOverdueDigests(today);
  const leaderDigests = await queueLeaderDigests(today);
  const pruned = await pruneOutbox(today);
  return { reminders, practiceFollowUps, overdueDigests, leaderDigests, pruned };
}

/** Due soon (7 days and 1 day before) and overdue (once), for people who have not finished. */
async function queueReminders(today: string): Promise<number> {
  const db = getDb();
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .innerJoin('assignments as a', (join) => join.on((eb) => assignmentCovers(eb)))
    .innerJoin('organisations as ao', 'ao.id', 'a.organisation_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['a.id as assignmentId', 'a.course_slug', 'a.due_date', 'a.created_at', 'ao.name as organisationName', 'u.id as userId', 'u.name', 'u.email'])
    .where('m.deactivated_at', 'is', null)
    .where('u.password_hash', 'is not', null)
    .where('a.due_date', 'is not', null)
    .where('a.due_date', '>=', addDays(today, -OVERDUE_WINDOW_DAYS))
    .where('a.due_date', '<=', addDays(today, 7))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('enrolments as e').select('e.id').whereRef('e.user_id', '=', 'u.id').whereRef('e.course_slug', '=', 'a.course_slug').where('e.completed_at', 'is not', null))),
    )
    .execute();
  const wanted = await wantingCategory(db, [...new Set(rows.map((r) => r.userId))], 'reminders');
  const candidates = new Map<string, { row: (typeof rows)[number]; kind: AssignmentNoticeKind; days: number }>();
  for (const row of rows) {
    if (!wanted.has(row.userId)) continue;
    const due = reminderKind(today, row.due_date!, ukDate(row.created_at));
    if (due) candidates.set(`${row.assignmentId}:${row.userId}:${due.kind}`, { row, ...due });
  }
  if (candidates.size === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const inserted = await insertNotices(trx, [...candidates.values()].map(({ row, kind }) => ({ assignment_id: row.assignmentId, user_id: row.userId, kind })));
    const messages: NewMessage[] = [];
    for (const key of inserted) {
      const { row, kind, days } = candidates.get(key)!;
      const params = { organisationName: row.organisationName, courseSlug: row.course_slug, dueDate: row.due_date, days };
      messages.push({ template: kind === 'overdue' ? 'overdue' : 'due-soon', toUserId: row.userId, toAddress: row.email, toName: row.name, params });
    }
    await queueEmails(trx, messages);
    return messages.length;
  });
}

/**
 * "How did it go?" on the day a teacher chose for an action step (or the first run after it, up
 * to a fortnight late). Keyed by step and date: a step moved to a new date is asked about again
 * on that date, never twice for one date.
 */
async function queuePracticeFollowUps(today: string): Promise<number> {
  const db = getDb();
  const rows = await db
    .selectFrom('action_steps as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.course_slug', 's.what', 's.class_name', 's.follow_up_on', 'u.id as userId', 'u.name', 'u.email'])
    .where('s.status', '=', 'planned')
    .where('s.follow_up_on', '<=', today)
    .where('s.follow_up_on', '>=', addDays(today, -OVERDUE_WINDOW_DAYS))
    .where('u.password_hash', 'is not', null)
    .where('u.erased_at', 'is', null)
    .execute();
  const wanted = await wantingCategory(db, [...new Set(rows.map((r) => r.userId))], 'reminders');
  const messages: NewMessage[] = rows
    .filter((r) => wanted.has(r.userId))
    .map((r) => ({
      template: 'practice-follow-up-due',
      toUserId: r.userId,
      toAddress: r.email,
      toName: r.name,
      params: { stepId: r.id, courseSlug: r.course_slug, what: r.what, className: r.class_name, followUpOn: r.follow_up_on },
      dedupeKey: `practice-follow-up:${r.id}:${r.follow_up_on}`,
    }));
  if (messages.length === 0) return 0;
  const before = await countDedupe(messages.map((m) => m.dedupeKey!));
  await db.transaction().execute((trx) => queueEmails(trx, messages));
  return (await countDedupe(messages.map((m) => m.dedupeKey!))) - before;
}

async function countDedupe(keys: string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const row = await getDb().selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('c')).where('dedupe_key', 'in', keys.slice(i, i + 500)).executeTakeFirstOrThrow();
    total += Number(row.c);
  }
  return total;
}

/** Inserts notices that do not exist yet; returns the keys of those it inserted. */
export async function insertNotices(trx: Transaction<Database>, notices: { assignment_id: number; user_id: number; kind: AssignmentNoticeKind }[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  const at = nowIso();
  for (let i = 0; i < notices.length; i += 500) {
    const rows = await trx
      .insertInto('assignment_notices')
      .values(notices.slice(i, i + 500).map((n) => ({ ...n, created_at: at })))
      .onConflict((oc) => oc.doNothing())
      .returning(['assignment_id', 'user_id', 'kind'])
      .execute();
    for (const r of rows) inserted.add(`${r.assignment_id}:${r.user_id}:${r.kind}`);
  }
  return inserted;
}

/**
 * After its one "overdue" email, an unfinished course is listed in a weekly digest: one per person
 * and calendar week, from a week after that email.
 */
async function queueOverdueDigests(today: string): Promise<number> {
  const monday = weekStart(today);
  const weekAgo = new Date(now().getTime() - 7 * 86_400_000).toISOString();
  const db = getDb();
  const rows = await db
    .selectFrom('assignment_notices as n')
    .innerJoin('assignments as a', 'a.id', 'n.assignment_id')
    .innerJoin('organisations as ao', 'ao.id', 'a.organisation_id')
    .innerJoin('users as u', 'u.id', 'n.user_id')
    .select(['u.id as userId', 'u.name', 'u.email', 'a.course_slug', 'a.due_date', 'ao.name as organisationName'])
    .where('n.kind', '=', 'overdue')
    .where('n.created_at', '<=', weekAgo)
    .where('a.withdrawn_at', 'is', null)
    .where(({ exists, selectFrom }) => exists(selectFrom('memberships as m').select('m.id').whereRef('m.user_id', '=', 'u.id').where('m.deactivated_at', 'is', null)))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('enrolments as e').select('e.id').whereRef('e.user_id', '=', 'u.id').whereRef('e.course_slug', '=', 'a.course_slug').where('e.completed_at', 'is not', null))),
    )
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('outbox as ob').select('ob.id').where('ob.dedupe_key', '=', sql<string>`'overdue-digest:' || u.id || ${`:${monday}`}`))))
    .orderBy('a.due_date')
    .execute();
  const wanted = await wantingCategory(db, [...new Set(rows.map((r) => r.userId))], 'reminders');
  const byPerson = new Map<number, { name: string; email: string; organisationName: string; items: { courseSlug: string; dueDate: string }[] }>();
  for (const row of rows) {
    if (!wanted.has(row.userId)) continue;
    const entry = byPerson.get(row.userId) ?? { name: row.name, email: row.email, organisationName: row.organisationName, items: [] };
    if (!entry.items.some((i) => i.courseSlug === row.course_slug)) entry.items.push({ courseSlug: row.course_slug, dueDate: row.due_date! });
    byPerson.set(row.userId, entry);
  }
  const messages: NewMessage[] = [...byPerson].map(([userId, p]) => ({
    template: 'overdue-digest',
    toUserId: userId,
    toAddress: p.email,
    toName: p.name,
    params: { organisationName: p.organisationName, items: p.items },
    dedupeKey: `overdue-digest:${userId}:${monday}`,
  }));
  await db.transaction().execute((trx) => queueEmails(trx, messages));
  return messages.length;
}

/** The weekly summary for leaders who asked for it (it is off unless chosen on /account). */
async function queueLeaderDigests(today: string): Promise<number> {
  const monday = weekStart(today);
  const db = getDb();
  const leaders = await db
    .selectFrom('email_preferences as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .innerJoin('membership_roles as r', 'r.membership_id', 'm.id')
    .select(['u.id as userId', 'u.name', 'u.email', 'm.organisation_id'])
    .where('p.leader_digest', '=', 1)
    .where('r.role', '=', 'leader')
    .where('m.deactivated_at', 'is', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('outbox as ob').select('ob.id').where('ob.dedupe_key', '=', sql<string>`'leader-digest:' || u.id || ${`:${monday}`}`))))
    .execute();
  if (leaders.length === 0) return 0;
  const weekAgo = new Date(now().getTime() - 7 * 86_400_000).toISOString();
  const at = nowIso();
  const messages: NewMessage[] = [];
  const byLeader = new Map<number, { name: string; email: string; organisationIds: number[] }>();
  for (const l of leaders) {
    const entry = byLeader.get(l.userId) ?? { name: l.name, email: l.email, organisationIds: [] };
    entry.organisationIds.push(l.organisation_id);
    byLeader.set(l.userId, entry);
  }
  for (const [userId, leader] of byLeader) {
    const organisations = await db
      .selectFrom('organisations as o')
      .select((eb) => [
        'o.name',
        eb.selectFrom('memberships as m').whereRef('m.organisation_id', '=', 'o.id').where('m.deactivated_at', 'is', null).select(eb.fn.countAll<number>().as('n')).as('people'),
        eb.selectFrom('invitations as i').whereRef('i.organisation_id', '=', 'o.id').where('i.used_at', 'is', null).where('i.expires_at', '>', at).select(eb.fn.countAll<number>().as('n')).as('pendingInvitations'),
        eb
          .selectFrom('enrolments as e')
          .innerJoin('memberships as m', 'm.user_id', 'e.user_id')
          .whereRef('m.organisation_id', '=', 'o.id')
          .where('e.completed_at', '>=', weekAgo)
          .select(eb.fn.countAll<number>().as('n'))
          .as('completedThisWeek'),
      ])
      .where('o.id', 'in', leader.organisationIds)
      .orderBy('o.name')
      .execute();
    messages.push({ template: 'leader-digest', toUserId: userId, toAddress: leader.email, toName: leader.name, params: { organisations }, dedupeKey: `leader-digest:${userId}:${monday}` });
  }
  await db.transaction().execute((trx) => queueEmails(trx, messages));
  return messages.length;
}
