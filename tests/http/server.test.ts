import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { hashPassword } from '#app/auth/password.server.ts';
import { TEMPLATE_DB } from '#tests/setup/paths.ts';
import { runServerExpectingExit, signInOverHttp, startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';
import { serverDatabase, testClusterUrl } from '#tests/support/server-database.ts';

let server: RunningServer;

beforeAll(async () => {
  server = await startBuiltServer({ database: await serverDatabase() });
});

afterAll(async () => {
  await server?.stop();
});

function form(fields: Record<string, string>, origin?: string, cookie?: string): RequestInit {
  return {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}), ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields),
  };
}

describe('over HTTP', () => {
  test('the session cookie is HttpOnly, SameSite=Lax, and changes at every sign-in', async () => {
    const response = await fetch(`${server.url}/sign-in`, form({ email: 'teacher@oakfield.example', password: DEMO_PASSWORD }, server.url));
    expect(response.status).toBe(302);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^kindred_session=[A-Za-z0-9_-]{22};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    const again = await signInOverHttp(server.url, 'teacher@oakfield.example', DEMO_PASSWORD);
    expect(again).not.toBe(cookie.split(';')[0]);
  });

  test('every page carries the security headers and a CSP nonce that matches its scripts', async () => {
    const cookie = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    for (const [pathname, withCookie] of [['/sign-in', false], ['/learn', true], ['/lead/people', true], ['/no-such-page', false]] as const) {
      const response = await fetch(server.url + pathname, { headers: withCookie ? { cookie } : {} });
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      const html = await response.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    }
  });

  test('a nonce is new for every request', async () => {
    const a = (await fetch(`${server.url}/sign-in`)).headers.get('content-security-policy');
    const b = (await fetch(`${server.url}/sign-in`)).headers.get('content-security-policy');
    expect(a).not.toBe(b);
  });

  test('a POST from another origin is refused and changes nothing', async () => {
    const cookie = await signInOverHttp(server.url, 'grace.okafor@oakfield.example', DEMO_PASSWORD);
    const forged = await fetch(`${server.url}/account`, form({ intent: 'name', name: 'Hacked' }, 'https://evil.example', cookie));
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/another website/);
    const viaFetchMetadata = await fetch(`${server.url}/sign-out`, { ...form({}, undefined, cookie), headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expect(viaFetchMetadata.status).toBe(403);
    const page = await (await fetch(`${server.url}/account`, { headers: { cookie } })).text();
    expect(page).not.toContain('Hacked');
    expect(page).toContain('Grace Okafor');
    const sameOrigin = await fetch(`${server.url}/account`, form({ intent: 'name', name: 'Grace O. Okafor' }, server.url, cookie));
    expect(sameOrigin.status).toBe(302);
  });

  test('after a change of name, the page the form redirects to already shows the new name, and says it is saved', async () => {
    const cookie = await signInOverHttp(server.url, 'hannah.lewis@oakfield.example', DEMO_PASSWORD);
    const response = await fetch(`${server.url}/account`, form({ intent: 'name', name: 'Hannah Lewis-Brown' }, server.url, cookie));
    expect(response.status).toBe(302);
    const flash = response.headers.getSetCookie().find((c) => c.startsWith('kindred_flash='))!.split(';')[0]!;
    const html = await (await fetch(`${server.url}${response.headers.get('location')}`, { headers: { cookie: `${cookie}; ${flash}` } })).text();
    expect(html).toContain('<span class="muted">Hannah Lewis-Brown</span>');
    expect(html).toContain('Your name is saved.');
  });

  test('the 6th failed sign-in from one address gets a 429 page that says when to try again', async () => {
    const attempt = () => fetch(`${server.url}/sign-in`, form({ email: 'kwame.mensah@oakfield.example', password: 'definitely wrong' }, server.url));
    for (let i = 0; i < 5; i += 1) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toMatch(/try again after \d\d:\d\d/);
  });

  test('a request body over the limit gets 413', async () => {
    const response = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: 'email=' + 'a'.repeat(3 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    // Without a Content-Length (chunked), the same: the client gets the answer, not a reset.
    const payload = new TextEncoder().encode('email=' + 'a'.repeat(3 * 1024 * 1024));
    const chunked = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: new ReadableStream({ start: (controller) => { controller.enqueue(payload); controller.close(); } }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  test('unknown pages get the 404 page; /healthz checks the database', async () => {
    const missing = await fetch(`${server.url}/nothing/here`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Page not found');
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
  });

  test('built assets are cached for a year as immutable; pages are never stored', async () => {
    const page = await fetch(`${server.url}/sign-in`);
    const html = await page.text();
    expect(page.headers.get('cache-control')).toMatch(/no-store/);
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(1);
    for (const asset of assets) {
      const response = await fetch(server.url + asset);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
      await response.arrayBuffer();
    }
  });

  test('pages, data and assets are compressed with brotli or gzip when the browser accepts it', async () => {
    const http = await import('node:http');
    const zlib = await import('node:zlib');
    const raw = (pathname: string, encoding: string, cookie?: string) =>
      new Promise<{ encoding: string | undefined; vary: string | undefined; body: Buffer }>((resolve, reject) => {
        http.get(`${server.url}${pathname}`, { headers: { 'accept-encoding': encoding, ...(cookie ? { cookie } : {}) } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve({ encoding: response.headers['content-encoding'], vary: response.headers.vary, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
    const plain = await raw('/courses', 'identity');
    expect(plain.encoding).toBeUndefined();
    const brotli = await raw('/courses', 'br');
    expect(brotli.encoding).toBe('br');
    expect(brotli.vary).toMatch(/Accept-Encoding/i);
    const withoutNonces = (html: string) => html.replace(/nonce="[^"]+"/g, 'nonce=""').replace(/"nonce":"[^"]+"/g, '');
    expect(withoutNonces(zlib.brotliDecompressSync(brotli.body).toString())).toBe(withoutNonces(plain.body.toString()));
    expect(brotli.body.length).toBeLessThan(plain.body.length / 2);
    const gzip = await raw('/courses', 'gzip');
    expect(gzip.encoding).toBe('gzip');
    expect(zlib.gunzipSync(gzip.body).toString()).toContain('</html>');
    // A page kept from an earlier request goes out gzip-compressed as it was kept
    // (docs/decisions/025-kept-pages-compressed.md), brotli only to a browser without gzip.
    const learner = await signInOverHttp(server.url, 'teacher@oakfield.example', DEMO_PASSWORD);
    const modulePath = '/courses/closing-the-gap/who-counts';
    const first = await raw(modulePath, 'identity', learner);
    for (const accepted of ['gzip, deflate, br', 'gzip, deflate, br, zstd']) {
      const kept = await raw(modulePath, accepted, learner);
      expect(kept.encoding).toBe('gzip');
      expect(kept.vary).toMatch(/Accept-Encoding/i);
      const page = zlib.gunzipSync(kept.body).toString();
      expect(withoutNonces(page).replace(/[A-Za-z0-9_-]{22}-\d+/g, 'TOKEN')).toBe(withoutNonces(first.body.toString()).replace(/[A-Za-z0-9_-]{22}-\d+/g, 'TOKEN'));
      expect(page).not.toContain(first.body.toString().match(/nonce="([^"]+)"/)![1]);
    }
    expect((await raw(modulePath, 'br', learner)).encoding).toBe('br');
    // Single fetch's data (turbo-stream) and a CSV export, as the browser asks for them.
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    for (const [pathname, expected] of [
      ['/lead.data', '"routes/lead._index"'],
      ['/lead/export.csv', 'Name'],
    ] as const) {
      const answer = await raw(pathname, 'br, gzip', leader);
      expect(answer.encoding, pathname).toBe('br');
      expect(zlib.brotliDecompressSync(answer.body).toString(), pathname).toContain(expected);
    }
  });

  // The route manifest inlined in a page is kept per path and matched routes (patches/@remix-run+react):
  // pages read one after another, and again, each name their own routes and their parents' only.
  test('each page inlines the manifest of its own routes, however often pages are read in turn', async () => {
    const cookie = await signInOverHttp(server.url, 'teacher@oakfield.example', DEMO_PASSWORD);
    const manifestRoutes = async (pathname: string) => {
      const html = await (await fetch(`${server.url}${pathname}`, { headers: { cookie } })).text();
      const json = /window\.__remixManifest = (\{[\s\S]*?\n\});/.exec(html)?.[1];
      expect(json, pathname).toBeDefined();
      return Object.keys((JSON.parse(json!) as { routes: Record<string, unknown> }).routes).sort();
    };
    const pages = {
      '/courses/closing-the-gap/the-attainment-gap': ['root', 'routes/_index', 'routes/courses.$course.$module', 'routes/courses.$course._index', 'routes/courses._index'],
      '/learn/cpd': ['root', 'routes/_index', 'routes/learn.cpd._index', 'routes/learn._index'],
    };
    for (let round = 0; round < 2; round += 1) {
      for (const [pathname, routes] of Object.entries(pages)) expect(await manifestRoutes(pathname), pathname).toEqual(routes.sort());
    }
  });

  test('a malformed session cookie is treated as signed out', async () => {
    const response = await fetch(`${server.url}/learn`, { redirect: 'manual', headers: { cookie: 'kindred_session=<script>' } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^\/sign-in/);
  });
});

describe('starting and stopping', () => {
  test('an unwritable DATABASE_PATH stops the server with one line naming the path', async () => {
    const blocker = tempDatabasePath();
    fs.writeFileSync(blocker, 'a file where a folder should be');
    const databasePath = path.join(blocker, 'kindred.db');
    const { code, output } = await runServerExpectingExit({ PORT: '3999', DATABASE_PATH: databasePath });
    expect(code).not.toBe(0);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(databasePath);
  });

  test('a bad PORT stops the server with one line naming it', async () => {
    const { code, output } = await runServerExpectingExit({ PORT: 'eighty' });
    expect(code).toBe(1);
    expect(output.trim()).toMatch(/^Invalid configuration: PORT: [^\n]+$/);
  });

  test('production requires SESSION_SECRET, and then sends Secure cookies and HSTS', async () => {
    const refused = await runServerExpectingExit({ NODE_ENV: 'production', PORT: '3998', DATABASE_PATH: tempDatabasePath() });
    expect(refused.output.trim()).toBe('Invalid configuration: SESSION_SECRET: is required in production (32 characters or more)');
    // And a credential signing key: a production server never makes its own.
    const noKey = await runServerExpectingExit({ NODE_ENV: 'production', PORT: '3998', DATABASE_PATH: tempDatabasePath(), SESSION_SECRET: 'x'.repeat(40) });
    expect(noKey.code).toBe(1);
    expect(noKey.output.trim().split('\n').at(-1)).toBe('Invalid configuration: CREDENTIAL_SIGNING_KEY: is required in production (a private Ed25519 JWK; the README says how to make one)');
    const database = await serverDatabase();
    // The published demo password opens nothing in production (tests/http/hardening.test.ts): use another.
    await database.db.updateTable('users').set({ password_hash: await hashPassword('copper kettle under moonlight') }).where('email', '=', 'teacher@oakfield.example').execute();
    const production = await startBuiltServer({ database, env: { NODE_ENV: 'production' } });
    try {
      const response = await fetch(`${production.url}/sign-in`, form({ email: 'teacher@oakfield.example', password: 'copper kettle under moonlight' }, production.url));
      expect(response.headers.get('set-cookie')).toMatch(/; Secure/);
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    } finally {
      await production.stop();
    }
  });

  // About the SQLite file itself (its WAL and integrity); PostgreSQL's shutdown is its own.
  test.skipIf(testClusterUrl())('SIGTERM closes the database cleanly: exit 0 and no WAL left behind', async () => {
    const own = await startBuiltServer({ databasePath: tempDatabasePath(TEMPLATE_DB) });
    await signInOverHttp(own.url, 'teacher@oakfield.example', DEMO_PASSWORD);
    expect(await own.stop('SIGTERM')).toBe(0);
    expect(own.output()).toContain('closing the database');
    // Closing the last connection checkpoints the WAL into the main file and removes it.
    expect(fs.existsSync(`${own.databasePath}-wal`)).toBe(false);
    const db = new SQLite(own.databasePath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
