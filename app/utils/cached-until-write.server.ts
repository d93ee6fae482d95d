import { AsyncLocalStorage } from 'node:async_hooks';
import { sqliteDataVersion, writeVersions, type DB } from '#db/database.server.ts';
import { isPostgres } from '#db/dialect.ts';
import { readSharedWriteVersions, sharedStamp } from '#db/write-versions.ts';
import { getDb } from './db.server.ts';
import { inRequestScope, memoForRequest } from './request-scope.server.ts';

// Values computed from the database (the leader dashboard's progress rows, a person's session),
// kept until one of the tables they were read from is written. Writes are noted by the database
// layer itself (db/write-versions.ts), so no write path can forget to invalidate. See
// docs/decisions/018-dashboard-cache.md, 022-shared-write-versions.md and 027-kept-page-requests-do-less.md.

export interface WriteCache {
  /** For messages and tests. */
  name: string;
  /** Every table the computed values are read from. */
  tables: readonly string[];
  /** The least recently used value is dropped beyond this many. */
  maxEntries: number;
  /**
   * Tables (among `tables`) whose writes a value may lag behind by up to `forMs`: after such a
   * write the kept value is still served, and once it is half `forMs` old one fresh value is
   * computed in the background. For what many people write all the time (learners' progress) and
   * few read (leaders' dashboards), so that a busy school does not recompute a dashboard for every
   * request: a value is made again about twice per `forMs` at most, however often its tables are
   * written. A write to any other of `tables` still shows at once.
   */
  lagging?: { tables: readonly string[]; forMs: number };
}

interface Entry {
  stamp: string;
  /** The stamp of the lagging tables when reading began; null if the value was made from a lagging value. */
  laggingStamp: string | null;
  /**
   * When the value was last known to be current: reading began then (for the values it was made
   * from too), or a later look found no write since.
   */
  currentAt: number;
  value: Promise<unknown>;
  settled: boolean;
  refreshing: boolean;
}

/** While a value is computed: how old the kept values it is made from are. */
const computing = new AsyncLocalStorage<{ currentAt: number; lagging: boolean }>();

const stores = new WeakMap<DB, Map<WriteCache, Map<string, Entry>>>();
/** The stamp the values in a store were last computed under. */
const storeStamps = new WeakMap<Map<string, Entry>, string>();

/**
 * What the database looks like to these tables now: a text that changes whenever one of them may
 * have been written, by this process or any other; null when that cannot be told (PostgreSQL
 * before migration 014), and then nothing may be kept.
 *
 * This process's own writes are counted by the driver as they happen. Other processes' commits are
 * read once per request (`othersWritesForRequest`), by a read shared per turn of the event loop:
 * on SQLite `PRAGMA data_version`, which other connections' commits (a CLI, a test harness) change;
 * on PostgreSQL the shared sequences every process advances per table after each commit and before
 * acknowledging it. So a request sees one consistent picture.
 */
export async function writeStamp(tables: readonly string[]): Promise<string | null> {
  const db = getDb();
  const others = othersWritesForRequest(db);
  return stampOf(db, tables, others.settled ? others.value! : await others.read);
}

/** Other processes' writes: SQLite's data version, or PostgreSQL's shared write versions (null before migration 014). */
type OthersWrites = { sqlite: number } | { postgres: Map<string, number> | null };

function stampOf(db: DB, tables: readonly string[], others: OthersWrites): string | null {
  const ours = writeVersions(db).stamp(tables);
  if ('sqlite' in others) return `${ours}:${others.sqlite}`;
  return others.postgres ? `${ours}:${sharedStamp(others.postgres, tables)}` : null;
}

/** This request's read of other processes' writes, and its answer once it has come. */
function othersWritesForRequest(db: DB): { read: Promise<OthersWrites>; settled: boolean; value?: OthersWrites } {
  // A form post (whose loaders must see what its action wrote), a test or a script shares its
  // reads with nothing, so on SQLite it reads at once rather than wait a turn for each look.
  if (!isPostgres(db) && !inRequestScope()) {
    const value = { sqlite: sqliteDataVersion(db) };
    return { read: Promise.resolve(value), settled: true, value };
  }
  return memoForRequest('others-writes', () => {
    const seen: { read: Promise<OthersWrites>; settled: boolean; value?: OthersWrites } = { read: readOthersWritesSoon(db), settled: false };
    seen.read.then(
      (value) => {
        seen.value = value;
        seen.settled = true;
      },
      () => {},
    );
    return seen;
  });
}

const nextRead = new WeakMap<DB, Promise<OthersWrites>>();

/**
 * Other processes' writes, read after this call: requests that ask in the same turn of the event
 * loop share one read (one `PRAGMA data_version` on SQLite, about 40 µs on a busy server; one
 * statement on PostgreSQL). Sharing a read already made would not do: a write acknowledged to
 * someone just before their next request arrived may not be in it.
 */
function readOthersWritesSoon(db: DB): Promise<OthersWrites> {
  const waiting = nextRead.get(db);
  if (waiting) return waiting;
  const read = new Promise<void>((resolve) => setImmediate(resolve)).then(async (): Promise<OthersWrites> => {
    nextRead.delete(db);
    return isPostgres(db) ? { postgres: await readSharedWriteVersions(db) } : { sqlite: sqliteDataVersion(db) };
  });
  nextRead.set(db, read);
  return read;
}

/** For tests: how many values a cache keeps. */
export function keptValueCount(cache: WriteCache): number {
  return stores.get(getDb())?.get(cache)?.size ?? 0;
}

/**
 * The value for `key`, computed with `compute` unless a value computed since the last write to the
 * cache's tables is kept (or, for its lagging tables, one known current less than `lagging.forMs`
 * ago; from half that age one fresh value is computed in the background).
 * Concurrent callers share one computation. Callers must not change what they get: it is shared
 * with every later caller.
 *
 * The stamps are taken before reading: a write during the computation leaves the value under an
 * older stamp, so it is never served as current after that write.
 */
export function cachedUntilWrite<T>(cache: WriteCache, key: string, compute: () => Promise<T>): Promise<T> {
  const db = getDb();
  const { steady, lagging } = tablesOf(cache);
  const keep = (others: OthersWrites) => keepOrCompute(db, cache, key, compute, stampOf(db, steady, others), stampOf(db, lagging, others));
  // Once this request has read other processes' writes, a kept value is handed over as it is: a
  // page asks for a dozen kept values, and each wait on the way cost a turn of the microtask queue.
  const others = othersWritesForRequest(db);
  return others.settled ? keep(others.value!) : others.read.then(keep);
}

const tablesByCache = new WeakMap<WriteCache, { steady: readonly string[]; lagging: readonly string[] }>();

/** A cache's tables whose writes show at once, and those its values may lag behind. */
function tablesOf(cache: WriteCache): { steady: readonly string[]; lagging: readonly string[] } {
  let split = tablesByCache.get(cache);
  if (!split) {
    const lagging = cache.lagging?.tables ?? [];
    tablesByCache.set(cache, (split = { steady: cache.tables.filter((table) => !lagging.includes(table)), lagging }));
  }
  return split;
}

function keepOrCompute<T>(db: DB, cache: WriteCache, key: string, compute: () => Promise<T>, stamp: string | null, laggingStamp: string | null): Promise<T> {
  if (stamp === null || laggingStamp === null) return compute();
  let byCache = stores.get(db);
  if (!byCache) stores.set(db, (byCache = new Map()));
  let entries = byCache.get(cache);
  if (!entries) byCache.set(cache, (entries = new Map()));
  const store = entries;
  const start = (): Entry => {
    const context = { currentAt: Date.now(), lagging: false };
    const entry: Entry = { stamp, laggingStamp, currentAt: context.currentAt, value: computing.run(context, compute), settled: false, refreshing: false };
    entry.value.then(
      () => {
        entry.currentAt = Math.min(entry.currentAt, context.currentAt);
        if (context.lagging) entry.laggingStamp = null;
        entry.settled = true;
      },
      () => {
        // A failed computation is not kept.
        if (store.get(key) === entry) store.delete(key);
      },
    );
    return entry;
  };
  let entry = store.get(key);
  store.delete(key);
  const current = entry && entry.stamp === stamp && entry.laggingStamp === laggingStamp;
  const age = entry ? Date.now() - entry.currentAt : 0;
  const laggingWithin = entry && entry.stamp === stamp && entry.settled && cache.lagging && age < cache.lagging.forMs;
  if (entry && current && entry.settled) entry.currentAt = Date.now();
  if (entry && !current && laggingWithin) {
    const kept = entry;
    if (!kept.refreshing && age >= cache.lagging!.forMs / 2) {
      kept.refreshing = true;
      const fresh = start();
      fresh.value.then(
        () => {
          if (store.get(key) === kept) store.set(key, fresh);
        },
        () => (kept.refreshing = false),
      );
    }
  } else if (!entry || !current) {
    // Stamps only move forward, so once a value is computed under a new stamp, those kept under the
    // old one can never be served again (unless the cache lags). Dropped now, they do not sit in the
    // heap until enough new keys push them out: under constant writing, that was the cache's
    // whole size, for every full collection to mark (decision 029). A request still holding an older
    // stamp only computes its value afresh.
    if (!cache.lagging && storeStamps.get(store) !== stamp) {
      store.clear();
      storeStamps.set(store, stamp);
    }
    entry = start();
  }
  store.set(key, entry!); // most recently used last
  while (store.size > cache.maxEntries) store.delete(store.keys().next().value!);
  // A value made from this one is as old as this one, and lags if this one may.
  const outer = computing.getStore();
  if (outer) {
    const used = entry!;
    const servedLagging = !current && Boolean(laggingWithin);
    const note = () => {
      outer.currentAt = Math.min(outer.currentAt, used.currentAt);
      if (servedLagging || used.laggingStamp === null) outer.lagging = true;
    };
    note();
    used.value.then(note, () => {});
  }
  return entry!.value as Promise<T>;
}
