import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { serverDatabase, type ServerDatabase } from '#tests/support/server-database.ts';
import { signInOverHttp, startBuiltServer, type RunningServer } from '#tests/support/server.ts';

// The server bundle (build/server.js) starts each request's scope; the Remix build's loaders read
// it. Each bundle carries its own copy of the app's modules, so state they share must be one per
// process (app/utils/singleton.server.ts). When it was not, every loader of a page looked the
// session up again, and a trust leader's page read the trust's schools three times.

let server: RunningServer;
let database: ServerDatabase;
let cookie: string;

beforeAll(async () => {
  database = await serverDatabase();
  // Every statement is logged, with its SQL.
  server = await startBuiltServer({ database, env: { SLOW_QUERY_MS: '0' } });
  cookie = await signInOverHttp(server.url, 'trust.leader@northfield.example', DEMO_PASSWORD);
});

afterAll(async () => {
  await server?.stop();
});

/** The SQL statements the server logged while `path` was read. */
async function statementsFor(path: string): Promise<string[]> {
  // Earlier requests' statements (and the mail worker's) are logged first.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = server.output().length;
  const response = await fetch(`${server.url}${path}`, { headers: { cookie } });
  expect(response.status).toBe(200);
  await response.text();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return server
    .output()
    .slice(before)
    .split('\n')
    .filter((line) => line.startsWith('[db]') && !line.includes('"outbox"') && !line.includes('"leases"'));
}

describe('one request scope for the whole process', () => {
  test('a page whose loaders all ask who is signed in looks the session up at most once', async () => {
    for (const path of ['/courses/closing-the-gap/who-counts', '/lead']) {
      await statementsFor(path);
      const statements = await statementsFor(path);
      expect(statements.filter((s) => s.includes('from "sessions"')).length, path).toBeLessThanOrEqual(1);
      expect(statements.filter((s) => s.includes('from "memberships" as "m" inner join "organisations"')).length, path).toBeLessThanOrEqual(1);
    }
  });

  test("a trust leader's page reads the trust's schools once", async () => {
    const statements = await statementsFor('/lead');
    expect(statements.filter((s) => s.includes('where "trust_id" in'))).toHaveLength(1);
  });
});
