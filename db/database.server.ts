import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type LogEvent, type MigrationProvider } from 'kysely';
import { isPostgres } from './dialect.ts';
import { migrations } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { observeWrites, WriteVersions } from './write-versions.ts';

export type DB = Kysely<Database>;

export class DatabaseOpenError extends Error {}

interface OpenOptions {
  slowQueryMs?: number;
  /** Called once per SQL statement; the benchmark counts statements per request with it. */
  onQuery?: (sqlText: string, durationMs: number) => void;
  /** PostgreSQL connections this process may hold at once. */
  poolSize?: number;
}

/** Whether a database target names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * Opens the database: a postgres:// URL through a connection pool, anything else as a SQLite file
 * with the settings every connection needs.
 */
export function openDatabase(target: string, options: OpenOptions = {}): DB {
  return isPostgresUrl(target) ? openPostgres(target, options) : openSqlite(target, options);
}

function logQueries(options: OpenOptions): (event: LogEvent) => void {
  const slowQueryMs = options.slowQueryMs ?? 100;
  return (event) => {
    options.onQuery?.(event.query.sql, event.queryDurationMillis);
    if (event.level === 'error') {
      console.error(`[db] query failed: ${event.query.sql}`, event.error);
    } else if (event.queryDurationMillis >= slowQueryMs) {
      console.warn(`[db] slow query (${event.queryDurationMillis.toFixed(1)} ms): ${event.query.sql}`);
    }
  };
}

// count(*) and sum() of integers are bigint (int8) on PostgreSQL, which pg hands back as strings;
// Kindred's counts are far below 2^53, so they come back as numbers, as they do from SQLite.
const INT8 = 20;
const NUMERIC = 1700;
function pgTypes(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8) return (value: string) => Number(value);
      if (oid === NUMERIC) return (value: string) => Number(value);
      return driver.types.getTypeParser(oid, format);
    },
  } as pg.CustomTypesConfig;
}

/**
 * The PostgreSQL driver is loaded only by a process that opens PostgreSQL: on SQLite its modules
 * would sit in the heap for nothing (decision 029). Opening stays synchronous, hence require.
 */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

function openPostgres(url: string, options: OpenOptions): DB {
  const driver = loadPg();
  const pool = new driver.Pool({ connectionString: url, max: options.poolSize ?? 10, types: pgTypes(driver) });
  // An idle client losing its server (a restart, a failover) must not take the process down.
  pool.on('error', (error) => console.warn(`[db] idle PostgreSQL connection closed: ${error.message}`));
  const versions = new WriteVersions();
  const db = new Kysely<Database>({ dialect: observeWrites(new PostgresDialect({ pool }), versions, { shared: true }), log: logQueries(options) });
  writeVersionsByDb.set(db, versions);
  return db;
}

function openSqlite(filePath: string, options: OpenOptions): DB {
  let sqlite: SQLite.Database;
  try {
    if (filePath !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
    sqlite = new SQLite(filePath);
    // WAL lets readers carry on while a write commits; NORMAL sync keeps every committed write
    // through a process crash (see docs/decisions/004-sqlite-settings.md).
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseOpenError(`Cannot open the database at ${path.resolve(filePath)}: ${reason}`);
  }
  const versions = new WriteVersions();
  const db = new Kysely<Database>({
    dialect: observeWrites(new SqliteDialect({ database: withStatementCache(sqlite) }), versions),
    log: logQueries(options),
  });
  sqliteHandles.set(db, sqlite);
  writeVersionsByDb.set(db, versions);
  return db;
}

/**
 * Kysely asks the driver to prepare every statement it runs; the same few dozen SQL strings come
 * back all day, so prepared statements are kept (better-sqlite3 runs them synchronously, so a
 * statement is never in use twice at once).
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const statements = new Map<string, SQLite.Statement>();
  const MAX_STATEMENTS = 500;
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') {
        return (sqlText: string) => {
          let statement = statements.get(sqlText);
          if (!statement) {
            if (statements.size >= MAX_STATEMENTS) statements.clear();
            statement = target.prepare(sqlText);
            statements.set(sqlText, statement);
          }
          return statement;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: DB): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${reason}`.replace('  ', ' '));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Writes a consistent copy of the live database with SQLite's online backup. */
export async function backupDatabase(db: DB, destination: string): Promise<string> {
  if (isPostgres(db)) throw new Error('Backups of PostgreSQL are taken with pg_dump, not by Kindred.');
  const target = path.resolve(destination);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await rawSqlite(db).backup(target);
  return target;
}

/**
 * Per process, not per module: the server (build/server.js) and the Remix build each bundle a copy
 * of this module, and the app's database is opened by either.
 */
function processWide<T extends object>(name: string): WeakMap<DB, T> {
  const store = globalThis as unknown as Record<symbol, WeakMap<DB, T> | undefined>;
  return (store[Symbol.for(`kindred.${name}`)] ??= new WeakMap<DB, T>());
}

const sqliteHandles = processWide<SQLite.Database>('sqliteHandles');

/** The better-sqlite3 handle behind a Kysely instance made by openDatabase (backups, pragmas). */
export function rawSqlite(db: DB): SQLite.Database {
  const handle = sqliteHandles.get(db);
  if (!handle) throw new Error('This Kysely instance was not opened by openDatabase');
  return handle;
}

const dataVersionStatements = new WeakMap<SQLite.Database, SQLite.Statement<[], number>>();

/**
 * SQLite's `PRAGMA data_version`: changes when another connection commits. Prepared once per
 * connection: `Database.pragma()` prepares a statement on every call, which was a fifth of a warm
 * page's database time.
 */
export function sqliteDataVersion(db: DB): number {
  const sqlite = rawSqlite(db);
  let statement = dataVersionStatements.get(sqlite);
  if (!statement) dataVersionStatements.set(sqlite, (statement = sqlite.prepare<[], number>('PRAGMA data_version').pluck()));
  return statement.get()!;
}

const writeVersionsByDb = processWide<WriteVersions>('writeVersions');

/** The writes this process has made through a Kysely instance made by openDatabase, by table. */
export function writeVersions(db: DB): WriteVersions {
  const versions = writeVersionsByDb.get(db);
  if (!versions) throw new Error('This Kysely instance was not opened by openDatabase');
  return versions;
}
