import fs from 'node:fs';
import { migrateToLatest, openDatabase } from '#db/database.server.ts';
import { seedDemoData } from '#db/seed.ts';
import { TEMPLATE_DB, TEST_ROOT } from './paths.ts';
import { databaseUrl, onServer, TEMPLATE_DATABASE } from './postgres.ts';

// Migrate and seed one template database; every test file gets its own copy (setup-test-env.ts).
// With DATABASE_URL the app's own database is a PostgreSQL copy of a PostgreSQL template; the
// SQLite template is made too, for the tests that start a server on a SQLite file of their own.
export default async function globalSetup() {
  fs.rmSync(TEST_ROOT, { recursive: true, force: true });
  fs.mkdirSync(TEST_ROOT, { recursive: true });
  await makeTemplate(TEMPLATE_DB);
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    await onServer(adminUrl, [`drop database if exists ${TEMPLATE_DATABASE} with (force)`, `create database ${TEMPLATE_DATABASE}`]);
    await makeTemplate(databaseUrl(adminUrl, TEMPLATE_DATABASE));
  }
}

async function makeTemplate(target: string): Promise<void> {
  const db = openDatabase(target);
  await migrateToLatest(db);
  await seedDemoData(db);
  await db.destroy();
}
