import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import type { DB } from '#db/database.server.ts';
import { signInOverHttp, startBuiltServer, type RunningServer } from '#tests/support/server.ts';
import { organisationIdIn, queryRows, serverDatabase, userIdByEmailIn, type ServerDatabase } from '#tests/support/server-database.ts';

// Each finding of the hostile review (issue 10), tried again over HTTP against the built server,
// the way it was found. docs/decisions/011-hardening.md says what changed.

let server: RunningServer;
let handle: DB;
const ids: Record<string, number> = {};

async function count(text: string, ...params: unknown[]): Promise<number> {
  return Number((await queryRows<{ n: number }>(handle, text, ...params))[0]!.n);
}

async function firstId(text: string, ...params: unknown[]): Promise<number> {
  return (await queryRows<{ id: number }>(handle, text, ...params))[0]!.id;
}

async function post(path: string, body: Record<string, string> | URLSearchParams | string, options: { cookie?: string; headers?: Record<string, string> } = {}) {
  return fetch(server.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString(),
  });
}

async function get(path: string, cookie?: string) {
  return fetch(server.url + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

/** After a post that redirected (Post/Redirect/Get): the page it went to, with the message it left. */
async function followWithFlash(response: Response, cookie: string): Promise<string> {
  expect(response.status).toBe(302);
  const flash = response.headers.getSetCookie().find((c) => c.includes('flash='))!.split(';')[0]!;
  return (await get(response.headers.get('location')!, `${cookie}; ${flash}`)).text();
}

/** Signs in from a given client address (the server trusts X-Forwarded-For from loopback here). */
async function signInFrom(address: string, email: string, password: string) {
  return post('/sign-in', { email, password }, { headers: { 'x-forwarded-for': address } });
}

beforeAll(async () => {
  const database = await serverDatabase();
  handle = database.db;
  const id = (email: string) => userIdByEmailIn(handle, email);
  ids.oakfield = await organisationIdIn(handle, 'Oakfield Primary School');
  ids.teacher = await id('teacher@oakfield.example');
  ids.grace = await id('grace.okafor@oakfield.example');
  ids.coach = await id('coach@oakfield.example');
  ids.leader = await id('leader@oakfield.example');
  ids.tom = await id('tom.brennan@oakfield.example');
  server = await startBuiltServer({ database, env: { COURSES_PATH: 'tests/fixtures/courses', TRUST_PROXY: 'loopback' } });
});

afterAll(async () => {
  await server?.stop();
});

describe('1. form parsing', () => {
  test('a 30,000-field form is refused with 413 before it is read, and nothing else waits', async () => {
    const fields = Array.from({ length: 30_000 }, (_, i) => `f${i}=x`).join('&');
    const started = Date.now();
    const [big, health] = await Promise.all([post('/sign-in', fields), new Promise((r) => setTimeout(r, 20)).then(() => get('/healthz'))]);
    expect(big.status).toBe(413);
    expect(await big.text()).toMatch(/more than 1,000 fields/);
    expect(health.status).toBe(200);
    // Not a timing assertion (the benchmark measures it): a sanity bound far above the figure.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('1,001 fields in a multipart form are refused too; a normal form still works', async () => {
    const boundary = 'kindredboundary';
    const body = Array.from({ length: 1_001 }, (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`).join('') + `--${boundary}--\r\n`;
    const response = await post('/sign-in', body, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(response.status).toBe(413);
    expect((await post('/sign-in', { email: 'nobody@nowhere.example', password: 'not the password' })).status).toBe(401);
  });
});

describe('2. redirect after sign-in', () => {
  test.each([
    ['/\t/evil.example'],
    ['/\n/evil.example'],
    ['/\\evil.example'],
    ['/\\/evil.example'],
    ['//evil.example'],
    ['https://evil.example/'],
    ['/\r\nSet-Cookie: stolen=1'],
  ])('redirectTo %j never leaves Kindred and never fails', async (redirectTo) => {
    const response = await signInFrom('10.9.0.1', 'ellie.thompson@oakfield.example', DEMO_PASSWORD).then(() => post('/sign-in', { email: 'ellie.thompson@oakfield.example', password: DEMO_PASSWORD, redirectTo }, { headers: { 'x-forwarded-for': '10.9.0.2' } }));
    expect(response.status).toBe(302);
    const location = response.headers.get('location') ?? '';
    expect(new URL(location, server.url).origin).toBe(server.url);
    expect(location.startsWith('/')).toBe(true);
    expect(location).not.toMatch(/^\/\/|^\/\\|[\t\r\n]/);
    expect(response.headers.get('set-cookie')).not.toMatch(/stolen/);
  });

  test('an encoded tab stays an encoded path on this site', async () => {
    const response = await post('/sign-in', { email: 'ellie.thompson@oakfield.example', password: DEMO_PASSWORD, redirectTo: '/%09/evil.example' }, { headers: { 'x-forwarded-for': '10.9.0.3' } });
    expect(new URL(response.headers.get('location')!, server.url).origin).toBe(server.url);
  });
});

describe('3. shared reflections and roles', () => {
  test('a leader who makes themselves a coach cannot read what a teacher shared with someone else', async () => {
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const teacher = await signInOverHttp(server.url, 'grace.okafor@oakfield.example', DEMO_PASSWORD);
    const coach = await signInOverHttp(server.url, 'coach@oakfield.example', DEMO_PASSWORD);
    // The real coach's group; Grace saves and shares a reflection with them.
    const created = await post('/lead/groups', { organisationId: String(ids.oakfield), name: 'Coach’s group', coachUserId: String(ids.coach) }, { cookie: leader });
    const groupPath = created.headers.get('location')!;
    await post(groupPath, { intent: 'add', userId: String(ids.grace) }, { cookie: leader });
    await get('/courses/sample-course/first-steps', teacher);
    await post('/courses/sample-course/first-steps', { intent: 'reflection', itemId: 'first-thoughts', body: 'Shared only with my coach' }, { cookie: teacher });
    await post('/courses/sample-course/first-steps', { intent: 'share', itemId: 'first-thoughts', shared: '1' }, { cookie: teacher });
    expect(await (await get(`/coach/people/${ids.grace}`, coach)).text()).toContain('Shared only with my coach');

    // The leader tries to give themselves the coach role by import: refused.
    const csv = 'name,email,roles\nOakfield Head,leader@oakfield.example,"leader,teacher,coach"';
    const preview = await post('/lead/import', { intent: 'preview', organisationId: String(ids.oakfield), csv }, { cookie: leader });
    expect(await preview.text()).toContain('You cannot change your own roles');
    expect(await count("select count(*) as n from membership_roles r join memberships m on m.id = r.membership_id where m.user_id = ? and r.role = 'coach'", ids.leader)).toBe(0);

    // Even with the coach role given by someone else, and their own group with Grace in it, the earlier share is not theirs.
    const membership = await firstId('select id from memberships where user_id = ? and organisation_id = ?', ids.leader, ids.oakfield);
    await queryRows(handle, "insert into membership_roles (membership_id, role) values (?, 'coach')", membership);
    const leaderAsCoach = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const ownGroup = await post('/lead/groups', { organisationId: String(ids.oakfield), name: 'Head’s group', coachUserId: String(ids.leader) }, { cookie: leaderAsCoach });
    await post(ownGroup.headers.get('location')!, { intent: 'add', userId: String(ids.grace) }, { cookie: leaderAsCoach });
    const page = await get(`/coach/people/${ids.grace}`, leaderAsCoach);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('Shared only with my coach');
    const reflectionId = await firstId('select id from reflection_responses where user_id = ?', ids.grace);
    const reply = await post(`/coach/people/${ids.grace}`, { intent: 'comment', reflectionId: String(reflectionId), body: 'Reading what is not mine' }, { cookie: leaderAsCoach });
    expect(reply.status).toBe(404);

    // The teacher sees who can read it, and can share it again with the new coach.
    const modulePage = await (await get('/courses/sample-course/first-steps', teacher)).text();
    expect(modulePage).toContain('Shared with Oakfield Coach');
    expect(modulePage).toContain('Also share with Oakfield Head');
    await post('/courses/sample-course/first-steps', { intent: 'share', itemId: 'first-thoughts', shared: '1' }, { cookie: teacher });
    expect(await (await get(`/coach/people/${ids.grace}`, leaderAsCoach)).text()).toContain('Shared only with my coach');
  });

  test('replying needs the coach role now, not only a group’s coach field', async () => {
    const coach = await signInOverHttp(server.url, 'coach@oakfield.example', DEMO_PASSWORD);
    const reflectionId = await firstId('select id from reflection_responses where user_id = ?', ids.grace);
    await queryRows(handle, "delete from membership_roles where role = 'coach' and membership_id = (select id from memberships where user_id = ? and organisation_id = ?)", ids.coach, ids.oakfield);
    const before = await count('select count(*) as n from reflection_comments');
    const reply = await post(`/coach/people/${ids.grace}`, { intent: 'comment', reflectionId: String(reflectionId), body: 'Still here?' }, { cookie: coach });
    expect([403, 404]).toContain(reply.status);
    expect(await count('select count(*) as n from reflection_comments')).toBe(before);
  });

  test('nobody deactivates themselves', async () => {
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const response = await post(`/lead/people/${ids.leader}`, { intent: 'deactivate', organisationId: String(ids.oakfield) }, { cookie: leader });
    expect(response.status).toBe(400);
    expect(await count('select count(*) as n from memberships where user_id = ? and deactivated_at is not null', ids.leader)).toBe(0);
  });
});

describe('4. sign-in throttling', () => {
  test('a guesser at one address is slowed; the owner signs in from another; a colleague at the guesser’s address too', async () => {
    const email = 'kwame.mensah@oakfield.example';
    for (let i = 0; i < 5; i += 1) expect((await signInFrom('203.0.113.50', email, `wrong guess ${i}`)).status).toBe(401);
    const limited = await signInFrom('203.0.113.50', email, DEMO_PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signInFrom('198.51.100.60', email, DEMO_PASSWORD)).status).toBe(302);
    expect((await signInFrom('203.0.113.50', 'zara.ahmed@oakfield.example', DEMO_PASSWORD)).status).toBe(302);
  });
});

describe('5. malformed requests', () => {
  test.each([['/certificates/%C0%AE'], ['/lead/people/%FF'], ['/courses/%E0%A4%A'], ['/%']])('%s gets 400 or 404, not 500', async (path) => {
    const response = await get(path);
    expect([400, 404]).toContain(response.status);
  });

  test.each([['TRACE'], ['PUT'], ['DELETE'], ['PATCH'], ['OPTIONS']])('%s / gets 405 with Allow', async (method) => {
    const response = await fetch(server.url + '/', { method, redirect: 'manual' }).catch(() => null);
    // Node's fetch will not send TRACE; a raw request does.
    if (response) {
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    }
  });

  test('TRACE sent raw gets 405', async () => {
    const net = await import('node:net');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 405/);
  });
});

describe('6 and 10. passwords and invitations', () => {
  async function invite(email: string): Promise<string> {
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const response = await post('/lead/people', { organisationId: String(ids.oakfield), name: 'Invited Person', email, roles: 'teacher' }, { cookie: leader });
    const link = /\/invitations\/([A-Za-z0-9_-]{32})/.exec(await followWithFlash(response, leader));
    expect(link, 'an invitation link on the page').not.toBeNull();
    return link![1]!;
  }

  test.each([['            '], ['kindred-demo-2026'], ['Passw0rd1234'], ['Invited Person 1']])('a new password %j is refused with a message', async (password) => {
    const token = await invite(`weak.${Math.random().toString(36).slice(2)}@oakfield.example`);
    const response = await post(`/invitations/${token}`, { name: 'Invited Person', password, confirmPassword: password });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/too easy to guess|demo password|only spaces/);
  });

  test('a deactivated invitee cannot accept the invitation or set a password', async () => {
    const email = 'deactivated.invitee@oakfield.example';
    const token = await invite(email);
    await queryRows(handle, 'update memberships set deactivated_at = ? where user_id = (select id from users where email = ?)', new Date().toISOString(), email);
    expect((await get(`/invitations/${token}`)).status).toBe(410);
    const response = await post(`/invitations/${token}`, { name: 'Invited Person', password: 'copper kettle under moonlight', confirmPassword: 'copper kettle under moonlight' });
    expect(response.status).toBe(410);
    expect(await count('select count(*) as n from users where email = ? and password_hash is not null', email)).toBe(0);
  });
});

describe('8. cross-site requests', () => {
  test.each([
    ['a foreign Referer without Origin', { referer: 'https://evil.example/form' }],
    ['Origin with the wrong scheme', { origin: '' }],
    ['Sec-Fetch-Site cross-site without Origin', { 'sec-fetch-site': 'cross-site' }],
    ['a foreign Origin', { origin: 'http://evil.example' }],
  ])('%s is refused with 403', async (_label, headers) => {
    const teacher = await signInOverHttp(server.url, 'teacher@oakfield.example', DEMO_PASSWORD);
    const sent: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: teacher };
    for (const [key, value] of Object.entries(headers)) sent[key] = key === 'origin' && value === '' ? server.url.replace('http://', 'https://') : value;
    const before = await count('select count(*) as n from external_cpd');
    const response = await fetch(`${server.url}/learn/cpd`, { method: 'POST', redirect: 'manual', headers: sent, body: 'title=CSRF&provider=&date=2025-01-01&hours=1' });
    expect(response.status).toBe(403);
    expect(await count('select count(*) as n from external_cpd')).toBe(before);
  });

  test('the same-site Referer, or no header at all (a command-line client), is let through', async () => {
    const teacher = await signInOverHttp(server.url, 'teacher@oakfield.example', DEMO_PASSWORD);
    for (const headers of [{ referer: `${server.url}/learn/cpd` }, {}] as Record<string, string>[]) {
      const response = await fetch(`${server.url}/learn/cpd`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: teacher, ...headers }, body: 'title=Same%20site&provider=&date=2025-01-02&hours=1' });
      expect(response.status).toBeLessThan(400);
    }
  });
});

describe('9. sessions', () => {
  test('a session unused for over 12 hours is over', async () => {
    const cookie = await signInOverHttp(server.url, 'daniel.hughes@oakfield.example', DEMO_PASSWORD);
    expect((await get('/learn', cookie)).status).toBe(200);
    await queryRows(handle, 'update sessions set last_seen_at = ? where user_id = (select id from users where email = ?)', new Date(Date.now() - 13 * 3_600_000).toISOString(), 'daniel.hughes@oakfield.example');
    const after = await get('/learn', cookie);
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toMatch(/^\/sign-in/);
  });

  test('a platform admin’s session is over after 30 idle minutes', async () => {
    const cookie = await signInOverHttp(server.url, 'admin@kindred.example', DEMO_PASSWORD);
    await queryRows(handle, 'update sessions set last_seen_at = ? where user_id = (select id from users where email = ?)', new Date(Date.now() - 31 * 60_000).toISOString(), 'admin@kindred.example');
    expect((await get('/admin', cookie)).status).toBe(302);
  });

  test('/account lists your sessions and ends another one', async () => {
    const first = await signInOverHttp(server.url, 'priya.patel@oakfield.example', DEMO_PASSWORD);
    const second = await signInOverHttp(server.url, 'priya.patel@oakfield.example', DEMO_PASSWORD);
    const page = await (await get('/account', first)).text();
    expect(page).toContain('Where you are signed in');
    expect(page).toContain('This browser');
    const other = /name="sessionId" value="([A-Za-z0-9_-]+)"/.exec(page)![1]!;
    const ended = await post('/account', { intent: 'end-session', sessionId: other }, { cookie: first });
    expect(ended.status).toBe(302);
    expect(await followWithFlash(ended, first)).toContain('That session is ended: whoever used it is signed out.');
    expect((await get('/learn', second)).status).toBe(302);
    expect((await get('/learn', first)).status).toBe(200);
    // Someone else's session id ends nothing.
    const intruder = await signInOverHttp(server.url, 'sophie.walsh@oakfield.example', DEMO_PASSWORD);
    const mine = /name="sessionId" value="([A-Za-z0-9_-]+)"/.exec(await (await get('/account', (await signInOverHttp(server.url, 'priya.patel@oakfield.example', DEMO_PASSWORD)))).text())![1]!;
    expect((await post('/account', { intent: 'end-session', sessionId: mine }, { cookie: intruder })).status).toBe(400);
  });

  test('a sensitive act asks for the password again when it was given over 15 minutes ago', async () => {
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    await queryRows(handle, 'update sessions set password_confirmed_at = ? where user_id = ?', new Date(Date.now() - 16 * 60_000).toISOString(), ids.leader);
    const attempt = await post(`/lead/people/${ids.tom}`, { intent: 'deactivate', organisationId: String(ids.oakfield) }, { cookie: leader });
    expect(attempt.status).toBe(302);
    expect(attempt.headers.get('location')).toBe(`/confirm-password?redirectTo=${encodeURIComponent(`/lead/people/${ids.tom}`)}`);
    expect(await count('select count(*) as n from memberships where user_id = ? and deactivated_at is not null', ids.tom)).toBe(0);
    const wrong = await post('/confirm-password', { password: 'not my password', redirectTo: `/lead/people/${ids.tom}` }, { cookie: leader });
    expect(wrong.status).toBe(400);
    const confirmed = await post('/confirm-password', { password: DEMO_PASSWORD, redirectTo: `/lead/people/${ids.tom}` }, { cookie: leader });
    expect(confirmed.headers.get('location')).toBe(`/lead/people/${ids.tom}`);
    const again = await post(`/lead/people/${ids.tom}`, { intent: 'deactivate', organisationId: String(ids.oakfield) }, { cookie: leader });
    expect(again.status).toBe(302);
    expect(await count('select count(*) as n from memberships where user_id = ? and deactivated_at is not null', ids.tom)).toBe(1);
  });
});

describe('11. truly concurrent submissions write once', () => {
  test('ten identical assignments, external CPD entries and replies at the same moment make one row each', async () => {
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const teacher = await signInOverHttp(server.url, 'teacher@oakfield.example', DEMO_PASSWORD);
    const assignment = { intent: 'assign', course: 'sample-course', target: `person:${ids.teacher}:${ids.oakfield}`, dueDate: '' };
    const assigned = await Promise.all(Array.from({ length: 10 }, () => post('/lead/assignments', assignment, { cookie: leader })));
    expect(assigned.every((r) => r.status === 302)).toBe(true);
    expect(await count("select count(*) as n from assignments where target_user_id = ? and withdrawn_at is null and course_slug = 'sample-course'", ids.teacher)).toBe(1);

    const cpd = { title: 'Concurrent course', provider: 'Hub', date: '2025-02-02', hours: '2' };
    await Promise.all(Array.from({ length: 10 }, () => post('/learn/cpd', cpd, { cookie: teacher })));
    expect(await count("select count(*) as n from external_cpd where title = 'Concurrent course'")).toBe(1);

    await get('/courses/sample-course/first-steps', teacher);
    await post('/courses/sample-course/first-steps', { intent: 'reflection', itemId: 'first-thoughts', body: 'Thoughts to discuss' }, { cookie: teacher });
    const reflectionId = await firstId("select id from reflection_responses where user_id = ? and item_id = 'first-thoughts'", ids.teacher);
    await queryRows(handle, 'update reflection_responses set shared_at = ? where id = ?', new Date().toISOString(), reflectionId);
    const reply = { intent: 'comment', reflectionId: String(reflectionId), body: 'Thanks!', submissionKey: 'same-form-key-0123456789' };
    await Promise.all(Array.from({ length: 10 }, () => post('/courses/sample-course/first-steps', reply, { cookie: teacher })));
    expect(await count("select count(*) as n from reflection_comments where reflection_id = ? and body = 'Thanks!'", reflectionId)).toBe(1);
    // A second reply with the same words from a new form is a new reply.
    await post('/courses/sample-course/first-steps', { ...reply, submissionKey: 'another-form-key-987654' }, { cookie: teacher });
    expect(await count("select count(*) as n from reflection_comments where reflection_id = ? and body = 'Thanks!'", reflectionId)).toBe(2);
  });

  test('assigning the same course to the same person again updates the due date and says so, once, after a redirect', async () => {
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const response = await post('/lead/assignments', { intent: 'assign', course: 'sample-course', target: `person:${ids.teacher}:${ids.oakfield}`, dueDate: due }, { cookie: leader });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/lead/assignments');
    const page = await get('/lead/assignments', `${leader}; ${response.headers.get('set-cookie')!.split(';')[0]!}`);
    const html = await page.text();
    expect(html).toMatch(/Sample course was already assigned to Amina Khan: the due date is updated \(now due \d{1,2} \w+ \d{4}\)/);
    // The message is said once: the page clears it, and a refresh shows the page without it.
    expect(page.headers.get('set-cookie')).toMatch(/kindred_flash=;.*Max-Age=0/);
    expect(await (await get('/lead/assignments', leader)).text()).not.toMatch(/already assigned/);
    // A cookie that was not signed by the server says nothing.
    const forged = `kindred_flash=${Buffer.from(JSON.stringify({ message: 'Your account is suspended, call 0900' })).toString('base64')}`;
    expect(await (await get('/lead/assignments', `${leader}; ${forged}`)).text()).not.toMatch(/suspended/);
    expect(await count("select count(*) as n from assignments where target_user_id = ? and withdrawn_at is null and due_date = ?", ids.teacher, due)).toBe(1);
  });
});

describe('13. group membership is audited', () => {
  test('adding and removing a member each leave an audit entry', async () => {
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const created = await post('/lead/groups', { organisationId: String(ids.oakfield), name: 'Audited group', coachUserId: String(ids.leader) }, { cookie: leader });
    const groupPath = created.headers.get('location')!;
    const person = await count("select id as n from users where email = 'ellie.thompson@oakfield.example'");
    await post(groupPath, { intent: 'add', userId: String(person) }, { cookie: leader });
    await post(groupPath, { intent: 'remove', userId: String(person) }, { cookie: leader });
    expect(await count("select count(*) as n from audit_log where event = 'group_member_added' and subject_user_id = ?", person)).toBe(1);
    expect(await count("select count(*) as n from audit_log where event = 'group_member_removed' and subject_user_id = ?", person)).toBe(1);
  });
});

describe('9 and 6 in production', () => {
  let production: RunningServer;
  let productionDatabase: ServerDatabase;
  beforeAll(async () => {
    productionDatabase = await serverDatabase();
    production = await startBuiltServer({ database: productionDatabase, env: { COURSES_PATH: 'tests/fixtures/courses', NODE_ENV: 'production', SESSION_SECRET: 'a-production-secret-of-at-least-32-chars' } });
  });
  afterAll(async () => {
    await production?.stop();
  });

  test('the session cookie carries the __Host- prefix, and the published demo password opens nothing', async () => {
    const refused = await fetch(`${production.url}/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: production.url }, body: new URLSearchParams({ email: 'teacher@oakfield.example', password: DEMO_PASSWORD }) });
    expect(refused.status).toBe(401);
    const { hashPassword } = await import('#app/auth/password.server.ts');
    await queryRows(productionDatabase.db, 'update users set password_hash = ? where email = ?', await hashPassword('copper kettle under moonlight'), 'teacher@oakfield.example');
    const response = await fetch(`${production.url}/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: production.url }, body: new URLSearchParams({ email: 'teacher@oakfield.example', password: 'copper kettle under moonlight' }) });
    expect(response.status).toBe(302);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-kindred_session=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    expect((await fetch(`${production.url}/learn`, { redirect: 'manual', headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
  });
});
