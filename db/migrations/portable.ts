import { sql, type ColumnDataType, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

// Column helpers that give SQLite exactly the schema it had before PostgreSQL was supported, and
// PostgreSQL its equivalent. The conventions are listed at the top of ./index.ts.

/** An integer primary key the database numbers: AUTOINCREMENT on SQLite, an identity column on PostgreSQL. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function identity(db: Kysely<any>): (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return isPostgres(db) ? (c) => c.primaryKey().generatedByDefaultAsIdentity() : (c) => c.primaryKey().autoIncrement();
}

/** A fractional number such as CPD hours: SQLite's REAL, PostgreSQL's double precision (both 8-byte floats). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function decimal(db: Kysely<any>): ColumnDataType {
  return isPostgres(db) ? 'double precision' : 'real';
}

/**
 * PostgreSQL only: the sequence that counts committed writes to `table` across every app process
 * (db/write-versions.ts). A migration that creates a table creates its write version too; a table
 * without one is counted under WRITE_VERSION_OF_ANY_TABLE, which is correct but makes every kept
 * value be read again after a write to it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createWriteVersion(db: Kysely<any>, table: string): Promise<void> {
  if (isPostgres(db)) await sql`create sequence ${sql.id(writeVersionName(table))}`.execute(db);
}

/** The pseudo-table whose write version every kept value depends on: writes to unknown tables and DDL. */
export const WRITE_VERSION_OF_ANY_TABLE = '_any';

export function writeVersionName(table: string): string {
  return `write_version_${table}`;
}
