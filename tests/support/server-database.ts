import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type DB } from '#db/database.server.ts';
import { TEMPLATE_DB } from '#tests/setup/paths.ts';
import { createTestDatabase, databaseUrl, dropTestDatabase, onServer } from '#tests/setup/postgres.ts';
import { tempDatabasePath as tempDatabaseIn } from '../../scripts/bench-server.ts';

// A database of its own for a built server that a test starts (tests/http, the two-process tests):
// a copy of the SQLite template file, or — in the PostgreSQL pass (KINDRED_TEST_ADMIN_URL is set by
// tests/setup/setup-test-env.ts) — a copy of the PostgreSQL template database. The test reads and
// writes it through `db` (Kysely), so the same assertions hold on both.

export interface ServerDatabase {
  /**
   * A path in the server's own temp folder: the SQLite file itself, or on PostgreSQL an unused name
   * whose folder still holds the server's outbox files and compiled-course cache.
   */
  databasePath: string;
  /** What the server needs beyond DATABASE_PATH to find its database (DATABASE_URL on PostgreSQL). */
  env: Record<string, string>;
  /** The test's own handle on the same database. */
  db: DB;
  postgres: boolean;
}

interface Created {
  database: ServerDatabase;
  postgresName: string | null;
}
const created: Created[] = [];

/** The PostgreSQL cluster of this run, or null when the suite runs on SQLite. */
export function testClusterUrl(): string | null {
  return process.env.KINDRED_TEST_ADMIN_URL ?? null;
}

/**
 * A fresh database for a built server: seeded with the demo data (a copy of the template), or
 * `empty` so that the server migrates and seeds it itself. Closed and dropped after the test file.
 */
export async function serverDatabase(options: { empty?: boolean } = {}): Promise<ServerDatabase> {
  const adminUrl = testClusterUrl();
  const databasePath = tempDatabaseIn(options.empty || adminUrl ? undefined : TEMPLATE_DB, 'kindred-server-');
  if (!adminUrl) {
    const database: ServerDatabase = { databasePath, env: {}, db: openDatabase(databasePath), postgres: false };
    created.push({ database, postgresName: null });
    return database;
  }
  let target: { name: string; url: string };
  if (options.empty) {
    const name = `kindred_empty_${crypto.randomUUID().replaceAll('-', '')}`;
    await onServer(adminUrl, [`create database ${name}`]);
    target = { name, url: databaseUrl(adminUrl, name) };
  } else {
    target = await createTestDatabase(adminUrl);
  }
  const database: ServerDatabase = { databasePath, env: { DATABASE_URL: target.url }, db: openDatabase(target.url, { poolSize: 2 }), postgres: true };
  created.push({ database, postgresName: target.name });
  return database;
}

/** Closes every handle serverDatabase opened in this file and drops its PostgreSQL databases (setup-test-env.ts, afterAll). */
export async function removeServerDatabases(): Promise<void> {
  const adminUrl = testClusterUrl();
  for (const { database, postgresName } of created.splice(0)) {
    await database.db.destroy();
    if (adminUrl && postgresName) await dropTestDatabase(adminUrl, postgresName);
    fs.rmSync(path.dirname(database.databasePath), { recursive: true, force: true });
  }
}

/** A demo person's id, by email. */
export async function userIdByEmailIn(db: DB, email: string): Promise<number> {
  return (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

/** A demo organisation's id, by name. */
export async function organisationIdIn(db: DB, name: string): Promise<number> {
  return (await db.selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

/** How many rows a table has (those matching `where`, an SQL condition, when given). */
export async function rowCount(db: DB, table: string, where?: string): Promise<number> {
  const condition = where ? sql`where ${sql.raw(where)}` : sql``;
  const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} ${condition}`.execute(db);
  return Number(rows[0]!.n);
}

/** Every row's `columns` run together, rows in id order, as one text: a before/after fingerprint of a table. */
export async function columnText(db: DB, table: string, columns: string[]): Promise<string> {
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(columns.map((column) => sql.ref(column)))} from ${sql.table(table)} order by id`.execute(db);
  return rows.map((row) => columns.map((column) => String(row[column])).join('')).join(',');
}

/**
 * Runs one SQL statement written with `?` placeholders through Kysely, which numbers them for
 * PostgreSQL: for assertions written as SQL that both databases understand.
 */
export async function queryRows<Row = Record<string, unknown>>(db: DB, text: string, ...params: unknown[]): Promise<Row[]> {
  const fragments = text.split('?');
  if (fragments.length !== params.length + 1) throw new Error(`${params.length} parameters for ${fragments.length - 1} placeholders in: ${text}`);
  const { rows } = await sql<Row>(fragments as unknown as TemplateStringsArray, ...params).execute(db);
  return rows;
}

/**
 * What a refused request must leave as it was: the row count of each of `tables`, people's names,
 * and how many certificates are revoked and memberships deactivated. Callers add what they watch.
 */
export async function writeFingerprint(db: DB, tables: readonly string[]): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of tables) result[table] = String(await rowCount(db, table));
  result.names = await columnText(db, 'users', ['name']);
  result.revoked = String(await rowCount(db, 'certificates', 'revoked_at is not null'));
  result.deactivated = String(await rowCount(db, 'memberships', 'deactivated_at is not null'));
  return result;
}
