import { writeStamp } from '#app/utils/cached-until-write.server.ts';
import { isPostgres } from '#db/dialect.ts';
import { getDb } from '#app/utils/db.server.ts';
import { singleton } from '#app/utils/singleton.server.ts';

// A learner's own progress, as the module page reads it, kept in this process until that learner's
// next write. A warm module page then reads none of it from the database.
//
// Correctness rests on one rule: every write to a learner's progress calls forgetLearner(userId)
// after it commits (app/models/progress.server.ts, coaching, erasure), or forgetForLearner with
// every key whose value the write can change. A read that began before the write was stored in the
// entry that forgetting drops, so nothing read before a write is served after it.
//
// On PostgreSQL several processes share the database, and a write in one does not call
// forgetLearner in another. There each learner's values also carry the shared write stamp of the
// progress tables (docs/decisions/022-shared-write-versions.md): a write to them by any process
// drops what every process kept. That is coarser (any learner's write counts), but exact.

/** Every table the values kept here are read from. */
export const LEARNER_TABLES = ['enrolments', 'module_progress', 'reflection_responses', 'check_attempts'] as const;

/** Learners kept; the least recently read are dropped first. About 2 KB each. */
const MAX_LEARNERS = 5_000;

// One per process: the server bundle (the retention sweep's erasures, the demo seed) and the Remix
// build each carry a copy of this module, and a write through either must clear what both read.
const byLearner = singleton('learner-cache', () => new Map<number, { stamp: string | null; values: Map<string, Promise<unknown>> }>());

/** `read()`'s answer for this learner and key, read once and kept until the learner's next write. */
export function cachedForLearner<T>(userId: number, key: string, read: () => Promise<T>): Promise<T> {
  // On SQLite (one process) a kept value is handed over as it is, without a wait.
  if (!isPostgres(getDb())) return keptForLearner(userId, key, read, null);
  // Taken before reading, like cachedUntilWrite's: a write during the read leaves it under an older stamp.
  return writeStamp(LEARNER_TABLES).then((stamp) => (stamp === null ? read() : keptForLearner(userId, key, read, stamp)));
}

function keptForLearner<T>(userId: number, key: string, read: () => Promise<T>, stamp: string | null): Promise<T> {
  let learner = byLearner.get(userId);
  if (learner) {
    // Most recently used last: Map keeps insertion order.
    byLearner.delete(userId);
    if (learner.stamp !== stamp) learner = { stamp, values: new Map() };
  } else {
    learner = { stamp, values: new Map() };
    if (byLearner.size >= MAX_LEARNERS) byLearner.delete(byLearner.keys().next().value!);
  }
  byLearner.set(userId, learner);
  const values = learner.values;
  const kept = values.get(key) as Promise<T> | undefined;
  if (kept) return kept;
  const reading = read();
  values.set(key, reading);
  // A failed read is not kept.
  reading.catch(() => {
    if (values.get(key) === reading) values.delete(key);
  });
  return reading;
}

/** After a write to this learner's progress has committed: their next reads go to the database. */
export function forgetLearner(userId: number): void {
  byLearner.delete(userId);
}

/**
 * After a write that can change only some of a learner's kept values has committed: those for
 * which `changed(key)` is true are read again, the rest stay. Recording a visit to a module moves
 * the course's "last visited" and nothing else, so the learner's answers and checks stay kept
 * while they move from module to module.
 */
export function forgetForLearner(userId: number, changed: (key: string) => boolean): void {
  const values = byLearner.get(userId)?.values;
  if (!values) return;
  for (const key of [...values.keys()]) if (changed(key)) values.delete(key);
}

/** For tests: how many learners have something kept. */
export function learnersKept(): number {
  return byLearner.size;
}
