import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '#db/database.server.ts';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { queueEmails } from '#app/mail/outbox.server.ts';
import { createTestDatabase, dropTestDatabase } from '#tests/setup/postgres.ts';
import { signInOverHttp, startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';
import { serverDatabase } from '#tests/support/server-database.ts';

// Several app processes on one PostgreSQL (issue 15): what one process writes about a person
// (their session, its end) is what the other sees. Runs in the PostgreSQL pass only.
const adminUrl = process.env.KINDRED_TEST_ADMIN_URL;

describe.skipIf(!adminUrl)('two build/server.js processes on one PostgreSQL database', () => {
  let database: { name: string; url: string };
  let servers: RunningServer[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(adminUrl!);
    const env = { DATABASE_URL: database.url, SESSION_SECRET: 'two-processes-share-this-secret-0123456789', COURSES_PATH: 'tests/fixtures/courses', MAIL_POLL_MS: '100' };
    servers = await Promise.all([startBuiltServer({ env }), startBuiltServer({ env })]);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    if (database) await dropTestDatabase(adminUrl!, database.name);
  });

  test('a session made by one process is honoured by the other, and signing out on either ends it on both', async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const cookie = await signInOverHttp(a.url, 'grace.okafor@oakfield.example', DEMO_PASSWORD);
    for (const server of [a, b]) {
      const page = await fetch(`${server.url}/learn`, { redirect: 'manual', headers: { cookie } });
      expect(page.status, server.url).toBe(200);
    }
    const signOut = await fetch(`${b.url}/sign-out`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: b.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(signOut.status).toBe(302);
    for (const server of [a, b]) {
      const page = await fetch(`${server.url}/learn`, { redirect: 'manual', headers: { cookie } });
      expect(page.status, server.url).toBe(302);
    }
  });

  test("what a learner saves through one process is on their page from the other at once, though the other kept the page's data", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const cookie = await signInOverHttp(a.url, 'tom.brennan@oakfield.example', DEMO_PASSWORD);
    const page = (server: RunningServer) => fetch(`${server.url}/courses/sample-course/first-steps`, { headers: { cookie } }).then(async (response) => ({ status: response.status, html: await response.text() }));
    for (let look = 0; look < 3; look += 1) for (const server of [a, b]) expect((await page(server)).status).toBe(200);
    for (const [server, body] of [[a, 'Saved through the first process'], [b, 'Then through the second']] as const) {
      const save = await fetch(`${server.url}/courses/sample-course/first-steps`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ intent: 'reflection', itemId: 'first-thoughts', body }) });
      expect(save.status).toBe(302);
      for (const reader of [a, b]) expect((await page(reader)).html, reader.url).toContain(body);
    }
  });

  test('both mail workers send from one outbox: every message written exactly once by one of them', async () => {
    const db = openDatabase(database.url);
    try {
      const at = new Date().toISOString();
      await queueEmails(db, Array.from({ length: 40 }, (_, i) => ({ template: 'password-changed' as const, toUserId: null, toAddress: `twice-${i}@example.org`, toName: `Person ${i}`, params: { at } })));
      const deadline = Date.now() + 30_000;
      const pending = async () => (await db.selectFrom('outbox').select('id').where('to_address', 'like', 'twice-%').where('status', '!=', 'sent').execute()).length;
      while ((await pending()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await pending()).toBe(0);
      const written = servers.map((server) => fs.readdirSync(path.join(path.dirname(server.databasePath), 'outbox')).filter((name) => name.endsWith('.eml')));
      const ours = written.map((names, i) => names.filter((name) => fs.readFileSync(path.join(path.dirname(servers[i]!.databasePath), 'outbox', name), 'utf8').includes('twice-')));
      expect(ours[0]!.length + ours[1]!.length).toBe(40);
      expect(new Set([...ours[0]!, ...ours[1]!]).size).toBe(40);
    } finally {
      await db.destroy();
    }
  });

  test('two processes starting together on a new, empty database both start, and one of them seeds the demo data', { timeout: 240_000 }, async () => {
    const empty = await serverDatabase({ empty: true });
    const env = { ...empty.env, SESSION_SECRET: 'two-processes-share-this-secret-0123456789', MAIL_WORKER: 'off' };
    // Each with its own folder (course cache, outbox files); the demo activity needs the real courses.
    const pair = await Promise.all([startBuiltServer({ databasePath: empty.databasePath, env, timeoutMs: 200_000 }), startBuiltServer({ databasePath: tempDatabasePath(), env, timeoutMs: 200_000 })]);
    try {
      const seeders = pair.filter((server) => server.output().includes('The database was empty, so it now holds the demo data'));
      expect(seeders).toHaveLength(1);
      const admins = await empty.db.selectFrom('users').select('id').where('email', '=', 'admin@kindred.example').execute();
      expect(admins).toHaveLength(1);
      for (const server of pair) expect((await fetch(`${server.url}/healthz`)).status, server.url).toBe(200);
    } finally {
      await Promise.all(pair.map((server) => server.stop()));
    }
  });
});
