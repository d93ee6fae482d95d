import { AsyncLocalStorage } from 'node:async_hooks';
import { rawSqlite, writeVersions, type DB } from '#db/database.server.ts';
import { isPostgres } from '#db/dialect.ts';
import { getDb } from './db.server.ts';

// Values computed from the database (the leader dashboard's progress rows), kept until one of the
// tables they were read from is written. Writes are noted by the database layer itself
// (db/write-versions.ts), so no write path can forget to invalidate. See
// docs/decisions/018-dashboard-cache.md.

/**
 * On PostgreSQL other app processes write too and this process does not see their writes: a
 * cached value is used for at most this long there (counted from when the oldest data it is made
 * of was read), and one in use is computed again in the background once half as old, so that a
 * steady stream of requests does not wait for it. On SQLite every other writer is seen through
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
  /**
   * Only where every write is seen (SQLite): for a person's own page, where a value up to
   * POSTGRES_MAX_AGE_MS old would show them their own change missing. On PostgreSQL it is computed
   * every time.
   */
  exactOnly?: boolean;
}

interface Entry {
  stamp: string;
  /** When the oldest data the value is made of was read (other cached values included). */
  storedAt: number;
  value: Promise<unknown>;
  settled: boolean;
  refreshing: boolean;
}

const stores = new WeakMap<DB, Map<WriteCache, Map<string, Entry>>>();

/** While a value is computed: the oldest read of the cached values it uses. */
const computing = new AsyncLocalStorage<{ readSince: number }>();

/** What the database looks like to `cache` now: changes whenever one of its tables may have been written. */
function currentStamp(db: DB, cache: WriteCache): string {
  const ours = writeVersions(db).stamp(cache.tables);
  if (isPostgres(db)) return String(ours);
  // Commits by other connections (a CLI, another process) change SQLite's data_version.
  return `${ours}:${rawSqlite(db).pragma('data_version', { simple: true })}`;
}

/**
 * Starts computing a value. The stamp is taken before reading: a write during the computation
 * leaves the value under an older stamp, so it is never served after that write.
 */
function startComputing(stamp: string, compute: () => Promise<unknown>, onFailure: () => void): Entry {
  const context = { readSince: Date.now() };
  const entry: Entry = { stamp, storedAt: context.readSince, value: computing.run(context, compute), settled: false, refreshing: false };
  entry.value.then(
    () => {
      entry.storedAt = context.readSince;
      entry.settled = true;
    },
    onFailure,
  );
  return entry;
}

/**
 * The value for `key`, computed with `compute` unless a value computed since the last write to the
 * cache's tables is kept. Concurrent callers share one computation. Callers must not change what
 * they get: it is shared with every later caller.
 */
export function cachedUntilWrite<T>(cache: WriteCache, key: string, compute: () => Promise<T>): Promise<T> {
  const db = getDb();
  if (cache.exactOnly && isPostgres(db)) return compute();
  let byCache = stores.get(db);
  if (!byCache) stores.set(db, (byCache = new Map()));
  let entries = byCache.get(cache);
  if (!entries) byCache.set(cache, (entries = new Map()));
  const stamp = currentStamp(db, cache);
  const maxAge = isPostgres(db) ? POSTGRES_MAX_AGE_MS : Infinity;
  const kept = entries.get(key);
  let entry: Entry;
  if (kept && kept.stamp === stamp && Date.now() - kept.storedAt <= maxAge) {
    entry = kept;
    entries.delete(key);
    entries.set(key, kept); // most recently used last
    if (kept.settled && !kept.refreshing && Date.now() - kept.storedAt > maxAge / 2) {
      kept.refreshing = true;
      const fresh = startComputing(stamp, compute, () => (kept.refreshing = false));
      void fresh.value.then(() => {
        if (entries.get(key) === kept) entries.set(key, fresh);
      }, () => {});
    }
  } else {
    const started = startComputing(stamp, compute, () => {
      if (entries.get(key) === started) entries.delete(key);
    });
    entry = started;
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > cache.maxEntries) entries.delete(entries.keys().next().value!);
  }
  // A value computed from this one is as old as this one.
  const outer = computing.getStore();
  if (outer) {
    const noteAge = () => (outer.readSince = Math.min(outer.readSince, entry.storedAt));
    noteAge();
    entry.value.then(noteAge, () => {});
  }
  return entry.value as Promise<T>;
}
