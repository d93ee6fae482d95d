import path from 'node:path';
import { openDatabase, type DB } from '#db/database.server.ts';
import { getEnv, type Env } from './env.server.ts';
import { forgetSingleton, singleton } from './singleton.server.ts';
import { countStatementForRequest } from './request-metrics.server.ts';

/** The app's one database connection. */
export function getDb(): DB {
  return singleton('db', () => {
    const env = getEnv();
    return openDatabase(env.DATABASE_URL ?? env.DATABASE_PATH, { slowQueryMs: env.SLOW_QUERY_MS, onQuery: countQuery, poolSize: env.DATABASE_POOL_SIZE });
  });
}

/** Where the database is, fit for a log line: the SQLite file's full path, or the URL without its password. */
export function describeDatabase(env: Pick<Env, 'DATABASE_URL' | 'DATABASE_PATH'>): string {
  if (!env.DATABASE_URL) return path.resolve(env.DATABASE_PATH);
  const url = new URL(env.DATABASE_URL);
  if (url.password) url.password = '***';
  return url.toString();
}

export async function closeDb(): Promise<void> {
  const store = globalThis as unknown as { __kindredSingletons?: Map<string, unknown> };
  const db = store.__kindredSingletons?.get('db') as DB | undefined;
  if (!db) return;
  forgetSingleton('db');
  await db.destroy();
}

/** Statements run so far in this process (the benchmark reads it from /__metrics). */
let statementCount = 0;
function countQuery(): void {
  statementCount += 1;
  countStatementForRequest();
}
export function getStatementCount(): number {
  return statementCount;
}

/** The current time as stored in the database. Tests move it with KINDRED_CLOCK_OFFSET_MS. */
export function now(): Date {
  return new Date(Date.now() + clockOffsetMs());
}
export function nowIso(): string {
  return now().toISOString();
}
/** Production never moves the clock; asked once, as reading process.env is slow and this runs often. */
let production: boolean | undefined;
function clockOffsetMs(): number {
  production ??= process.env.NODE_ENV === 'production';
  if (production) return 0;
  const raw = process.env.KINDRED_CLOCK_OFFSET_MS;
  return raw ? Number(raw) || 0 : 0;
}

/** Whether a database error is a unique constraint refusing a second copy (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
