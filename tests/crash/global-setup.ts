import fs from 'node:fs';
import { migrateToLatest, openDatabase } from '#db/database.server.ts';
import { seedDemoData } from '#db/seed.ts';
import { CRASH_ROOT, CRASH_TEMPLATE_DB } from './paths.ts';

// Same as tests/setup/global-setup.ts (a migrated, seeded template that every test copies), in
// the suite's own folder. The tests start the built server, so the build must be there.
export default async function globalSetup() {
  if (!fs.existsSync('build/server.js')) throw new Error('build/server.js is missing: run `npm run build` first');
  fs.rmSync(CRASH_ROOT, { recursive: true, force: true });
  fs.mkdirSync(CRASH_ROOT, { recursive: true });
  const db = openDatabase(CRASH_TEMPLATE_DB);
  await migrateToLatest(db);
  await seedDemoData(db);
  await db.destroy();
}
