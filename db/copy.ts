// npm run db:copy -- --from data/kindred.db --to postgres://user:password@host/kindred
// Moves a Kindred database from its SQLite file into an empty PostgreSQL database: the same rows
// with the same ids (so certificate codes, links and verification keep working), then checks that
// every table holds as many rows on both sides. The SQLite file is only read.
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { isPostgresUrl, migrateToLatest, openDatabase, type DB } from './database.server.ts';
import { migrations } from './migrations/index.ts';

const BATCH_ROWS = 500;

export interface CopyReport {
  tables: { table: string; rows: number }[];
}

/** Copies every row of the SQLite database at `fromPath` into the empty PostgreSQL database at `toUrl`. */
export async function copyDatabase(fromPath: string, toUrl: string, log: (line: string) => void = () => undefined): Promise<CopyReport> {
  if (!isPostgresUrl(toUrl)) throw new Error('--to must be a postgres:// URL');
  if (!fs.existsSync(fromPath)) throw new Error(`--from: there is no file at ${path.resolve(fromPath)}`);
  const source = openDatabase(fromPath);
  const target = openDatabase(toUrl);
  try {
    await refuseUnlessCurrent(source);
    await migrateToLatest(target);
    const tables = await tablesInInsertOrder(source);
    for (const table of tables) {
      const { count } = await target.selectFrom(table as never).select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      if (Number(count) > 0) throw new Error(`The PostgreSQL database is not empty (${table} has rows): copy into a new, empty database.`);
    }
    const report: CopyReport = { tables: [] };
    await target.transaction().execute(async (trx) => {
      for (const { name, selfReference } of tables.map((t) => ({ name: t, selfReference: selfReferences.get(t) }))) {
        // A row that points at another row of its own table (a school at its trust) goes after it.
        const order = selfReference ? sql`${sql.ref(selfReference)} is not null, rowid` : sql`rowid`;
        let copied = 0;
        for (let offset = 0; ; offset += BATCH_ROWS) {
          const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)} order by ${order} limit ${BATCH_ROWS} offset ${offset}`.execute(source)).rows;
          if (rows.length === 0) break;
          await trx.insertInto(name as never).values(rows as never).execute();
          copied += rows.length;
        }
        report.tables.push({ table: name, rows: copied });
        log(`${name}: ${copied} rows`);
      }
      // Ids were copied as they were: the identity columns must carry on after the largest one.
      for (const { table_name } of (await sql<{ table_name: string }>`select table_name from information_schema.columns where table_schema = current_schema() and column_name = 'id' and is_identity = 'YES'`.execute(trx)).rows) {
        await sql`select setval(pg_get_serial_sequence(${table_name}, 'id'), coalesce((select max(id) from ${sql.table(table_name)}), 0) + 1, false)`.execute(trx);
      }
    });
    for (const { table, rows } of report.tables) {
      const { count } = await target.selectFrom(table as never).select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      if (Number(count) !== rows) throw new Error(`Row counts differ after the copy: ${table} has ${rows} in SQLite and ${count} in PostgreSQL.`);
    }
    return report;
  } finally {
    await source.destroy();
    await target.destroy();
  }
}

/** A SQLite file behind the code would copy into a schema it does not fit: migrate it first. */
async function refuseUnlessCurrent(source: DB): Promise<void> {
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(source).catch(() => ({ rows: [] }));
  const missing = Object.keys(migrations).filter((name) => !applied.rows.some((row) => row.name === name));
  if (missing.length) throw new Error(`The SQLite database lacks migrations ${missing.join(', ')}: run npm run db:migrate with DATABASE_PATH set to it first.`);
}

const selfReferences = new Map<string, string>();

/** Kindred's tables, each after the tables its foreign keys point at. */
async function tablesInInsertOrder(source: DB): Promise<string[]> {
  const names = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(source)).rows.map((r) => r.name);
  const dependsOn = new Map<string, Set<string>>();
  for (const name of names) {
    const keys = (await sql<{ table: string; from: string }>`select "table", "from" from pragma_foreign_key_list(${name})`.execute(source)).rows;
    dependsOn.set(name, new Set(keys.filter((k) => k.table !== name).map((k) => k.table)));
    const own = keys.find((k) => k.table === name);
    if (own) selfReferences.set(name, own.from);
  }
  const ordered: string[] = [];
  while (ordered.length < names.length) {
    const ready = names.filter((n) => !ordered.includes(n) && [...dependsOn.get(n)!].every((d) => ordered.includes(d)));
    if (ready.length === 0) throw new Error('The tables refer to each other in a circle; cannot order the copy.');
    ordered.push(...ready);
  }
  return ordered;
}

function argument(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const args = process.argv.slice(2);
  const from = argument(args, '--from');
  const to = argument(args, '--to');
  if (!from || !to) {
    console.error('Usage: npm run db:copy -- --from data/kindred.db --to postgres://user:password@host/database');
    process.exit(1);
  }
  copyDatabase(from, to, (line) => console.log(line))
    .then((report) => console.log(`Copied ${report.tables.reduce((n, t) => n + t.rows, 0)} rows in ${report.tables.length} tables; every table's row count matches.`))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
}
