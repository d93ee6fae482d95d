import { afterAll, describe, expect, test } from 'vitest';
import { getDb } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { runSchedule } from '#app/mail/schedule.server.ts';
import { migrateToLatest, openDatabase, type DB } from '#db/database.server.ts';
import { releaseLease, takeLease } from '#db/leases.ts';
import { seedDemoDataIfEmpty } from '#db/seed.ts';
import { serverDatabase } from '#tests/support/server-database.ts';

// Work that one process at a time should do when several share a database (issue 15): the reminder
// schedule and the demo seed of a new database. Runs on SQLite and, in the PostgreSQL pass, there.

const MINUTE = 60_000;
const opened: DB[] = [];

/** A second handle on this file's database: another pool, as another process would have. */
function anotherHandle(): DB {
  const env = getEnv();
  const db = openDatabase(env.DATABASE_URL ?? env.DATABASE_PATH, { poolSize: 2 });
  opened.push(db);
  return db;
}

afterAll(async () => {
  for (const db of opened) await db.destroy();
});

describe('a lease', () => {
  test('is held by one holder until it expires or is given up; its holder renews it', async () => {
    const db = getDb();
    const at = new Date('2026-12-03T09:00:00.000Z');
    const later = (ms: number) => new Date(at.getTime() + ms);
    expect(await takeLease(db, 'test-job', 'a', MINUTE, at)).toBe(true);
    expect(await takeLease(db, 'test-job', 'b', MINUTE, later(1000))).toBe(false);
    expect(await takeLease(db, 'test-job', 'a', MINUTE, later(30_000))).toBe(true);
    // a renewed it at +30 s for a minute: still a's at +61 s, free at +90 s.
    expect(await takeLease(db, 'test-job', 'b', MINUTE, later(61_000))).toBe(false);
    expect(await takeLease(db, 'test-job', 'b', MINUTE, later(90_000))).toBe(true);
    await releaseLease(db, 'test-job', 'a');
    expect(await takeLease(db, 'test-job', 'a', MINUTE, later(91_000))).toBe(false);
    await releaseLease(db, 'test-job', 'b');
    expect(await takeLease(db, 'test-job', 'a', MINUTE, later(92_000))).toBe(true);
  });

  test('asked for by two connections at the same moment, goes to exactly one of them', async () => {
    const one = getDb();
    const other = anotherHandle();
    for (let round = 0; round < 20; round += 1) {
      const name = `race-${round}`;
      const results = await Promise.all([takeLease(one, name, 'one', MINUTE), takeLease(other, name, 'other', MINUTE)]);
      expect(results.filter(Boolean), `round ${round}`).toHaveLength(1);
    }
  });
});

describe('the reminder schedule', () => {
  test('runs in one process per interval: a second process finds the lease taken and sweeps nothing', async () => {
    expect(await runSchedule('process-a')).not.toBeNull();
    expect(await runSchedule('process-b')).toBeNull();
    // The holder sweeps again when its next turn comes.
    expect(await runSchedule('process-a')).not.toBeNull();
  });
});

describe('the demo seed of a new database', () => {
  test('two processes starting together on an empty database: one seeds, the other starts without seeding', async () => {
    const empty = await serverDatabase({ empty: true });
    await migrateToLatest(empty.db);
    const second = openDatabase(empty.env.DATABASE_URL ?? empty.databasePath, { poolSize: 2 });
    opened.push(second);
    // The demo people only: the activity after them is written through this process's own handle.
    const seeded = await Promise.all([seedDemoDataIfEmpty(empty.db, { activity: false }), seedDemoDataIfEmpty(second, { activity: false })]);
    expect(seeded.filter(Boolean)).toHaveLength(1);
    const admins = await empty.db.selectFrom('users').select('id').where('email', '=', 'admin@kindred.example').execute();
    expect(admins).toHaveLength(1);
    const leases = await empty.db.selectFrom('leases').selectAll().execute();
    expect(leases).toEqual([]);
  });
});
