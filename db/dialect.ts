import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

/** Whether a Kysely instance (or a migration's handle) talks to PostgreSQL rather than SQLite. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * The values of a column in a group joined into one text (SQLite's group_concat, PostgreSQL's
 * string_agg). The order inside is not defined on either: callers sort after splitting if it matters.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function joinedText(db: Kysely<any>, column: string, separator = ','): RawBuilder<string> {
  return isPostgres(db) ? sql<string>`string_agg(cast(${sql.ref(column)} as text), ${sql.lit(separator)})` : sql<string>`group_concat(${sql.ref(column)}, ${sql.lit(separator)})`;
}

/**
 * Whether a text column contains `needle`, ignoring case the same way on both databases (SQLite's
 * LIKE ignores ASCII case, PostgreSQL's does not): both sides are lowered, and % _ \ match
 * themselves.
 */
export function containsIgnoringCase(column: string, needle: string): RawBuilder<boolean> {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
