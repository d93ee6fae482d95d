import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { runServerExpectingExit, signInOverHttp, startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';
import { organisationIdIn, serverDatabase, userIdByEmailIn, type ServerDatabase } from '#tests/support/server-database.ts';
import { headerOf, linkIn, startTestSmtp, type ReceivedMail, type TestSmtp } from '#tests/support/smtp.ts';

// Email end to end: the built server sends to a real SMTP server in the test, and the links in
// what arrives work against that server.

let smtp: TestSmtp;
let server: RunningServer;
let database: ServerDatabase;

const TEACHER = 'grace.okafor@oakfield.example';
const NEW_PASSWORD = 'a brand new passphrase for grace';

beforeAll(async () => {
  smtp = await startTestSmtp();
  database = await serverDatabase();
  server = await startBuiltServer({ database, env: { SMTP_URL: smtp.url, MAIL_FROM: 'Kindred <cpd@kindred.example.org>', MAIL_POLL_MS: '100', COURSES_PATH: 'tests/fixtures/courses' } });
});

afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

async function mailFor(address: string, subject: string, timeoutMs = 15_000): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = smtp.received.find((m) => m.envelopeTo.includes(address) && m.parsed.subject === subject);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no "${subject}" for ${address}; got ${smtp.received.map((m) => `${m.envelopeTo[0]}: ${m.parsed.subject}`).join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(server.url + path, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...headers }, body: new URLSearchParams(fields) });
}

describe('password reset by email', () => {
  test('the same answer for a known and an unknown address; an email only to the known one; the link sets a password and ends every session', async () => {
    const oldSession = await signInOverHttp(server.url, TEACHER, DEMO_PASSWORD);
    const page = await fetch(`${server.url}/sign-in`);
    expect(await page.text()).toContain('href="/forgot-password"');

    const timed = async (email: string) => {
      const started = performance.now();
      const response = await post('/forgot-password', { email });
      return { status: response.status, body: (await response.text()).replaceAll(email, 'EMAIL'), ms: performance.now() - started };
    };
    const unknown = await timed('no.such.person@oakfield.example');
    const known = await timed(TEACHER);
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(known.body.replace(/nonce="[^"]+"/g, '')).toBe(unknown.body.replace(/nonce="[^"]+"/g, ''));
    expect(Math.abs(known.ms - unknown.ms)).toBeLessThan(250);

    const mail = await mailFor(TEACHER, 'Reset your Kindred password');
    expect(mail.parsed.html).toContain('<html lang="en-GB">');
    expect(headerOf(mail, 'List-Unsubscribe')).toBeNull();
    const link = linkIn(mail, `${server.url}/reset-password/`);
    expect(mail.parsed.html).toContain(`href="${link}"`);

    const form = await fetch(link);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Choose a new password');
    const mismatch = await post(new URL(link).pathname, { password: NEW_PASSWORD, confirmPassword: 'something else entirely' });
    expect(mismatch.status).toBe(400);
    const saved = await post(new URL(link).pathname, { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    expect(saved.status).toBe(302);
    expect(saved.headers.get('location')).toBe('/sign-in?reset=1');

    // Every session ended; the new password works, the old one does not; the link works once.
    const stale = await fetch(`${server.url}/learn`, { redirect: 'manual', headers: { cookie: oldSession } });
    expect(stale.headers.get('location')).toMatch(/^\/sign-in/);
    await signInOverHttp(server.url, TEACHER, NEW_PASSWORD);
    await expect(signInOverHttp(server.url, TEACHER, DEMO_PASSWORD)).rejects.toThrow(/failed with 401/);
    expect((await fetch(link)).status).toBe(410);

    await mailFor(TEACHER, 'Your Kindred password was changed');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.received.filter((m) => m.envelopeTo.includes('no.such.person@oakfield.example'))).toEqual([]);
  });
});

describe('one-click unsubscribe', () => {
  test('the List-Unsubscribe URL works signed out: GET changes nothing, the RFC 8058 POST turns the emails off', async () => {
    // A leader assigns a course to a teacher over HTTP; that email is optional, so it carries the header.
    const { db } = database;
    const teacherId = await userIdByEmailIn(db, 'teacher@oakfield.example');
    const oakfield = await organisationIdIn(db, 'Oakfield Primary School');
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const assigned = await post('/lead/assignments', { intent: 'assign', course: 'sample-course', target: `person:${teacherId}:${oakfield}`, dueDate: '' }, { cookie: leader });
    expect(assigned.status).toBeLessThan(400);
    const mail = await mailFor('teacher@oakfield.example', 'New course to complete: Sample course');
    expect(mail.parsed.text).toContain('Dear Amina Khan,');
    const url = /<([^>]+)>/.exec(headerOf(mail, 'List-Unsubscribe') ?? '')![1]!;
    expect(headerOf(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const userId = Number(new URL(url).pathname.split('/').pop()!.split('.')[0]);
    const preference = () => db.selectFrom('email_preferences').select('assignments').where('user_id', '=', userId).executeTakeFirst();
    const confirm = await fetch(url);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('<form method="post"');
    expect(await preference()).toBeUndefined();
    // As a mail provider sends it: no cookie, no Origin.
    const oneClick = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await preference()).toEqual({ assignments: 0 });
  });
});

describe('configuration', () => {
  test('an SMTP_URL that is not smtp:// or smtps:// stops the server with one line', async () => {
    const { code, output } = await runServerExpectingExit({ SMTP_URL: 'http://mail.example.org', DATABASE_PATH: tempDatabasePath() });
    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration: SMTP_URL: must start with smtp:// or smtps://');
  });

  test('with SMTP_URL there is no local outbox page', async () => {
    expect((await fetch(`${server.url}/dev/outbox`)).status).toBe(404);
  });
});

describe('without SMTP_URL', () => {
  test('email goes to .eml files that /dev/outbox lists with working links; production has no such page', async () => {
    const local = await startBuiltServer({ database: await serverDatabase(), env: { MAIL_POLL_MS: '100', COURSES_PATH: 'tests/fixtures/courses' } });
    try {
      expect((await post2(local, '/forgot-password', { email: 'teacher@brookside.example' })).status).toBe(200);
      let listing = '';
      for (let i = 0; i < 100 && !listing.includes('Reset your Kindred password'); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        listing = await (await fetch(`${local.url}/dev/outbox`)).text();
      }
      expect(listing).toContain('Reset your Kindred password');
      const messagePath = /href="(\/dev\/outbox\/\d{8})"[^>]*>Reset your Kindred password/.exec(listing)?.[1];
      expect(messagePath).toBeDefined();
      const message = await (await fetch(local.url + messagePath!)).text();
      const link = new RegExp(`href="(${local.url}/reset-password/[^"]+)"`).exec(message)?.[1];
      expect(link).toBeDefined();
      expect((await fetch(link!)).status).toBe(200);
    } finally {
      await local.stop();
    }
    const production = await startBuiltServer({ database: await serverDatabase(), env: { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), COURSES_PATH: 'tests/fixtures/courses' } });
    try {
      expect((await fetch(`${production.url}/dev/outbox`)).status).toBe(404);
    } finally {
      await production.stop();
    }
  });
});

describe('a silent SMTP server', () => {
  test('never slows a page: the reset request answers at its usual pace while the worker waits', async () => {
    // Accepts connections and never says a word.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const stuck = await startBuiltServer({ database: await serverDatabase(), env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_POLL_MS: '100', COURSES_PATH: 'tests/fixtures/courses' } });
    try {
      for (let i = 0; i < 3; i += 1) {
        const started = performance.now();
        const response = await post2(stuck, '/forgot-password', { email: 'teacher@oakfield.example' });
        expect(response.status).toBe(200);
        expect(performance.now() - started).toBeLessThan(1500);
      }
      const started = performance.now();
      expect((await fetch(`${stuck.url}/courses`)).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      // A stuck send does not hold up a clean shutdown either.
      expect(await stuck.stop('SIGTERM')).toBe(0);
      silent.close();
    }
  });
});

function post2(target: RunningServer, path: string, fields: Record<string, string>) {
  return fetch(target.url + path, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: target.url }, body: new URLSearchParams(fields) });
}
