import type { DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import type { CompiledQuery } from 'kysely';

// Derived data (the leader dashboard's progress rows) is cached until the tables it was read from
// are written. The writes are seen here, at the driver, for every statement Kysely runs, so no
// model function has to remember to invalidate anything (docs/decisions/018-dashboard-cache.md).

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

interface ConnectionState {
  inner: DatabaseConnection;
  /** Tables written inside the open transaction: noted again when it commits. */
  pending: Set<string> | 'unknown' | null;
}

/**
 * Wraps a dialect so that every write is noted in `versions`: when the statement returns, and again
 * when its transaction commits (on PostgreSQL another pooled connection may read between the two,
 * and must not cache what it read as current).
 */
export function observeWrites(dialect: Dialect, versions: WriteVersions): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => new WriteObservingDriver(dialect.createDriver(), versions),
  };
}

class WriteObservingDriver implements Driver {
  private readonly states = new WeakMap<DatabaseConnection, ConnectionState>();

  constructor(
    private readonly inner: Driver,
    private readonly versions: WriteVersions,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner.acquireConnection();
    const state: ConnectionState = { inner, pending: null };
    const note = (query: CompiledQuery) => {
      const table = tableWritten(query.sql);
      if (table === null) return;
      this.versions.noteWrite(table === 'unknown' ? 'unknown' : new Set([table]));
      if (state.pending === null) return;
      if (table === 'unknown') state.pending = 'unknown';
      else if (state.pending !== 'unknown') state.pending.add(table);
    };
    const connection: DatabaseConnection = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        try {
          return await inner.executeQuery<R>(query);
        } finally {
          // Also after a failure: part of a statement may have been written before it failed.
          note(query);
        }
      },
      async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
        try {
          yield* inner.streamQuery<R>(query, chunkSize);
        } finally {
          note(query);
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
    try {
      await this.inner.commitTransaction(state.inner);
    } finally {
      if (state.pending === 'unknown' || (state.pending && state.pending.size > 0)) this.versions.noteWrite(state.pending);
      state.pending = null;
    }
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
