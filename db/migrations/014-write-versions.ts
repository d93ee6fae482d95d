import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';
import { createWriteVersion, writeVersionName, WRITE_VERSION_OF_ANY_TABLE } from './portable.ts';

// Frozen in time. PostgreSQL only: one sequence per table, advanced by every app process after it
// commits a write to that table, so each process can tell whether what it keeps is still current
// (db/write-versions.ts, docs/decisions/022-shared-write-versions.md). SQLite needs none: Kindred on
// SQLite is one process and sees other writers through PRAGMA data_version.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely\\_%'`.execute(db);
  await createWriteVersion(db, WRITE_VERSION_OF_ANY_TABLE);
  for (const { table_name } of tables.rows) await createWriteVersion(db, table_name);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  const sequences = await sql<{ sequencename: string }>`select sequencename from pg_sequences where schemaname = current_schema() and sequencename like ${`${writeVersionName('')}%`}`.execute(db);
  for (const { sequencename } of sequences.rows) await sql`drop sequence ${sql.id(sequencename)}`.execute(db);
}
