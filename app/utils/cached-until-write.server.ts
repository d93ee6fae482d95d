import { rawSqlite, writeVersions, type DB } from '#db/database.server.ts';
import { isPostgres } from '#db/dialect.ts';
import { readSharedWriteVersions, sharedStamp } from '#db/write-versions.ts';
import { getDb } from './db.server.ts';
import { memoForRequest } from './request-scope.server.ts';

// Values computed from the database (the leader dashboard's progress rows, a person's session),
// kept until one of the tables they were read from is written. Writes are noted by the database
// layer itself (db/write-versions.ts), so no write path can forget to invalidate. See
// docs/decisions/018-dashboard-cache.md and 022-shared-write-versions.md.

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
  value: Promise<unknown>;
}

const stores = new WeakMap<DB, Map<WriteCache, Map<string, Entry>>>();

/**
 * What the database looks like to these tables now: a text that changes whenever one of them may
 * have been written, by this process or any other; null when that cannot be told (PostgreSQL
 * before migration 014), and then nothing may be kept.
 *
 * This process's own writes are counted by the driver as they happen. On SQLite other connections'
 * commits (a CLI, a test harness) change `PRAGMA data_version`. On PostgreSQL every process
 * advances a shared sequence per table after each commit and before acknowledging it; they are read
 * once per request (one statement), so a request sees one consistent picture.
 */
export async function writeStamp(tables: readonly string[]): Promise<string | null> {
  const db = getDb();
  const ours = writeVersions(db).stamp(tables);
  if (!isPostgres(db)) return `${ours}:${rawSqlite(db).pragma('data_version', { simple: true })}`;
  const shared = await memoForRequest('shared-write-versions', () => readSharedVersionsSoon(db));
  return shared ? `${ours}:${sharedStamp(shared, tables)}` : null;
}

const nextRead = new WeakMap<DB, Promise<Map<string, number> | null>>();

/**
 * The shared write versions, read by a statement sent after this call: requests that ask in the same
 * turn of the event loop share it. Sharing a read already sent would not do: a write acknowledged
 * to someone just before their next request arrived may not be in it.
 */
function readSharedVersionsSoon(db: DB): Promise<Map<string, number> | null> {
  const waiting = nextRead.get(db);
  if (waiting) return waiting;
  const read = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    nextRead.delete(db);
    return readSharedWriteVersions(db);
  });
  nextRead.set(db, read);
  return read;
}

/**
 * The value for `key`, computed with `compute` unless a value computed since the last write to the
 * cache's tables is kept. Concurrent callers share one computation. Callers must not change what
 * they get: it is shared with every later caller.
 *
 * The stamp is taken before reading: a write during the computation leaves the value under an
 * older stamp, so it is never served after that write.
 */
export async function cachedUntilWrite<T>(cache: WriteCache, key: string, compute: () => Promise<T>): Promise<T> {
  const stamp = await writeStamp(cache.tables);
  if (stamp === null) return compute();
  const db = getDb();
  let byCache = stores.get(db);
  if (!byCache) stores.set(db, (byCache = new Map()));
  let entries = byCache.get(cache);
  if (!entries) byCache.set(cache, (entries = new Map()));
  const kept = entries.get(key);
  entries.delete(key);
  if (kept && kept.stamp === stamp) {
    entries.set(key, kept); // most recently used last
    return kept.value as Promise<T>;
  }
  const entry: Entry = { stamp, value: compute() };
  entries.set(key, entry);
  while (entries.size > cache.maxEntries) entries.delete(entries.keys().next().value!);
  const store = entries;
  entry.value.catch(() => {
    // A failed computation is not kept.
    if (store.get(key) === entry) store.delete(key);
  });
  return entry.value as Promise<T>;
}
