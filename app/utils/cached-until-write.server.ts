import { rawSqlite, writeVersions, type DB } from '#db/database.server.ts';
import { isPostgres } from '#db/dialect.ts';
import { getDb } from './db.server.ts';

// Values computed from the database (the leader dashboard's progress rows), kept until one of the
// tables they were read from is written. Writes are noted by the database layer itself
// (db/write-versions.ts), so no write path can forget to invalidate. See
// docs/decisions/018-dashboard-cache.md.

/**
 * On PostgreSQL other app processes write too and this process does not see their writes: a
 * cached value is used for at most this long there. On SQLite every other writer is seen through
 * `PRAGMA data_version`, so values last until a write.
 */
export const POSTGRES_MAX_AGE_MS = 2_000;

export interface WriteCache {
  /** For messages and tests. */
  name: string;
  /** Every table the computed values are read from. */
  tables: readonly string[];
  /** The least recently used value is dropped beyond this many. */
  maxEntries: number;
}

interface Entry {
  stamp: string;
  storedAt: number;
  value: Promise<unknown>;
}

const stores = new WeakMap<DB, Map<WriteCache, Map<string, Entry>>>();

/** What the database looks like to `cache` now: changes whenever one of its tables may have been written. */
function currentStamp(db: DB, cache: WriteCache): string {
  const ours = writeVersions(db).stamp(cache.tables);
  if (isPostgres(db)) return String(ours);
  // Commits by other connections (a CLI, another process) change SQLite's data_version.
  return `${ours}:${rawSqlite(db).pragma('data_version', { simple: true })}`;
}

/**
 * The value for `key`, computed with `compute` unless a value computed since the last write to the
 * cache's tables is kept. Concurrent callers share one computation. Callers must not change what
 * they get: it is shared with every later caller.
 */
export function cachedUntilWrite<T>(cache: WriteCache, key: string, compute: () => Promise<T>): Promise<T> {
  const db = getDb();
  let byCache = stores.get(db);
  if (!byCache) stores.set(db, (byCache = new Map()));
  let entries = byCache.get(cache);
  if (!entries) byCache.set(cache, (entries = new Map()));
  const stamp = currentStamp(db, cache);
  const maxAge = isPostgres(db) ? POSTGRES_MAX_AGE_MS : Infinity;
  const kept = entries.get(key);
  entries.delete(key);
  if (kept && kept.stamp === stamp && Date.now() - kept.storedAt <= maxAge) {
    entries.set(key, kept); // most recently used last
    return kept.value as Promise<T>;
  }
  // The stamp is taken before reading: a write during the computation leaves this value stale
  // under an old stamp, so it is never served after that write.
  const entry: Entry = { stamp, storedAt: Date.now(), value: compute() };
  entries.set(key, entry);
  entry.value.catch(() => {
    if (entries.get(key) === entry) entries.delete(key);
  });
  while (entries.size > cache.maxEntries) entries.delete(entries.keys().next().value!);
  return entry.value as Promise<T>;
}
