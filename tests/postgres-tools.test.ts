import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, test } from 'vitest';
import { copyDatabase } from '#db/copy.ts';
import { openDatabase } from '#db/database.server.ts';
import { findPublicCertificate, generateCertificateCode } from '#app/models/certificates.server.ts';
import { closeDb, getDb } from '#app/utils/db.server.ts';
import { TEMPLATE_DB, TEST_ROOT } from '#tests/setup/paths.ts';
import { databaseUrl, dropTestDatabase, onServer } from '#tests/setup/postgres.ts';

// Moving house and backups on PostgreSQL (issue 15): only meaningful with a PostgreSQL server, so it runs in the second,
// PostgreSQL pass of the suite (scripts/pg-test-cluster.sh), and is skipped on SQLite alone.
const adminUrl = process.env.KINDRED_TEST_ADMIN_URL;
const emptyName = `kindred_copy_${process.pid}_${Date.now()}`;
if (adminUrl) {
  await onServer(adminUrl, [`create database ${emptyName}`]);
  // This file's app database is the copy's target, so the app's own code reads what was copied.
  process.env.DATABASE_URL = databaseUrl(adminUrl, emptyName);
  afterAll(async () => {
    await closeDb();
    await dropTestDatabase(adminUrl, emptyName);
  });
}

describe.skipIf(!adminUrl)('db:copy from SQLite into an empty PostgreSQL database', () => {
  test('copies every row with its id, counts match, certificates still verify, and new rows get fresh ids', async () => {
    const target = process.env.DATABASE_URL!;
    const sourcePath = path.join(TEST_ROOT, `copy-source-${process.pid}.db`);
    fs.copyFileSync(TEMPLATE_DB, sourcePath);
    const source = openDatabase(sourcePath);
    try {
      // Two certificates, one with fractional hours, so the copy has codes to keep.
      const learner = await source.selectFrom('users').select(['id', 'name']).orderBy('id').executeTakeFirstOrThrow();
      for (const [course, hours] of [['moving-house', 1.5], ['second-course', 2]] as const) {
        await source.insertInto('certificates').values({ code: generateCertificateCode(), user_id: learner.id, course_slug: course, course_title: 'Moving house', content_version: '1', cpd_hours: hours, learner_name: learner.name, organisation_id: null, organisation_name: 'Somewhere', completed_at: new Date().toISOString() }).execute();
      }
      const report = await copyDatabase(sourcePath, target);
      for (const table of ['users', 'organisations', 'memberships', 'certificates', 'enrolments', 'audit_log']) {
        const { n } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(source).then((r) => r.rows[0]!);
        expect(report.tables.find((t) => t.table === table)?.rows, table).toBe(n);
      }
      const certificates = await source.selectFrom('certificates').select(['id', 'code', 'learner_name', 'cpd_hours']).orderBy('id').execute();
      expect(certificates.length).toBe(2);
      for (const certificate of certificates) {
        const found = await findPublicCertificate(certificate.code);
        expect(found?.learnerName).toBe(certificate.learner_name);
        expect(found?.cpdHours).toBe(certificate.cpd_hours);
      }
      const copied = await getDb().selectFrom('certificates').select(['id', 'code']).orderBy('id').execute();
      expect(copied).toEqual(certificates.map(({ id, code }) => ({ id, code })));
      // The identity sequences carry on after the copied ids instead of colliding with them.
      const biggest = (await source.selectFrom('organisations').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id;
      const made = await getDb().insertInto('organisations').values({ name: 'After the move', kind: 'school', trust_id: null, created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
      expect(made.id).toBeGreaterThan(Number(biggest));
    } finally {
      await source.destroy();
    }
  });

  test('refuses a database that already has rows, and a target that is not PostgreSQL', async () => {
    await expect(copyDatabase(TEMPLATE_DB, process.env.DATABASE_URL!)).rejects.toThrow(/not empty/);
    await expect(copyDatabase(TEMPLATE_DB, '/tmp/some.db')).rejects.toThrow(/postgres:\/\//);
  });
});

describe.skipIf(!adminUrl)('db:backup on PostgreSQL', () => {
  test('says in one line to use pg_dump and exits non-zero, without a stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'db/cli.ts', 'backup', 'somewhere.db'], { env: { ...process.env, NODE_ENV: 'production' }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/use pg_dump/);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
