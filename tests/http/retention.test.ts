import SQLite from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { TEMPLATE_DB } from '#tests/setup/paths.ts';
import { startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';

// The retention sweep runs inside the built server on its own, with nobody asking.

let server: RunningServer | undefined;

afterAll(async () => {
  await server?.stop();
});

test('the server erases people deactivated longer than their organisation keeps them', async () => {
  const databasePath = tempDatabasePath(TEMPLATE_DB);
  const db = new SQLite(databasePath);
  const person = (db.prepare("select id from users where email = 'tom.brennan@oakfield.example'").get() as { id: number }).id;
  db.prepare("update organisations set retention_months = 6 where name = 'Oakfield Primary School'").run();
  db.prepare('update memberships set deactivated_at = ? where user_id = ?').run(new Date(Date.now() - 200 * 86_400_000).toISOString(), person);
  db.close();

  server = await startBuiltServer({ databasePath, env: { RETENTION_SWEEP_MS: '1000', MAIL_WORKER: 'off' } });
  const erasedAt = async () => {
    const check = new SQLite(databasePath, { readonly: true });
    try {
      return (check.prepare('select erased_at from users where id = ?').get(person) as { erased_at: string | null }).erased_at;
    } finally {
      check.close();
    }
  };
  const deadline = Date.now() + 15_000;
  while ((await erasedAt()) === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  expect(await erasedAt()).not.toBeNull();
});
