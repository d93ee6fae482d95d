import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, vi } from 'vitest';
import { closeDb } from '#app/utils/db.server.ts';
import { TEMPLATE_DB, TEST_COURSES, TEST_ROOT } from './paths.ts';
import { removeServerDatabases } from '#tests/support/server-database.ts';
import { createTestDatabase, dropTestDatabase } from './postgres.ts';

// A fresh copy of the migrated, seeded template for this test file: cheap, and isolated.
const databasePath = path.join(TEST_ROOT, `${crypto.randomUUID()}.db`);
fs.copyFileSync(TEMPLATE_DB, databasePath);
process.env.DATABASE_PATH = databasePath;
// On PostgreSQL (DATABASE_URL names the test cluster) the file gets its own database instead.
const adminUrl = process.env.KINDRED_TEST_ADMIN_URL ?? process.env.DATABASE_URL;
const testDatabase = adminUrl ? await createTestDatabase(adminUrl) : null;
if (adminUrl && testDatabase) {
  process.env.KINDRED_TEST_ADMIN_URL = adminUrl;
  process.env.DATABASE_URL = testDatabase.url;
}
process.env.NODE_ENV = 'test';
process.env.COURSES_PATH ??= TEST_COURSES;
process.env.CONTENT_CACHE_PATH = path.join(TEST_ROOT, `cache-${crypto.randomUUID()}`);
process.env.SESSION_SECRET = 'test-secret-that-is-at-least-32-characters-long';

beforeEach(() => {
  // A console.error is a bug until proven otherwise: fail the test that caused it.
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    throw new Error(`console.error was called: ${args.map(String).join(' ')}`);
  });
});

afterAll(async () => {
  await closeDb();
  await removeServerDatabases();
  if (adminUrl && testDatabase) await dropTestDatabase(adminUrl, testDatabase.name);
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(databasePath + suffix, { force: true });
});
