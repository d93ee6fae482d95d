// npm run db:migrate | db:seed | db:backup -- FILE
import { backupDatabase, migrateToLatest } from './database.server.ts';
import { seedDemoData, seedDemoDataIfEmpty } from './seed.ts';
import { LARGE_TRUST, seedLarge } from './seed-large.ts';
import { closeDb, describeDatabase, getDb } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';

async function run(command: string | undefined, args: string[]): Promise<string> {
  // The database commands never use the session secret; production should not need it to take a backup.
  process.env.SESSION_SECRET ||= 'not-used-by-the-database-commands-0000000000';
  const env = getEnv();
  const db = getDb();
  const where = describeDatabase(env);
  switch (command) {
    case 'migrate': {
      const applied = await migrateToLatest(db);
      return applied.length ? `Applied ${applied.join(', ')} to ${where}` : `Already up to date: ${where}`;
    }
    case 'seed': {
      await migrateToLatest(db);
      if (args.includes('--large')) {
        const staffArg = args[args.indexOf('--staff') + 1];
        const staff = args.includes('--staff') ? Number(staffArg) : 2000;
        if (!Number.isInteger(staff) || staff < LARGE_TRUST.schools * 2) throw new Error(`--staff needs a whole number of at least ${LARGE_TRUST.schools * 2}`);
        const started = Date.now();
        const { people, completions } = await seedLarge(db, staff);
        return `Loaded ${LARGE_TRUST.name}: ${LARGE_TRUST.schools} schools, ${people} staff, ${completions} completed courses, in ${((Date.now() - started) / 1000).toFixed(1)} s. Trust leader: trust.leader@${LARGE_TRUST.domain}.`;
      }
      if (args.includes('--force')) {
        await seedDemoData(db);
        return 'Loaded the demo data.';
      }
      return (await seedDemoDataIfEmpty(db)) ? 'Loaded the demo data.' : 'The database already has people in it; nothing loaded (use --force to add the demo data anyway).';
    }
    case 'backup': {
      const file = args[0];
      if (env.DATABASE_URL) throw new Error('db:backup copies SQLite files only; on PostgreSQL use pg_dump: pg_dump --format=custom --file=kindred.dump "$DATABASE_URL" (README, Backups).');
      if (!file) throw new Error('Say where to write the backup: npm run db:backup -- FILE');
      const written = await backupDatabase(db, file);
      return `Backed up ${where} to ${written}`;
    }
    default:
      throw new Error(`Unknown command "${command ?? ''}": use migrate, seed or backup`);
  }
}

run(process.argv[2], process.argv.slice(3))
  .then(async (message) => {
    await closeDb();
    console.log(message);
  })
  .catch(async (error: unknown) => {
    await closeDb().catch(() => undefined);
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
