import { getEnv } from '#app/utils/env.server.ts';
import { singleton } from '#app/utils/singleton.server.ts';

// A learner's own progress, as the module page reads it, kept in this process until that learner's
// next write. A warm module page then reads none of it from the database.
//
// Correctness rests on one rule: every write to a learner's progress calls forgetLearner(userId)
// after it commits (app/models/progress.server.ts, coaching, erasure). A read that began before the
// write was stored in the entry that forgetting drops, so nothing read before a write is served
// after it.
//
// Only on SQLite. Kindred on SQLite is one process, so every write passes through here. On
// PostgreSQL several processes share the database and a write in one could not reach the cache of
// another, so the cache is off there (docs/decisions/020-single-fetch-and-learner-cache.md).

/** Learners kept; the least recently read are dropped first. About 2 KB each. */
const MAX_LEARNERS = 5_000;

// One per process: the server bundle (the retention sweep's erasures, the demo seed) and the Remix
// build each carry a copy of this module, and a write through either must clear what both read.
const byLearner = singleton('learner-cache', () => new Map<number, Map<string, Promise<unknown>>>());

export function learnerCacheEnabled(): boolean {
  return !getEnv().DATABASE_URL;
}

/** `read()`'s answer for this learner and key, read once and kept until the learner's next write. */
export function cachedForLearner<T>(userId: number, key: string, read: () => Promise<T>): Promise<T> {
  if (!learnerCacheEnabled()) return read();
  let values = byLearner.get(userId);
  if (values) {
    // Most recently used last: Map keeps insertion order.
    byLearner.delete(userId);
  } else {
    values = new Map();
    if (byLearner.size >= MAX_LEARNERS) byLearner.delete(byLearner.keys().next().value!);
  }
  byLearner.set(userId, values);
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

/** For tests: how many learners have something kept. */
export function learnersKept(): number {
  return byLearner.size;
}
