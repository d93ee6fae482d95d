import { sql, type Transaction } from 'kysely';
import type { Database } from '#db/schema.ts';
import type { CourseEntry } from '#app/content/catalogue.server.ts';
import type { Answers } from '#app/content/grading.server.ts';
import type { ModuleItem } from '#app/content/schemas.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { cachedForLearner, forgetForLearner, forgetLearner } from './learner-cache.server.ts';

// A learner's progress, always scoped to the learner: every query here takes their user id.
// The module page's reads are kept per learner between that learner's writes
// (learner-cache.server.ts): every write here calls forgetLearner once it has committed (a visit,
// which changes only what visits and statuses read, forgets just those).

export type ModuleStatus = 'not-started' | 'in-progress' | 'completed';
export type CourseStatus =
  | { state: 'not-started' }
  | { state: 'in-progress'; percent: number; lastModuleSlug: string | null; completedSlugs: string[] }
  | { state: 'completed'; completedAt: string };

/**
 * Where "Continue" leads: the module last visited if it is not finished, else the next unfinished
 * one after it, else the first unfinished one; never a module already finished while one is left.
 */
export function continueModuleSlug(moduleSlugs: string[], completedSlugs: Iterable<string>, lastSlug: string | null): string {
  const done = new Set(completedSlugs);
  const last = lastSlug ? moduleSlugs.indexOf(lastSlug) : -1;
  if (last >= 0 && !done.has(moduleSlugs[last]!)) return moduleSlugs[last]!;
  const unfinished = (slug: string) => !done.has(slug);
  return moduleSlugs.slice(last + 1).find(unfinished) ?? moduleSlugs.find(unfinished) ?? moduleSlugs[0]!;
}

/** A visit is re-recorded at most this often when nothing else changed. */
const VISIT_RESOLUTION_MS = 10 * 60 * 1000;

/**
 * Records a visit: starts the enrolment if needed, and notes the module as the one last visited.
 * Reading a page again within a few minutes changes nothing, so it writes nothing (one read).
 */
export async function recordVisit(userId: number, course: CourseEntry, moduleSlug: string): Promise<void> {
  const at = nowIso();
  const version = course.meta.version;
  const current = await cachedForLearner(userId, `visit:${course.slug}:${moduleSlug}`, () =>
    getDb()
      .selectFrom('enrolments as e')
      .innerJoin('module_progress as mp', (join) => join.onRef('mp.user_id', '=', 'e.user_id').onRef('mp.course_slug', '=', 'e.course_slug').on('mp.module_slug', '=', moduleSlug))
      .select(['e.last_module_slug', 'mp.last_visited_at'])
      .where('e.user_id', '=', userId)
      .where('e.course_slug', '=', course.slug)
      .executeTakeFirst(),
  );
  if (current && current.last_module_slug === moduleSlug && Date.parse(at) - Date.parse(current.last_visited_at) < VISIT_RESOLUTION_MS) return;
  await getDb()
    .transaction()
    .execute(async (trx) => {
      await trx
        .insertInto('enrolments')
        .values({ user_id: userId, course_slug: course.slug, content_version: version, started_at: at, completed_at: null, last_module_slug: moduleSlug, last_activity_at: at })
        .onConflict((oc) => oc.columns(['user_id', 'course_slug']).doUpdateSet({ last_module_slug: moduleSlug, last_activity_at: at }))
        .execute();
      await trx
        .insertInto('module_progress')
        .values({ user_id: userId, course_slug: course.slug, module_slug: moduleSlug, content_version: version, first_visited_at: at, last_visited_at: at, completed_at: null })
        .onConflict((oc) => oc.columns(['user_id', 'course_slug', 'module_slug']).doUpdateSet({ last_visited_at: at }))
        .execute();
    });
  // What a visit writes (the last module visited, when, and a first visit's progress row) is read
  // by this course's visit and status values only: the learner's answers and checks stay kept.
  forgetForLearner(userId, (key) => key.startsWith(`visit:${course.slug}:`) || key === `statuses:${course.slug}`);
}

/** Starts a course (idempotent); returns where to go: the module last visited, or the first. */
export async function startCourse(userId: number, course: CourseEntry): Promise<string> {
  const at = nowIso();
  await getDb()
    .insertInto('enrolments')
    .values({ user_id: userId, course_slug: course.slug, content_version: course.meta.version, started_at: at, completed_at: null, last_module_slug: null, last_activity_at: at })
    .onConflict((oc) => oc.columns(['user_id', 'course_slug']).doNothing())
    .execute();
  forgetLearner(userId);
  return resumeModuleSlug(userId, course);
}

export async function resumeModuleSlug(userId: number, course: CourseEntry): Promise<string> {
  const enrolment = await getDb()
    .selectFrom('enrolments')
    .select('last_module_slug')
    .where('user_id', '=', userId)
    .where('course_slug', '=', course.slug)
    .executeTakeFirst();
  const completed = await getDb()
    .selectFrom('module_progress')
    .select('module_slug')
    .where('user_id', '=', userId)
    .where('course_slug', '=', course.slug)
    .where('completed_at', 'is not', null)
    .execute();
  return continueModuleSlug(
    course.modules.map((m) => m.slug),
    completed.map((c) => c.module_slug),
    enrolment?.last_module_slug ?? null,
  );
}

async function touchEnrolment(trx: Transaction<Database>, userId: number, course: CourseEntry, moduleSlug: string, at: string) {
  await trx
    .insertInto('enrolments')
    .values({ user_id: userId, course_slug: course.slug, content_version: course.meta.version, started_at: at, completed_at: null, last_module_slug: moduleSlug, last_activity_at: at })
    .onConflict((oc) => oc.columns(['user_id', 'course_slug']).doUpdateSet({ last_module_slug: moduleSlug, last_activity_at: at }))
    .execute();
}

/** Saves (or replaces) a reflection; saving the same text twice leaves one row. */
export async function saveReflection(userId: number, course: CourseEntry, moduleSlug: string, itemId: string, body: string): Promise<string> {
  const at = nowIso();
  await getDb()
    .transaction()
    .execute(async (trx) => {
      await touchEnrolment(trx, userId, course, moduleSlug, at);
      await trx
        .insertInto('reflection_responses')
        .values({ user_id: userId, course_slug: course.slug, module_slug: moduleSlug, item_id: itemId, content_version: course.meta.version, body, saved_at: at })
        .onConflict((oc) => oc.columns(['user_id', 'course_slug', 'module_slug', 'item_id']).doUpdateSet({ body, saved_at: at, content_version: course.meta.version }))
        .execute();
    });
  forgetLearner(userId);
  return at;
}

/** Stores the latest attempt at a check, counting attempts. */
export async function recordCheckAttempt(
  userId: number,
  course: CourseEntry,
  moduleSlug: string,
  itemId: string,
  answers: Answers,
  results: Record<string, boolean>,
  passed: boolean,
): Promise<void> {
  const at = nowIso();
  const values = { answers: JSON.stringify(answers), results: JSON.stringify(results), passed: passed ? (1 as const) : (0 as const), submitted_at: at, content_version: course.meta.version };
  await getDb()
    .transaction()
    .execute(async (trx) => {
      await touchEnrolment(trx, userId, course, moduleSlug, at);
      await trx
        .insertInto('check_attempts')
        .values({ user_id: userId, course_slug: course.slug, module_slug: moduleSlug, item_id: itemId, attempts: 1, ...values })
        .onConflict((oc) => oc.columns(['user_id', 'course_slug', 'module_slug', 'item_id']).doUpdateSet({ ...values, attempts: sql`check_attempts.attempts + 1` }))
        .execute();
    });
  forgetLearner(userId);
}

export interface ModuleState {
  reflections: Record<string, { body: string; savedAt: string }>;
  attempts: Record<string, { answers: Answers; results: Record<string, boolean>; passed: boolean; attempts: number; submittedAt: string }>;
  completedAt: string | null;
}

/** Kept per learner until their next write: callers must not change what they get. */
export async function getModuleState(userId: number, courseSlug: string, moduleSlug: string): Promise<ModuleState> {
  return cachedForLearner(userId, `state:${courseSlug}:${moduleSlug}`, () => readModuleState(userId, courseSlug, moduleSlug));
}

async function readModuleState(userId: number, courseSlug: string, moduleSlug: string): Promise<ModuleState> {
  const db = getDb();
  const [reflections, attempts, progress] = await Promise.all([
    db.selectFrom('reflection_responses').select(['item_id', 'body', 'saved_at']).where('user_id', '=', userId).where('course_slug', '=', courseSlug).where('module_slug', '=', moduleSlug).execute(),
    db
      .selectFrom('check_attempts')
      .select(['item_id', 'answers', 'results', 'passed', 'attempts', 'submitted_at'])
      .where('user_id', '=', userId)
      .where('course_slug', '=', courseSlug)
      .where('module_slug', '=', moduleSlug)
      .execute(),
    db.selectFrom('module_progress').select('completed_at').where('user_id', '=', userId).where('course_slug', '=', courseSlug).where('module_slug', '=', moduleSlug).executeTakeFirst(),
  ]);
  return {
    reflections: Object.fromEntries(reflections.map((r) => [r.item_id, { body: r.body, savedAt: r.saved_at }])),
    attempts: Object.fromEntries(
      attempts.map((a) => [a.item_id, { answers: JSON.parse(a.answers) as Answers, results: JSON.parse(a.results) as Record<string, boolean>, passed: a.passed === 1, attempts: a.attempts, submittedAt: a.submitted_at }]),
    ),
    completedAt: progress?.completed_at ?? null,
  };
}

export interface ChecklistEntry {
  id: string;
  kind: 'reflection' | 'check';
  label: string;
}

/** What is still to do before the module may be marked complete. */
export function outstandingItems(items: ModuleItem[], state: Pick<ModuleState, 'reflections' | 'attempts'>): ChecklistEntry[] {
  const outstanding: ChecklistEntry[] = [];
  for (const item of items) {
    if (item.kind === 'reflection' && item.required && !state.reflections[item.id]?.body.trim()) {
      outstanding.push({ id: item.id, kind: 'reflection', label: `Write and save the reflection: “${item.prompt}”` });
    }
    if (item.kind === 'check' && !state.attempts[item.id]?.passed) {
      outstanding.push({ id: item.id, kind: 'check', label: `Answer every question in the knowledge check correctly (${item.questions.length} question${item.questions.length === 1 ? '' : 's'})` });
    }
  }
  return outstanding;
}

export type CompletionResult = { ok: true; courseCompleted: boolean } | { ok: false; outstanding: ChecklistEntry[] };

/**
 * Marks a module complete when nothing is outstanding. The check and the write share one
 * transaction; when it was the last module, the course completes in the same transaction
 * (and `onCourseCompleted` issues the certificate there too). Repeating it changes nothing.
 */
export async function completeModule(
  userId: number,
  course: CourseEntry,
  moduleSlug: string,
  items: ModuleItem[],
  onCourseCompleted?: (trx: Transaction<Database>, completedAt: string) => Promise<void>,
): Promise<CompletionResult> {
  const result = await getDb()
    .transaction()
    .execute(async (trx) => {
      const at = nowIso();
      const [reflections, attempts] = await Promise.all([
        trx.selectFrom('reflection_responses').select(['item_id', 'body', 'saved_at']).where('user_id', '=', userId).where('course_slug', '=', course.slug).where('module_slug', '=', moduleSlug).execute(),
        trx.selectFrom('check_attempts').select(['item_id', 'passed']).where('user_id', '=', userId).where('course_slug', '=', course.slug).where('module_slug', '=', moduleSlug).execute(),
      ]);
      const outstanding = outstandingItems(items, {
        reflections: Object.fromEntries(reflections.map((r) => [r.item_id, { body: r.body, savedAt: r.saved_at }])),
        attempts: Object.fromEntries(attempts.map((a) => [a.item_id, { answers: {}, results: {}, passed: a.passed === 1, attempts: 1, submittedAt: '' }])),
      });
      if (outstanding.length > 0) return { ok: false as const, outstanding };

      await touchEnrolment(trx, userId, course, moduleSlug, at);
      await trx
        .insertInto('module_progress')
        .values({ user_id: userId, course_slug: course.slug, module_slug: moduleSlug, content_version: course.meta.version, first_visited_at: at, last_visited_at: at, completed_at: at })
        .onConflict((oc) => oc.columns(['user_id', 'course_slug', 'module_slug']).doUpdateSet({ completed_at: sql`coalesce(module_progress.completed_at, ${at})` }))
        .execute();

      const completedModules = await trx
        .selectFrom('module_progress')
        .select('module_slug')
        .where('user_id', '=', userId)
        .where('course_slug', '=', course.slug)
        .where('completed_at', 'is not', null)
        .execute();
      const done = new Set(completedModules.map((m) => m.module_slug));
      if (!course.modules.every((m) => done.has(m.slug))) return { ok: true as const, courseCompleted: false };

      // Only the first completion counts: a double submit finds completed_at already set.
      const completed = await trx
        .updateTable('enrolments')
        .set({ completed_at: at })
        .where('user_id', '=', userId)
        .where('course_slug', '=', course.slug)
        .where('completed_at', 'is', null)
        .executeTakeFirst();
      if (Number(completed.numUpdatedRows) === 1 && onCourseCompleted) await onCourseCompleted(trx, at);
      return { ok: true as const, courseCompleted: true };
    });
  forgetLearner(userId);
  return result;
}

/** Each module's status for one learner in one course (kept until their next write). */
export async function moduleStatuses(userId: number, courseSlug: string): Promise<Record<string, ModuleStatus>> {
  return cachedForLearner(userId, `statuses:${courseSlug}`, async () => {
    const rows = await getDb().selectFrom('module_progress').select(['module_slug', 'completed_at']).where('user_id', '=', userId).where('course_slug', '=', courseSlug).execute();
    return Object.fromEntries(rows.map((r) => [r.module_slug, r.completed_at ? 'completed' : 'in-progress'])) as Record<string, ModuleStatus>;
  });
}

/** Each course's status for one learner, in two queries whatever the number of courses. */
export async function courseStatuses(userId: number, courses: CourseEntry[]): Promise<Record<string, CourseStatus>> {
  const db = getDb();
  const [enrolments, completedCounts] = await Promise.all([
    db.selectFrom('enrolments').select(['course_slug', 'completed_at', 'last_module_slug']).where('user_id', '=', userId).execute(),
    db
      .selectFrom('module_progress')
      .select(['course_slug', 'module_slug'])
      .where('user_id', '=', userId)
      .where('completed_at', 'is not', null)
      .execute(),
  ]);
  const statuses: Record<string, CourseStatus> = {};
  for (const course of courses) {
    const enrolment = enrolments.find((e) => e.course_slug === course.slug);
    if (!enrolment) statuses[course.slug] = { state: 'not-started' };
    else if (enrolment.completed_at) statuses[course.slug] = { state: 'completed', completedAt: enrolment.completed_at };
    else {
      const slugs = new Set(course.modules.map((m) => m.slug));
      const completedSlugs = completedCounts.filter((c) => c.course_slug === course.slug && slugs.has(c.module_slug)).map((c) => c.module_slug);
      statuses[course.slug] = { state: 'in-progress', percent: Math.round((100 * completedSlugs.length) / course.modules.length), lastModuleSlug: enrolment.last_module_slug, completedSlugs };
    }
  }
  return statuses;
}
