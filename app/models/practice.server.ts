import type { Transaction } from 'kysely';
import type { ActionStepNoteKind, ActionStepOutcome, Database } from '#db/schema.ts';
import { AccessDenied, coachedPeopleQuery, coachesOf, isCoachOf, mayReadActionStep } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { queueCoachNotice } from '#app/mail/messages.server.ts';
import type { ActionStepItem } from '#app/content/schemas.ts';
import { addDays } from '#app/mail/schedule.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { formatDate } from '#app/utils/dates.ts';
import { cachedUntilWrite, type WriteCache } from '#app/utils/cached-until-write.server.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';

// Practice cycles (docs/decisions/019-practice-cycles.md). A teacher plans an action step from a
// module's <ActionStep>; on the date they chose Kindred asks how it went; they record it, then
// close the step, try it again (a new attempt) or carry it to a next step. Private unless shared,
// like a reflection: a coach it is shared with, who coaches the teacher now, reads the thread and
// adds observations, feedback and an agreed next step. Leaders only ever get counts.

export const OUTCOME_TEXT: Record<ActionStepOutcome, string> = {
  'as-planned': 'Tried as planned',
  adapted: 'Tried, adapted',
  'not-yet': 'Not tried yet',
};

export const NOTE_KIND_TEXT: Record<ActionStepNoteKind, string> = {
  'follow-up': 'How it went',
  observation: 'Observation',
  feedback: 'Feedback',
  'agreed-next': 'Agreed next step',
  reply: 'Reply',
};

/** What the teacher plans: the same four questions on the module page and for a repeat or next step. */
export interface StepPlan {
  what: string;
  className: string;
  followUpOn: string;
  successLooksLike: string;
}

export interface StepRef {
  courseSlug: string;
  moduleSlug: string;
  itemId: string;
}

/** The state a step is in for the person looking at it today. */
export type StepState = 'planned' | 'due' | 'overdue' | 'followed-up' | 'closed';

export function stepState(step: { status: string; follow_up_on: string }, today: string): StepState {
  if (step.status === 'planned') return step.follow_up_on < today ? 'overdue' : step.follow_up_on === today ? 'due' : 'planned';
  return step.status === 'closed' ? 'closed' : 'followed-up';
}

export class StepNotOpen extends Error {}

/**
 * Saves a new action step. With `previousStepId`, the step is a repeat or a next step of one of
 * the teacher's own steps that has been followed up: that one ends (as "repeated" or "carried")
 * in the same transaction, and the new one keeps its sharing. The same form sent twice (one
 * submission key) makes one step: the id of the first is returned.
 */
export async function planActionStep(
  viewer: SessionUser,
  ref: StepRef,
  plan: StepPlan,
  options: { submissionKey: string | null; previousStepId?: number; endPreviousAs?: 'repeated' | 'carried' } = { submissionKey: null },
): Promise<number> {
  const at = nowIso();
  const coaches = options.previousStepId ? await coachesOf(viewer.id) : [];
  return getDb()
    .transaction()
    .execute(async (trx) => {
      if (options.submissionKey) {
        const already = await trx.selectFrom('action_steps').select('id').where('user_id', '=', viewer.id).where('submission_key', '=', options.submissionKey).executeTakeFirst();
        if (already) return already.id;
      }
      let shareWith: number[] = [];
      if (options.previousStepId !== undefined) {
        const previous = await trx
          .selectFrom('action_steps')
          .select(['id', 'status', 'shared_at', 'course_slug', 'module_slug', 'item_id'])
          .where('id', '=', options.previousStepId)
          .where('user_id', '=', viewer.id)
          .executeTakeFirst();
        if (!previous || previous.course_slug !== ref.courseSlug || previous.module_slug !== ref.moduleSlug || previous.item_id !== ref.itemId) throw new AccessDenied('action step');
        if (previous.status !== 'followed-up') throw new StepNotOpen('Only a step that has been followed up can be repeated or carried on');
        await trx
          .updateTable('action_steps')
          .set({ status: 'closed', ended_as: options.endPreviousAs ?? 'carried', updated_at: at })
          .where('id', '=', previous.id)
          .execute();
        if (previous.shared_at !== null) shareWith = coaches.map((c) => c.userId);
      }
      const inserted = await trx
        .insertInto('action_steps')
        .values({
          user_id: viewer.id,
          course_slug: ref.courseSlug,
          module_slug: ref.moduleSlug,
          item_id: ref.itemId,
          previous_step_id: options.previousStepId ?? null,
          what: plan.what,
          class_name: plan.className,
          follow_up_on: plan.followUpOn,
          success_looks_like: plan.successLooksLike,
          status: 'planned',
          outcome: null,
          followed_up_at: null,
          minutes_given: null,
          ended_as: null,
          shared_at: shareWith.length > 0 ? at : null,
          created_at: at,
          updated_at: at,
          submission_key: options.submissionKey,
        })
        // The same form at the same moment from two requests: the second waits for the first and adds nothing.
        .onConflict((oc) => oc.columns(['user_id', 'submission_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const first = await trx.selectFrom('action_steps').select('id').where('user_id', '=', viewer.id).where('submission_key', '=', options.submissionKey).executeTakeFirstOrThrow();
        return first.id;
      }
      if (shareWith.length > 0) {
        await trx
          .insertInto('action_step_shares')
          .values(shareWith.map((coachId) => ({ step_id: inserted.id, coach_user_id: coachId, shared_at: at })))
          .execute();
        await queueCoachNotice(trx, viewer.id, 'practice-shared', shareWith);
      }
      return inserted.id;
    });
}

async function ownStep(trx: Transaction<Database>, viewer: SessionUser, stepId: number) {
  const step = await trx.selectFrom('action_steps').selectAll().where('id', '=', stepId).where('user_id', '=', viewer.id).executeTakeFirst();
  if (!step) throw new AccessDenied('action step');
  return step;
}

async function sharedCoachIds(trx: Transaction<Database>, stepId: number): Promise<number[]> {
  return (await trx.selectFrom('action_step_shares').select('coach_user_id').where('step_id', '=', stepId).execute()).map((r) => r.coach_user_id);
}

export interface FollowUp {
  outcome: ActionStepOutcome;
  happened: string;
  next: string;
  minutesGiven: number | null;
  /** For "not yet": when to ask again. */
  newDate: string | null;
}

/**
 * Records how it went. "Not yet" keeps the step open with a new date; otherwise the step is
 * followed up and waits for the teacher to close it, repeat it or carry it on. The coaches it is
 * shared with hear of it.
 */
export async function recordFollowUp(viewer: SessionUser, stepId: number, followUp: FollowUp, submissionKey: string | null): Promise<void> {
  const at = nowIso();
  await getDb()
    .transaction()
    .execute(async (trx) => {
      const step = await ownStep(trx, viewer, stepId);
      if (submissionKey) {
        const already = await trx.selectFrom('action_step_notes').select('id').where('author_user_id', '=', viewer.id).where('submission_key', '=', submissionKey).executeTakeFirst();
        if (already) return;
      }
      if (step.status !== 'planned') throw new StepNotOpen('This step has already been followed up');
      await trx
        .insertInto('action_step_notes')
        .values({
          step_id: stepId,
          author_user_id: viewer.id,
          kind: 'follow-up',
          outcome: followUp.outcome,
          body: followUp.happened,
          next_text: followUp.next || null,
          created_at: at,
          read_by_owner_at: at,
          submission_key: submissionKey,
        })
        .execute();
      if (followUp.outcome === 'not-yet') {
        await trx
          .updateTable('action_steps')
          .set({ follow_up_on: followUp.newDate ?? step.follow_up_on, updated_at: at })
          .where('id', '=', stepId)
          .execute();
      } else {
        await trx
          .updateTable('action_steps')
          .set({ status: 'followed-up', outcome: followUp.outcome, followed_up_at: at, minutes_given: followUp.minutesGiven, updated_at: at })
          .where('id', '=', stepId)
          .execute();
      }
      if (step.shared_at !== null) await queueCoachNotice(trx, viewer.id, 'practice-followed-up', await sharedCoachIds(trx, stepId));
    });
}

/** Ends a followed-up (or still planned) step without another attempt. */
export async function closeStep(viewer: SessionUser, stepId: number): Promise<void> {
  await getDb()
    .transaction()
    .execute(async (trx) => {
      const step = await ownStep(trx, viewer, stepId);
      if (step.status === 'closed') return;
      await trx.updateTable('action_steps').set({ status: 'closed', ended_as: 'closed', updated_at: nowIso() }).where('id', '=', stepId).execute();
    });
}

/** Shares a step with the teacher's coaches of this moment, or stops sharing it with anyone. */
export async function setStepShared(viewer: SessionUser, stepId: number, shared: boolean): Promise<string[]> {
  const at = nowIso();
  const coaches = shared ? await coachesOf(viewer.id) : [];
  return getDb()
    .transaction()
    .execute(async (trx) => {
      await ownStep(trx, viewer, stepId);
      if (!shared || coaches.length === 0) {
        await trx.deleteFrom('action_step_shares').where('step_id', '=', stepId).execute();
        await trx.updateTable('action_steps').set({ shared_at: null, updated_at: at }).where('id', '=', stepId).execute();
        return [];
      }
      const already = new Set(await sharedCoachIds(trx, stepId));
      await trx.updateTable('action_steps').set({ shared_at: at, updated_at: at }).where('id', '=', stepId).execute();
      await trx
        .insertInto('action_step_shares')
        .values(coaches.map((c) => ({ step_id: stepId, coach_user_id: c.userId, shared_at: at })))
        .onConflict((oc) => oc.columns(['step_id', 'coach_user_id']).doNothing())
        .execute();
      await queueCoachNotice(
        trx,
        viewer.id,
        'practice-shared',
        coaches.map((c) => c.userId).filter((id) => !already.has(id)),
      );
      return coaches.map((c) => c.name);
    });
}

/**
 * A note in a step's thread: a coach's observation, feedback or agreed next step, or the
 * teacher's reply. Only the owner and a coach it is shared with (who coaches them now) may write.
 */
export async function addStepNote(viewer: SessionUser, stepId: number, kind: ActionStepNoteKind, body: string, submissionKey: string | null): Promise<void> {
  const access = await mayReadActionStep(viewer, stepId);
  if (!access) throw new AccessDenied('action step');
  const byOwner = access.ownerId === viewer.id;
  if (byOwner ? kind !== 'reply' : !['observation', 'feedback', 'agreed-next'].includes(kind)) throw new AccessDenied('note kind');
  const at = nowIso();
  await getDb()
    .transaction()
    .execute(async (trx) => {
      const inserted = await trx
        .insertInto('action_step_notes')
        .values({ step_id: stepId, author_user_id: viewer.id, kind, outcome: null, body, next_text: null, created_at: at, read_by_owner_at: byOwner ? at : null, submission_key: submissionKey })
        .onConflict((oc) => oc.columns(['author_user_id', 'submission_key']).doNothing())
        .executeTakeFirst();
      if (byOwner && Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) await queueCoachNotice(trx, viewer.id, 'practice-followed-up', await sharedCoachIds(trx, stepId));
    });
}

export interface StepNote {
  id: number;
  kind: ActionStepNoteKind;
  outcome: ActionStepOutcome | null;
  authorName: string;
  byOwner: boolean;
  body: string;
  next: string | null;
  createdAt: string;
  unread: boolean;
}

export interface StepThread {
  id: number;
  ownerId: number;
  ownerName: string;
  ref: StepRef;
  plan: StepPlan;
  status: 'planned' | 'followed-up' | 'closed';
  state: StepState;
  outcome: ActionStepOutcome | null;
  endedAs: 'closed' | 'repeated' | 'carried' | null;
  minutesGiven: number | null;
  createdAt: string;
  followedUpAt: string | null;
  shared: boolean;
  sharedWith: string[];
  notes: StepNote[];
  /** The steps before this one in the cycle (oldest first), and the one after it, if any. */
  earlier: { id: number; what: string; outcome: ActionStepOutcome | null; followUpOn: string }[];
  laterId: number | null;
}

/** One step and its thread, for its owner or a coach it is shared with; null for anyone else. */
export async function stepThread(viewer: SessionUser, stepId: number): Promise<StepThread | null> {
  const access = await mayReadActionStep(viewer, stepId);
  if (!access) return null;
  const db = getDb();
  const step = await db.selectFrom('action_steps as s').innerJoin('users as u', 'u.id', 's.user_id').selectAll('s').select('u.name as ownerName').where('s.id', '=', stepId).executeTakeFirstOrThrow();
  const [notes, shares, later] = await Promise.all([
    db
      .selectFrom('action_step_notes as n')
      .innerJoin('users as u', 'u.id', 'n.author_user_id')
      .select(['n.id', 'n.kind', 'n.outcome', 'u.name', 'n.author_user_id', 'n.body', 'n.next_text', 'n.created_at', 'n.read_by_owner_at'])
      .where('n.step_id', '=', stepId)
      .orderBy('n.created_at')
      .orderBy('n.id')
      .execute(),
    db.selectFrom('action_step_shares as s').innerJoin('users as u', 'u.id', 's.coach_user_id').select('u.name').where('s.step_id', '=', stepId).orderBy('u.name').execute(),
    db.selectFrom('action_steps').select('id').where('previous_step_id', '=', stepId).where('user_id', '=', step.user_id).executeTakeFirst(),
  ]);
  const earlier: StepThread['earlier'] = [];
  let previousId = step.previous_step_id;
  // A coach sees the earlier attempts only where those were shared with them too.
  while (previousId !== null && earlier.length < 20) {
    const previous = await db
      .selectFrom('action_steps')
      .select(['id', 'what', 'outcome', 'follow_up_on', 'previous_step_id'])
      .where('id', '=', previousId)
      .where('user_id', '=', step.user_id)
      .executeTakeFirst();
    if (!previous) break;
    if (access.ownerId === viewer.id || (await mayReadActionStep(viewer, previous.id)))
      earlier.unshift({ id: previous.id, what: previous.what, outcome: previous.outcome, followUpOn: previous.follow_up_on });
    previousId = previous.previous_step_id;
  }
  const today = ukDate(nowIso());
  return {
    id: step.id,
    ownerId: step.user_id,
    ownerName: step.ownerName,
    ref: { courseSlug: step.course_slug, moduleSlug: step.module_slug, itemId: step.item_id },
    plan: { what: step.what, className: step.class_name, followUpOn: step.follow_up_on, successLooksLike: step.success_looks_like },
    status: step.status,
    state: stepState(step, today),
    outcome: step.outcome,
    endedAs: step.ended_as,
    minutesGiven: step.minutes_given,
    createdAt: step.created_at,
    followedUpAt: step.followed_up_at,
    shared: step.shared_at !== null,
    sharedWith: shares.map((s) => s.name),
    notes: notes.map((n) => ({
      id: n.id,
      kind: n.kind,
      outcome: n.outcome,
      authorName: n.name,
      byOwner: n.author_user_id === step.user_id,
      body: n.body,
      next: n.next_text,
      createdAt: n.created_at,
      unread: n.author_user_id !== step.user_id && n.read_by_owner_at === null,
    })),
    earlier,
    laterId: later && (access.ownerId === viewer.id || (await mayReadActionStep(viewer, later.id))) ? later.id : null,
  };
}

/** The owner has read the coach's notes on a step (its page marks them read). */
export async function markStepNotesRead(ownerId: number, stepId: number): Promise<void> {
  await getDb()
    .updateTable('action_step_notes')
    .set({ read_by_owner_at: nowIso() })
    .where('step_id', '=', stepId)
    .where('read_by_owner_at', 'is', null)
    .where('step_id', 'in', (eb) => eb.selectFrom('action_steps').select('id').where('user_id', '=', ownerId))
    .execute();
}

export interface StepSummary {
  id: number;
  ref: StepRef;
  what: string;
  className: string;
  followUpOn: string;
  state: StepState;
  outcome: ActionStepOutcome | null;
  shared: boolean;
  unreadNotes: number;
}

/** A teacher's own steps: those waiting on them first (overdue, due, then by date), then the rest, newest first. */
export async function ownSteps(userId: number, filter: Partial<StepRef> = {}): Promise<StepSummary[]> {
  let query = getDb()
    .selectFrom('action_steps as s')
    .select((eb) => [
      's.id',
      's.course_slug',
      's.module_slug',
      's.item_id',
      's.what',
      's.class_name',
      's.follow_up_on',
      's.status',
      's.outcome',
      's.shared_at',
      's.updated_at',
      eb
        .selectFrom('action_step_notes as n')
        .whereRef('n.step_id', '=', 's.id')
        .where('n.read_by_owner_at', 'is', null)
        .select((e) => e.fn.countAll<number>().as('c'))
        .as('unread'),
    ])
    .where('s.user_id', '=', userId);
  if (filter.courseSlug) query = query.where('s.course_slug', '=', filter.courseSlug);
  if (filter.moduleSlug) query = query.where('s.module_slug', '=', filter.moduleSlug);
  if (filter.itemId) query = query.where('s.item_id', '=', filter.itemId);
  const rows = await query.execute();
  const today = ukDate(nowIso());
  const rank: Record<StepState, number> = { overdue: 0, due: 1, planned: 2, 'followed-up': 3, closed: 4 };
  return rows
    .map((r) => ({
      id: r.id,
      ref: { courseSlug: r.course_slug, moduleSlug: r.module_slug, itemId: r.item_id },
      what: r.what,
      className: r.class_name,
      followUpOn: r.follow_up_on,
      state: stepState(r, today),
      outcome: r.outcome,
      shared: r.shared_at !== null,
      unreadNotes: Number(r.unread ?? 0),
      updatedAt: r.updated_at,
    }))
    .sort(
      (a, b) =>
        rank[a.state] - rank[b.state] ||
        (a.state === 'planned' || a.state === 'due' || a.state === 'overdue' ? a.followUpOn.localeCompare(b.followUpOn) : b.updatedAt.localeCompare(a.updatedAt)) ||
        b.id - a.id,
    )
    .map(({ updatedAt: _, ...step }) => step);
}

/** How far ahead a follow-up date may be; the plan form says so. */
export const MAX_DAYS_AHEAD = 180;

/**
 * The module page's action steps: for each <ActionStep>, the teacher's steps from it and, when
 * none is still open, what the plan form needs.
 */
// Read on every module page; kept until a step or a note is written.
const moduleStepsCache: WriteCache = { name: "a learner's steps for a module", tables: ['action_steps', 'action_step_notes'], maxEntries: 5_000 };

export async function moduleActionSteps(userId: number, courseSlug: string, moduleSlug: string, items: ActionStepItem[], submissionKey: string) {
  if (items.length === 0) return {};
  const today = ukDate(nowIso());
  // A step's state depends on the day, so the day is part of the key.
  const steps = await cachedUntilWrite(moduleStepsCache, JSON.stringify([userId, courseSlug, moduleSlug, today]), () => ownSteps(userId, { courseSlug, moduleSlug }));
  return Object.fromEntries(
    items.map((item) => {
      const mine = steps.filter((s) => s.ref.itemId === item.id);
      const open = mine.some((s) => s.state === 'planned' || s.state === 'due' || s.state === 'overdue' || s.state === 'followed-up');
      return [
        item.id,
        {
          prompt: item.prompt,
          steps: mine.map((s) => ({ id: s.id, what: s.what, className: s.className, followUpOnText: formatDate(`${s.followUpOn}T12:00:00Z`), state: s.state })),
          plan: open ? null : { courseSlug, moduleSlug, submissionKey: `${submissionKey}-${item.id}`, today, maxDate: addDays(today, MAX_DAYS_AHEAD) },
        },
      ];
    }),
  );
}

export interface CoachPracticeRow {
  stepId: number;
  ownerId: number;
  ownerName: string;
  ref: StepRef;
  what: string;
  followUpOn: string;
  state: StepState;
  /** The teacher wrote last (a follow-up or a reply) and the coach has not answered since. */
  awaitingCoach: boolean;
}

/**
 * The open steps shared with a coach by the people they coach now: overdue and due follow-ups
 * first, then followed-up steps that wait on the coach, then the planned ones by date.
 */
export async function coachPractice(coach: SessionUser): Promise<CoachPracticeRow[]> {
  const rows = await coachedPeopleQuery(coach.id)
    .innerJoin('action_steps as s', 's.user_id', 'gm.user_id')
    .innerJoin('action_step_shares as sh', (join) => join.onRef('sh.step_id', '=', 's.id').on('sh.coach_user_id', '=', coach.id))
    .select((eb) => [
      's.id',
      's.user_id',
      'u.name',
      's.course_slug',
      's.module_slug',
      's.item_id',
      's.what',
      's.follow_up_on',
      's.status',
      eb.selectFrom('action_step_notes as n').whereRef('n.step_id', '=', 's.id').select('n.author_user_id').orderBy('n.id', 'desc').limit(1).as('lastAuthor'),
    ])
    .where('s.shared_at', 'is not', null)
    .where('s.status', '!=', 'closed')
    .distinct()
    .execute();
  const today = ukDate(nowIso());
  const rank: Record<StepState, number> = { overdue: 0, due: 1, 'followed-up': 2, planned: 3, closed: 4 };
  return rows
    .map((r) => ({
      stepId: r.id,
      ownerId: r.user_id,
      ownerName: r.name,
      ref: { courseSlug: r.course_slug, moduleSlug: r.module_slug, itemId: r.item_id },
      what: r.what,
      followUpOn: r.follow_up_on,
      state: stepState(r, today),
      awaitingCoach: r.lastAuthor !== null && r.lastAuthor === r.user_id,
    }))
    .sort((a, b) => rank[a.state] - rank[b.state] || Number(b.awaitingCoach) - Number(a.awaitingCoach) || a.followUpOn.localeCompare(b.followUpOn) || a.ownerName.localeCompare(b.ownerName));
}

/** The steps a coachee shared with this coach, for the coachee's page; the coach must coach them now. */
export async function sharedStepsOf(coach: SessionUser, ownerId: number): Promise<StepSummary[]> {
  if (!(await isCoachOf(coach.id, ownerId))) throw new AccessDenied('not their coach');
  const shared = new Set(
    (
      await getDb()
        .selectFrom('action_step_shares as sh')
        .innerJoin('action_steps as s', 's.id', 'sh.step_id')
        .select('s.id')
        .where('sh.coach_user_id', '=', coach.id)
        .where('s.user_id', '=', ownerId)
        .where('s.shared_at', 'is not', null)
        .execute()
    ).map((r) => r.id),
  );
  return (await ownSteps(ownerId)).filter((s) => shared.has(s.id)).map((s) => ({ ...s, unreadNotes: 0 }));
}

/** Steps tried in class (as planned or adapted) and followed up, in one course: what a certificate may say. */
export async function followedUpStepCount(userId: number, courseSlug: string): Promise<number> {
  const row = await getDb()
    .selectFrom('action_steps')
    .select((eb) => eb.fn.countAll<number>().as('c'))
    .where('user_id', '=', userId)
    .where('course_slug', '=', courseSlug)
    .where('outcome', 'in', ['as-planned', 'adapted'])
    .executeTakeFirstOrThrow();
  return Number(row.c);
}

/** Followed-up steps for the CPD log: what was tried, when, and the time given if recorded. */
export async function practiceForCpd(userId: number) {
  return getDb()
    .selectFrom('action_steps')
    .select(['id', 'course_slug', 'what', 'class_name', 'followed_up_at', 'minutes_given', 'outcome'])
    .where('user_id', '=', userId)
    .where('outcome', 'in', ['as-planned', 'adapted'])
    .where('followed_up_at', 'is not', null)
    .execute();
}

export interface PracticeCounts {
  planned: number;
  /** Tried in class: followed up as tried as planned or adapted. */
  tried: number;
  /** How it went was recorded ("not yet" included). */
  followedUp: number;
  /** A coach wrote in the thread. */
  withCoach: number;
}

const noCounts = (): PracticeCounts => ({ planned: 0, tried: 0, followedUp: 0, withCoach: 0 });

type PracticeCountsReport = { byCourse: Record<string, PracticeCounts>; byOrganisation: Record<number, PracticeCounts> };

// Every leader's /lead shows these counts; they are read from every step in the trust, so they are
// kept until one of these tables is written (docs/decisions/018-dashboard-cache.md).
const practiceCountsCache: WriteCache = { name: 'practice counts', tables: ['action_steps', 'action_step_notes', 'memberships'], maxEntries: 32 };

/**
 * Counts for leaders, never text: the steps of people with an active membership in the given
 * organisations, per course (each step once) and per organisation (a step counts for each
 * organisation its author belongs to in scope). Shared with later callers until a write: callers
 * must not change what they get.
 */
export function practiceCounts(organisationIds: number[]): Promise<PracticeCountsReport> {
  const key = JSON.stringify([...organisationIds].sort((a, b) => a - b));
  return cachedUntilWrite(practiceCountsCache, key, () => countPractice(organisationIds));
}

/** The counts as leaders' pages show them: a row for every course, and for every school in scope. */
export async function practiceCountRows(courses: { slug: string; meta: { title: string } }[], organisations: { id: number; name: string; kind: string }[]) {
  const counts = await practiceCounts(organisations.map((o) => o.id));
  return {
    byCourse: courses.map((c) => ({ key: c.slug, label: c.meta.title, ...(counts.byCourse[c.slug] ?? noCounts()) })),
    bySchool: organisations.filter((o) => o.kind === 'school').map((o) => ({ key: String(o.id), label: o.name, ...(counts.byOrganisation[o.id] ?? noCounts()) })),
  };
}

async function countPractice(organisationIds: number[]): Promise<PracticeCountsReport> {
  const byCourse: Record<string, PracticeCounts> = {};
  const byOrganisation: Record<number, PracticeCounts> = {};
  if (organisationIds.length === 0) return { byCourse, byOrganisation };
  const rows = await getDb()
    .selectFrom('action_steps as s')
    .innerJoin('memberships as m', 'm.user_id', 's.user_id')
    .select((eb) => [
      's.id',
      'm.organisation_id',
      's.course_slug',
      's.outcome',
      eb.exists(eb.selectFrom('action_step_notes as n').select('n.id').whereRef('n.step_id', '=', 's.id').where('n.kind', '=', 'follow-up')).as('followedUp'),
      eb.exists(eb.selectFrom('action_step_notes as n').select('n.id').whereRef('n.step_id', '=', 's.id').whereRef('n.author_user_id', '!=', 's.user_id')).as('withCoach'),
    ])
    .where('m.organisation_id', 'in', organisationIds)
    .where('m.deactivated_at', 'is', null)
    .execute();
  const counted = new Set<number>();
  const add = (counts: PracticeCounts, row: (typeof rows)[number]) => {
    counts.planned += 1;
    if (row.outcome === 'as-planned' || row.outcome === 'adapted') counts.tried += 1;
    if (row.followedUp) counts.followedUp += 1;
    if (row.withCoach) counts.withCoach += 1;
  };
  for (const row of rows) {
    add((byOrganisation[row.organisation_id] ??= noCounts()), row);
    if (counted.has(row.id)) continue;
    counted.add(row.id);
    add((byCourse[row.course_slug] ??= noCounts()), row);
  }
  return { byCourse, byOrganisation };
}
