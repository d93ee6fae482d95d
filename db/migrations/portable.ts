import type { ColumnDataType, ColumnDefinitionBuilder, Kysely } from 'kysely';
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
