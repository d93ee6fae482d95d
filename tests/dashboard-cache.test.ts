import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, test, vi } from 'vitest';
import { loadViewer } from '#app/auth/session.server.ts';
import { ukDate, ukMonth } from '#app/utils/academic-year.ts';
import { findCourse } from '#app/content/catalogue.server.ts';
import { inviteMember, updateName } from '#app/models/accounts.server.ts';
import { assignCourse, withdrawAssignment } from '#app/models/assignments.server.ts';
import { revokeCertificate } from '#app/models/certificates.server.ts';
import { leaderDashboard, readDashboardQuery } from '#app/models/dashboard.server.ts';
import { addGroupMember } from '#app/models/groups.server.ts';
import { setMembershipActive, updateOrganisation } from '#app/models/organisations.server.ts';
import { planActionStep, practiceCounts } from '#app/models/practice.server.ts';
import { recordVisit } from '#app/models/progress.server.ts';
import { STAFF_PROGRESS_TABLES } from '#app/models/reports.server.ts';
import { applyRoster } from '#app/models/roster.server.ts';
import { cachedUntilWrite, keptValueCount, writeStamp, type WriteCache } from '#app/utils/cached-until-write.server.ts';
import { getDb, getStatementCount } from '#app/utils/db.server.ts';
import { runInRequestScope } from '#app/utils/request-scope.server.ts';
import { openDatabase } from '#db/database.server.ts';
import { isPostgres } from '#db/dialect.ts';
import { completeCourse } from '#db/learning-factories.ts';
import { WRITE_VERSION_OF_ANY_TABLE } from '#db/migrations/portable.ts';
import { readSharedWriteVersions, tableWritten } from '#db/write-versions.ts';
import { makeGroup, organisationIdByName } from './support/coaching.ts';
import { userIdByEmail } from './utils.ts';

// The leader dashboard is cached between writes (docs/decisions/018-dashboard-cache.md). Each test
// looks at the dashboard first, so that what it shows is cached, then writes the way the app does
// and looks again: a write the cache did not notice shows the old state and fails the test.

const LEADER = 'leader@oakfield.example';
const TRUST_LEADER = 'trust.leader@northfield.example';
const COURSE = 'sample-course';

async function dashboard(email = LEADER, query = '') {
  return leaderDashboard(await loadViewer(await userIdByEmail(email)), readDashboardQuery(new URL(`http://localhost/lead${query}`)));
}

async function rowOf(email: string, viewer = LEADER, query = '') {
  return (await dashboard(viewer, query)).rows.find((r) => r.email === email);
}

/** Another app process (its own pool and driver) on the same PostgreSQL database renames someone. */
async function renameFromAnotherProcess(email: string, name: string): Promise<void> {
  const otherProcess = openDatabase(process.env.DATABASE_URL!);
  try {
    await otherProcess.updateTable('users').set({ name }).where('email', '=', email).execute();
  } finally {
    await otherProcess.destroy();
  }
}

/** Someone in Oakfield who has not started the course, for a test to change. */
async function notStarted(): Promise<{ email: string; userId: number }> {
  const row = (await dashboard()).rows.find((r) => r.joined && !r.deactivated && r.cells[COURSE]!.state === 'not-started' && !r.roles.includes('leader'));
  if (!row) throw new Error('everyone in Oakfield has started the course');
  return { email: row.email, userId: row.userId };
}

/**
 * Runs `body` with `Date.now()` stopped some hours ahead (each test its own, so no two share a
 * moment); `setClock(ms)` moves it to that many milliseconds after where it stopped.
 */
async function withStoppedClock(hoursAhead: number, body: (setClock: (msAfterStart: number) => void) => Promise<void>): Promise<void> {
  const start = Date.now() + hoursAhead * 3_600_000;
  const clock = vi.spyOn(Date, 'now').mockReturnValue(start);
  try {
    await body((msAfterStart) => clock.mockReturnValue(start + msAfterStart));
  } finally {
    clock.mockRestore();
  }
}

describe('the dashboard cache', () => {
  test('a second look runs none of the progress statements and gives the same rows', async () => {
    const viewer = await loadViewer(await userIdByEmail(TRUST_LEADER));
    const query = readDashboardQuery(new URL('http://localhost/lead?sort=name'));
    const before = getStatementCount();
    const first = await leaderDashboard(viewer, query);
    const firstStatements = getStatementCount() - before;
    const second = await leaderDashboard(viewer, query);
    const secondStatements = getStatementCount() - before - firstStatements;
    expect(second.rows).toBe(first.rows);
    // Seven grouped statements make the progress rows; only the scope, organisations and groups are read again.
    expect(secondStatements).toBeLessThanOrEqual(firstStatements - 7);
  });

  test("a learner's module visit shows within two seconds: the kept figures are served meanwhile and computed again in the background", async () => {
    const { email, userId } = await notStarted();
    await recordVisit(userId, findCourse(COURSE)!, findCourse(COURSE)!.modules[0]!.slug);
    // Learners' progress may lag (docs/decisions/024-dashboards-lag-learners-by-seconds.md)…
    expect((await rowOf(email))!.cells[COURSE]!.state).toBe('not-started');
    // …while one fresh computation runs, which the next looks get.
    let state = '';
    for (let attempt = 0; attempt < 100 && state !== 'in-progress'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = (await rowOf(email))!.cells[COURSE]!.state;
    }
    expect(state).toBe('in-progress');
  });

  test("after a learner's write the rows are remade from the kept directory and fresh facts, which a trust's dashboard and its schools share", async () => {
    const trust = await loadViewer(await userIdByEmail(TRUST_LEADER));
    const school = await loadViewer(await userIdByEmail('leader@oakfield.example'));
    const query = readDashboardQuery(new URL('http://localhost/lead'));
    // As requests: on PostgreSQL each reads the shared write versions once.
    const statements = async (look: () => Promise<unknown>) => {
      const before = getStatementCount();
      await runInRequestScope(look);
      return getStatementCount() - before;
    };
    await withStoppedClock(3, async (setClock) => {
      await leaderDashboard(trust, query);
      await leaderDashboard(school, query);
      const warmTrust = await statements(() => leaderDashboard(trust, query));
      const warmSchool = await statements(() => leaderDashboard(school, query));
      const { email, userId } = await notStarted();
      await recordVisit(userId, findCourse(COURSE)!, findCourse(COURSE)!.modules[1]!.slug);
      // Past the two seconds the kept rows may lag: remade now, from fresh facts only.
      setClock(2_001);
      expect(await statements(() => leaderDashboard(trust, query))).toBe(warmTrust + 3);
      // The school's facts were read for the trust's dashboard a moment ago.
      expect(await statements(() => leaderDashboard(school, query))).toBe(warmSchool);
      expect((await rowOf(email))!.cells[COURSE]!.state).toBe('in-progress');
    });
  });

  test('completing a course, its certificate, and revoking the certificate show at once', async () => {
    const { email, userId } = await notStarted();
    await completeCourse(userId, COURSE);
    const completed = (await rowOf(email))!.cells[COURSE]!;
    expect(completed.state).toBe('completed');
    expect(completed.certificateCode).toMatch(/\S/);
    expect((await dashboard()).trends.find((t) => t.slug === COURSE)!.months.at(-1)!.completed).toBeGreaterThan(0);
    await revokeCertificate(await loadViewer(await userIdByEmail(LEADER)), completed.certificateCode!, 'issued-in-error', '');
    expect((await rowOf(email))!.cells[COURSE]!.certificateCode).toBeNull();
  });

  test('assigning a course and withdrawing it show at once', async () => {
    const { email, userId } = await notStarted();
    const leader = await loadViewer(await userIdByEmail(LEADER));
    expect((await rowOf(email))!.cells[COURSE]!.assigned).toBe(false);
    const assignment = await assignCourse(leader, 'leader', { target: `person:${userId}`, courseSlug: COURSE, dueDate: '2020-01-31' });
    const assigned = (await rowOf(email))!.cells[COURSE]!;
    expect(assigned).toMatchObject({ assigned: true, overdue: true });
    expect((await rowOf(email, LEADER, `?course=${COURSE}&status=overdue`))?.email).toBe(email);
    await withdrawAssignment(leader, 'leader', assignment.id);
    expect((await rowOf(email))!.cells[COURSE]!.assigned).toBe(false);
  });

  test('an invitation, a deactivation, a role change and a group show at once', async () => {
    const leader = await loadViewer(await userIdByEmail(LEADER));
    const oakfield = await organisationIdByName('Oakfield Primary School');
    await dashboard();
    await inviteMember(leader, oakfield, { name: 'Cache Newcomer', email: 'cache.newcomer@oakfield.example', roles: ['teacher'] });
    expect((await rowOf('cache.newcomer@oakfield.example'))?.joined).toBe(false);

    const { email, userId } = await notStarted();
    expect(await rowOf(email, LEADER, '?role=coach')).toBeUndefined();
    await applyRoster(leader, oakfield, `name,email,roles\n${(await rowOf(email))!.name},${email},"teacher, coach"`);
    expect((await rowOf(email, LEADER, '?role=coach'))?.roles).toEqual(['coach', 'teacher']);

    const groupId = await makeGroup('Oakfield Primary School', 'Cache group', 'coach@oakfield.example', []);
    expect(await rowOf(email, LEADER, `?group=${groupId}`)).toBeUndefined();
    await addGroupMember(leader, groupId, userId);
    expect((await rowOf(email, LEADER, `?group=${groupId}`))?.groups).toContain('Cache group');

    await setMembershipActive(leader, oakfield, userId, false);
    expect(await rowOf(email)).toBeUndefined();
  });

  test("the group filter's member counts and the classroom-practice counts show a write at once", async () => {
    const leader = await loadViewer(await userIdByEmail(LEADER));
    const oakfield = await organisationIdByName('Oakfield Primary School');
    const groupId = await makeGroup('Oakfield Primary School', 'Counted group', 'coach@oakfield.example', []);
    const memberCount = async () => (await dashboard()).groups.find((g) => g.id === groupId)!.memberCount;
    expect(await memberCount()).toBe(0);
    const { userId } = await notStarted();
    await addGroupMember(leader, groupId, userId);
    expect(await memberCount()).toBe(1);

    const planned = async () => (await practiceCounts([oakfield])).byCourse[COURSE]?.planned ?? 0;
    const before = await planned();
    const teacher = await loadViewer(userId);
    await planActionStep(
      teacher,
      { courseSlug: COURSE, moduleSlug: 'first-steps', itemId: 'try-a-routine' },
      { what: 'Counted step', className: '4B', followUpOn: ukDate(new Date(Date.now() + 7 * 86_400_000).toISOString()), successLooksLike: 'It shows on /lead' },
    );
    expect(await planned()).toBe(before + 1);
  });

  test("a person's new name and an organisation's new name show at once", async () => {
    const { email, userId } = await notStarted();
    await updateName(userId, 'Renamed For The Cache');
    expect((await rowOf(email))!.name).toBe('Renamed For The Cache');

    const brookside = await organisationIdByName('Brookside Academy');
    expect((await dashboard(TRUST_LEADER)).bySchool.map((s) => s.organisationName)).toContain('Brookside Academy');
    await updateOrganisation(await loadViewer(await userIdByEmail('admin@kindred.example')), brookside, { name: 'Brookside Renamed', trustId: (await organisationIdByName('Northfield Learning Trust')) });
    const after = await dashboard(TRUST_LEADER);
    expect(after.bySchool.map((s) => s.organisationName)).toContain('Brookside Renamed');
    expect(after.rows.some((r) => r.organisationName === 'Brookside Renamed')).toBe(true);
  });

  test('a school moved out of the trust and back shows at once', async () => {
    const admin = await loadViewer(await userIdByEmail('admin@kindred.example'));
    const trust = await organisationIdByName('Northfield Learning Trust');
    const school = (await dashboard(TRUST_LEADER)).bySchool.find((s) => s.organisationName !== 'Oakfield Primary School')!;
    await updateOrganisation(admin, school.organisationId, { name: school.organisationName, trustId: null });
    expect((await dashboard(TRUST_LEADER)).rows.some((r) => r.organisationId === school.organisationId)).toBe(false);
    await updateOrganisation(admin, school.organisationId, { name: school.organisationName, trustId: trust });
    expect((await dashboard(TRUST_LEADER)).rows.some((r) => r.organisationId === school.organisationId)).toBe(true);
  });

  test.skipIf(Boolean(process.env.DATABASE_URL))("a write by another connection to the SQLite file (a CLI, another process) shows at once", async () => {
    const { email } = await notStarted();
    const other = new SQLite(process.env.DATABASE_PATH!);
    try {
      other.prepare('update users set name = ? where email = ?').run('Renamed Elsewhere', email);
    } finally {
      other.close();
    }
    expect((await rowOf(email))!.name).toBe('Renamed Elsewhere');
  });

  test.skipIf(Boolean(process.env.DATABASE_URL))('requests read other connections’ writes once each, and a later request sees a write the earlier ones could not', async () => {
    const { email } = await notStarted();
    const rename = (name: string) => {
      const other = new SQLite(process.env.DATABASE_PATH!);
      try {
        other.prepare('update users set name = ? where email = ?').run(name, email);
      } finally {
        other.close();
      }
    };
    // Two requests in one turn share a read; both see what was written before they asked.
    rename('Renamed Before Both');
    const [first, second] = await Promise.all([runInRequestScope(() => rowOf(email)), runInRequestScope(() => rowOf(email))]);
    expect([first!.name, second!.name]).toEqual(['Renamed Before Both', 'Renamed Before Both']);
    // Within one request the picture holds still; the next request sees the later write.
    await runInRequestScope(async () => {
      expect((await rowOf(email))!.name).toBe('Renamed Before Both');
      rename('Renamed Between');
      expect((await rowOf(email))!.name).toBe('Renamed Before Both');
    });
    expect((await runInRequestScope(() => rowOf(email)))!.name).toBe('Renamed Between');
  });

  test.skipIf(!process.env.DATABASE_URL)('on PostgreSQL, a write by another app process shows at once', async () => {
    const { email } = await notStarted();
    await renameFromAnotherProcess(email, 'Renamed By Another Process');
    expect((await rowOf(email))!.name).toBe('Renamed By Another Process');
  });
});

describe.skipIf(!process.env.DATABASE_URL)('on PostgreSQL (shared write versions, docs/decisions/022-shared-write-versions.md)', () => {
  test("another process's write inside a transaction shows at once; until then the rows are kept", async () => {
    const { email } = await notStarted();
    const first = await dashboard();
    expect((await dashboard()).rows).toBe(first.rows);
    const otherProcess = openDatabase(process.env.DATABASE_URL!);
    try {
      await otherProcess.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ name: 'Renamed In A Transaction' }).where('email', '=', email).execute();
      });
    } finally {
      await otherProcess.destroy();
    }
    expect((await rowOf(email))!.name).toBe('Renamed In A Transaction');
  });

  test('every table has a write version of its own (a new table needs createWriteVersion in its migration)', async () => {
    const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely\\_%'`.execute(getDb());
    const versions = await readSharedWriteVersions(getDb());
    expect(tables.rows.length).toBeGreaterThan(20);
    expect(tables.rows.map((t) => t.name).filter((name) => !versions!.has(name))).toEqual([]);
    expect(versions!.has(WRITE_VERSION_OF_ANY_TABLE)).toBe(true);
  });

  test('a request reads the shared write versions once, however many kept values it looks at', async () => {
    const count = async (work: () => Promise<unknown>) => {
      const before = getStatementCount();
      await work();
      return getStatementCount() - before;
    };
    expect(await count(() => writeStamp(['users']))).toBe(1);
    expect(await count(() => runInRequestScope(async () => [await writeStamp(['users']), await writeStamp(STAFF_PROGRESS_TABLES), await writeStamp(['sessions'])]))).toBe(1);
  });

  test('requests that ask in the same turn share one read; a request after a write gets a read of its own that sees it', async () => {
    const before = getStatementCount();
    const together = await Promise.all(Array.from({ length: 5 }, () => runInRequestScope(() => writeStamp(['users']))));
    expect(getStatementCount() - before).toBe(1);
    expect(new Set(together).size).toBe(1);
    await renameFromAnotherProcess(LEADER, 'Leader Renamed Elsewhere');
    const after = await runInRequestScope(() => writeStamp(['users']));
    expect(getStatementCount() - before).toBe(2);
    expect(after).not.toBe(together[0]);
  });

  test('an edit made outside Kindred (psql) is seen once the write version of any table is advanced, as the README says', async () => {
    const { email } = await notStarted();
    await rowOf(email);
    const outside = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await outside.connect();
    try {
      await outside.query('update users set name = $1 where email = $2', ['Edited By Hand', email]);
      // Nothing told the processes: they keep what they had.
      expect((await rowOf(email))!.name).not.toBe('Edited By Hand');
      await outside.query("select nextval('write_version__any')");
      expect((await rowOf(email))!.name).toBe('Edited By Hand');
    } finally {
      await outside.end();
    }
  });
});

describe('tables a kept value may lag behind (WriteCache.lagging)', () => {
  const touch = (table: 'module_progress' | 'users') => sql`update ${sql.table(table)} set id = id where id < 0`.execute(getDb());
  const rows: WriteCache = { name: 'test rows', tables: ['users', 'module_progress'], maxEntries: 4, lagging: { tables: ['module_progress'], forMs: 2_000 } };
  const view: WriteCache = { name: 'test view', tables: ['users', 'module_progress'], maxEntries: 4, lagging: { tables: ['module_progress'], forMs: 2_000 } };

  test('after a write to one, the kept value is served for up to forMs, and one fresh value is computed from half that age; a write to another table shows at once', async () => {
    await withStoppedClock(1, async (setClock) => {
      expect(await cachedUntilWrite(rows, 'a', async () => 'first')).toBe('first');
      await touch('module_progress');
      let release: (value: string) => void = () => {};
      const refresh = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
      // Younger than half of forMs: served, and nothing is computed yet.
      setClock(900);
      expect(await cachedUntilWrite(rows, 'a', refresh)).toBe('first');
      expect(refresh).not.toHaveBeenCalled();
      setClock(1_500);
      expect(await cachedUntilWrite(rows, 'a', refresh)).toBe('first');
      expect(await cachedUntilWrite(rows, 'a', refresh)).toBe('first');
      expect(refresh).toHaveBeenCalledTimes(1);
      // Two seconds after it was last known current, the kept value is not served, refresh or not.
      setClock(2_001);
      expect(await cachedUntilWrite(rows, 'a', async () => 'waited for')).toBe('waited for');
      release('refreshed');
      await touch('users');
      expect(await cachedUntilWrite(rows, 'a', async () => 'after users')).toBe('after users');
    });
  });

  test('a value made from a lagging value lags with it, and no longer than it', async () => {
    await withStoppedClock(2, async (setClock) => {
      expect(await cachedUntilWrite(rows, 'b', async () => 'rows 1')).toBe('rows 1');
      await touch('module_progress');
      setClock(1_500);
      const made = () => cachedUntilWrite(view, 'b', async () => `view of ${await cachedUntilWrite(rows, 'b', () => new Promise<string>(() => {}))}`);
      expect(await made()).toBe('view of rows 1');
      setClock(2_001);
      expect(await cachedUntilWrite(view, 'b', async () => 'view made again')).toBe('view made again');
    });
  });
});

describe('values kept under an older stamp', () => {
  const touch = () => sql`update users set id = id where id < 0`.execute(getDb());
  const perPerson: WriteCache = { name: 'test per person', tables: ['users'], maxEntries: 100 };
  const lagging: WriteCache = { name: 'test lagging', tables: ['users', 'module_progress'], maxEntries: 100, lagging: { tables: ['module_progress'], forMs: 2_000 } };

  test('are dropped once a value is computed after a write, unless the cache may lag', async () => {
    for (const key of ['a', 'b', 'c']) await cachedUntilWrite(perPerson, key, async () => key);
    await cachedUntilWrite(lagging, 'a', async () => 'a');
    await cachedUntilWrite(lagging, 'b', async () => 'b');
    expect(keptValueCount(perPerson)).toBe(3);
    // A look that finds its value current keeps the rest.
    expect(await cachedUntilWrite(perPerson, 'a', async () => 'not this')).toBe('a');
    expect(keptValueCount(perPerson)).toBe(3);
    await touch();
    await sql`update module_progress set id = id where id < 0`.execute(getDb());
    expect(await cachedUntilWrite(perPerson, 'd', async () => 'd')).toBe('d');
    expect(keptValueCount(perPerson)).toBe(1);
    // 'b' of the lagging cache may still be served while it lags: it stays.
    expect(await cachedUntilWrite(lagging, 'c', async () => 'c')).toBe('c');
    expect(keptValueCount(lagging)).toBe(3);
    // What was dropped is computed again, and only once.
    expect(await cachedUntilWrite(perPerson, 'a', async () => 'a again')).toBe('a again');
    expect(await cachedUntilWrite(perPerson, 'a', async () => 'not this')).toBe('a again');
    expect(keptValueCount(perPerson)).toBe(2);
  });
});

describe('which writes the cache notices', () => {
  test('each statement is read for the table it writes; anything unclear counts as a write to everything', () => {
    expect(tableWritten('select * from "enrolments"')).toBeNull();
    expect(tableWritten('insert into "module_progress" ("user_id") values (?)')).toBe('module_progress');
    expect(tableWritten('insert or ignore into "enrolments" ("user_id") values (?)')).toBe('enrolments');
    expect(tableWritten('update "memberships" set "deactivated_at" = ? where "id" = ?')).toBe('memberships');
    expect(tableWritten('delete from "group_members" where "group_id" = ?')).toBe('group_members');
    expect(tableWritten('insert into "sessions" ("id") values (?) on conflict do nothing')).toBe('sessions');
    expect(tableWritten('with "x" as (select 1) update "users" set "name" = ?')).toBe('unknown');
    expect(tableWritten('alter table "users" add column "x" text')).toBe('unknown');
    expect(tableWritten('pragma foreign_keys = ON')).toBe('unknown');
  });

  test.skipIf(Boolean(process.env.DATABASE_URL))('a table the progress rows are read from changes only by statements naming it: no cascade from a table outside the list, no trigger', async () => {
    expect(isPostgres(getDb())).toBe(false);
    const file = new SQLite(process.env.DATABASE_PATH!, { readonly: true });
    try {
      const tables: readonly string[] = STAFF_PROGRESS_TABLES;
      const cascadingFromOutside = tables.flatMap((table) =>
        (file.pragma(`foreign_key_list("${table}")`) as { table: string; on_delete: string; on_update: string }[])
          .filter((fk) => [fk.on_delete, fk.on_update].some((action) => action !== 'NO ACTION' && action !== 'RESTRICT') && !tables.includes(fk.table))
          .map((fk) => `${fk.table} -> ${table}`),
      );
      expect(cascadingFromOutside).toEqual([]);
      expect(file.prepare(`select name from sqlite_master where type = 'trigger'`).all()).toEqual([]);
    } finally {
      file.close();
    }
  });
});

describe('the UK month of a completion (the trend charts)', () => {
  test('is the month of the UK date, across summer time and month ends', () => {
    expect(ukMonth('2026-08-31T23:30:00.000Z')).toBe('2026-09'); // 00:30 BST on 1 September
    expect(ukMonth('2026-12-31T23:30:00.000Z')).toBe('2026-12'); // GMT
    expect(ukMonth('2026-03-31T22:59:59.999Z')).toBe('2026-03');
    expect(ukMonth('2026-03-31T23:00:00.000Z')).toBe('2026-04');
    const start = Date.parse('2024-01-01T00:00:00Z');
    for (let i = 0; i < 5000; i += 1) {
      const iso = new Date(start + Math.floor(Math.random() * 3 * 365 * 86_400_000)).toISOString();
      expect(ukMonth(iso), iso).toBe(ukDate(iso).slice(0, 7));
    }
  });
});
