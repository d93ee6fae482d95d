import { afterAll, expect, test } from 'vitest';
import { startBuiltServer, type RunningServer } from '#tests/support/server.ts';
import { serverDatabase, userIdByEmailIn } from '#tests/support/server-database.ts';

// The retention sweep runs inside the built server on its own, with nobody asking.

let server: RunningServer | undefined;

afterAll(async () => {
  await server?.stop();
});

test('the server erases people deactivated longer than their organisation keeps them', async () => {
  const database = await serverDatabase();
  const { db } = database;
  const person = await userIdByEmailIn(db, 'tom.brennan@oakfield.example');
  await db.updateTable('organisations').set({ retention_months: 6 }).where('name', '=', 'Oakfield Primary School').execute();
  await db
    .updateTable('memberships')
    .set({ deactivated_at: new Date(Date.now() - 200 * 86_400_000).toISOString() })
    .where('user_id', '=', person)
    .execute();

  server = await startBuiltServer({ database, env: { RETENTION_SWEEP_MS: '1000', MAIL_WORKER: 'off' } });
  const erasedAt = async () => (await db.selectFrom('users').select('erased_at').where('id', '=', person).executeTakeFirstOrThrow()).erased_at;
  const deadline = Date.now() + 15_000;
  while ((await erasedAt()) === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  expect(await erasedAt()).not.toBeNull();
});
