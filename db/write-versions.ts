import { CompiledQuery, sql, type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult, type TransactionSettings } from 'kysely';
import { WRITE_VERSION_OF_ANY_TABLE, writeVersionName } from './migrations/portable.ts';

// Derived data (the leader dashboard's progress rows) is cached until the tables it was read from
// are written. The writes are seen here, at the driver, for every statement Kysely runs, so no
// model function has to remember to invalidate anything (docs/decisions/018-dashboard-cache.md).
// On PostgreSQL, where several app processes share the database, each committed write also advances
// that table's shared write version, a sequence every process reads
// (docs/decisions/022-shared-write-versions.md).

/** How many writes this process has made to each table, through the database it was opened with. */
export class WriteVersions {
  private readonly byTable = new Map<string, number>();
  /** Bumped by statements whose target table is not known (DDL, pragmas, CTEs): they change everything. */
  private unknown = 0;

  noteWrite(tables: ReadonlySet<string> | 'unknown'): void {
    if (tables === 'unknown') this.unknown += 1;
    else for (const table of tables) this.byTable.set(table, (this.byTable.get(table) ?? 0) + 1);
  }

  /** A number that grows whenever one of these tables (or an unknown table) is written. */
  stamp(tables: readonly string[]): number {
    let sum = this.unknown;
    for (const table of tables) sum += this.byTable.get(table) ?? 0;
    return sum;
  }
}

const WRITE_TARGET = /^\s*(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?[\s(]/i;
const READ = /^\s*(?:select|explain)\b/i;

/**
 * The table a statement writes, 'unknown' when it may write but the table cannot be read off its
 * text (raw SQL, DDL, a write behind a CTE), or null for a plain read.
 */
export function tableWritten(sqlText: string): string | 'unknown' | null {
  if (READ.test(sqlText)) return null;
  return WRITE_TARGET.exec(sqlText)?.[1]?.toLowerCase() ?? 'unknown';
}

/**
 * PostgreSQL: each table's shared write version, advanced by every process after it commits a write
 * (and before the write is acknowledged), keyed by table name; WRITE_VERSION_OF_ANY_TABLE counts
 * writes to unknown tables. Null before migration 014 has made the sequences.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readSharedWriteVersions(db: Kysely<any>): Promise<Map<string, number> | null> {
  const prefix = writeVersionName('');
  const { rows } = await sql<{ name: string; version: number | null }>`select c.relname as name, pg_sequence_last_value(c.oid) as version from pg_class c where c.relkind = 'S' and c.relnamespace = current_schema()::regnamespace and starts_with(c.relname, ${prefix})`.execute(db);
  if (rows.length === 0) return null;
  return new Map(rows.map((r) => [r.name.slice(prefix.length), Number(r.version ?? 0)]));
}

/** The shared stamp of `tables`: grows whenever another process (or this one) commits a write to one of them. */
export function sharedStamp(versions: ReadonlyMap<string, number>, tables: readonly string[]): number {
  let sum = versions.get(WRITE_VERSION_OF_ANY_TABLE) ?? 0;
  for (const table of tables) sum += versions.get(table) ?? 0;
  return sum;
}

// A table without a sequence of its own (made after migration 014 without createWriteVersion)
// advances the one every stamp includes. nextval(NULL) is NULL, so before migration 014 this does nothing.
const ADVANCE_SHARED = `select nextval(coalesce(to_regclass('${writeVersionName('')}' || t), to_regclass('${writeVersionName(WRITE_VERSION_OF_ANY_TABLE)}'))) from unnest($1::text[]) as t`;

interface ConnectionState {
  inner: DatabaseConnection;
  /** Tables written inside the open transaction: noted again when it commits. */
  pending: Set<string> | 'unknown' | null;
}

/**
 * Wraps a dialect so that every write is noted in `versions`: when the statement returns, and again
 * when its transaction commits (on PostgreSQL another pooled connection may read between the two,
 * and must not cache what it read as current). With `shared` (PostgreSQL), a committed write also
 * advances its tables' shared write versions before the caller hears that it is done; a failure
 * there is the caller's failure, so no write is acknowledged that another process could miss.
 */
export function observeWrites(dialect: Dialect, versions: WriteVersions, { shared = false } = {}): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => new WriteObservingDriver(dialect.createDriver(), versions, shared),
  };
}

async function advanceShared(connection: DatabaseConnection, written: ReadonlySet<string> | 'unknown'): Promise<void> {
  const tables = written === 'unknown' ? [WRITE_VERSION_OF_ANY_TABLE] : [...written];
  await connection.executeQuery(CompiledQuery.raw(ADVANCE_SHARED, [tables]));
}

class WriteObservingDriver implements Driver {
  private readonly states = new WeakMap<DatabaseConnection, ConnectionState>();

  constructor(
    private readonly inner: Driver,
    private readonly versions: WriteVersions,
    private readonly shared: boolean,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner.acquireConnection();
    const state: ConnectionState = { inner, pending: null };
    const shared = this.shared;
    /** Notes a statement's write; returns what to advance in the shared versions now (outside a transaction). */
    const note = (query: CompiledQuery): Set<string> | 'unknown' | null => {
      const table = tableWritten(query.sql);
      if (table === null) return null;
      const written = table === 'unknown' ? 'unknown' : new Set([table]);
      this.versions.noteWrite(written);
      if (state.pending === null) return written;
      if (table === 'unknown') state.pending = 'unknown';
      else if (state.pending !== 'unknown') state.pending.add(table);
      return null;
    };
    const connection: DatabaseConnection = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        let result: QueryResult<R>;
        try {
          result = await inner.executeQuery<R>(query);
        } catch (error) {
          // Also after a failure: part of a statement may have been written before it failed.
          note(query);
          throw error;
        }
        const committed = note(query);
        if (shared && committed) await advanceShared(inner, committed);
        return result;
      },
      async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
        try {
          yield* inner.streamQuery<R>(query, chunkSize);
        } finally {
          const committed = note(query);
          if (shared && committed) await advanceShared(inner, committed);
        }
      },
    };
    this.states.set(connection, state);
    return connection;
  }

  private state(connection: DatabaseConnection): ConnectionState {
    const state = this.states.get(connection);
    if (!state) throw new Error('A connection not acquired through this driver');
    return state;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const state = this.state(connection);
    await this.inner.beginTransaction(state.inner, settings);
    state.pending = new Set();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const state = this.state(connection);
    const written = state.pending === 'unknown' || (state.pending && state.pending.size > 0) ? state.pending : null;
    try {
      await this.inner.commitTransaction(state.inner);
    } finally {
      if (written) this.versions.noteWrite(written);
      state.pending = null;
    }
    if (this.shared && written) await advanceShared(state.inner, written);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const state = this.state(connection);
    state.pending = null;
    await this.inner.rollbackTransaction(state.inner);
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    if (!this.inner.savepoint) throw new Error('This dialect has no savepoints');
    await this.inner.savepoint(this.state(connection).inner, name, compileQuery);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2]): Promise<void> {
    if (!this.inner.rollbackToSavepoint) throw new Error('This dialect has no savepoints');
    await this.inner.rollbackToSavepoint(this.state(connection).inner, name, compileQuery);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['releaseSavepoint']>>[2]): Promise<void> {
    if (!this.inner.releaseSavepoint) throw new Error('This dialect has no savepoints');
    await this.inner.releaseSavepoint(this.state(connection).inner, name, compileQuery);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.state(connection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
