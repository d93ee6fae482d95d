import fs from 'node:fs';
import { migrateToLatest, openDatabase } from '#db/database.server.ts';
import { seedDemoData } from '#db/seed.ts';
import { TEMPLATE_DB, TEST_ROOT } from './paths.ts';

// Migrate and seed one template database; every test file gets its own copy (setup-test-env.ts).
export default async function globalSetup() {
  fs.rmSync(TEST_ROOT, { recursive: true, force: true });
  fs.mkdirSync(TEST_ROOT, { recursive: true });
  const db = openDatabase(TEMPLATE_DB);
  await migrateToLatest(db);
  await seedDemoData(db);
  await db.destroy();
}
