import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import type { DB } from '#db/database.server.ts';
import { startTestProvider, type TestProvider } from '#tests/support/oidc.ts';
import { freePort, signInOverHttp, startBuiltServer, type RunningServer } from '#tests/support/server.ts';
import { queryRows, serverDatabase } from '#tests/support/server-database.ts';

// Single sign-on end to end: the built server against a real OpenID Connect provider
// (oidc-provider) running in this process, driven over HTTP with manual redirects and a cookie jar
// per origin, as a browser without JavaScript would.

const OAKFIELD_TENANT = '11111111-2222-4333-8444-555555555555';
const OTHER_TENANT = '99999999-8888-4777-8666-555555555555';

let provider: TestProvider;
let server: RunningServer;
/** Port for a second server whose clock runs two hours ahead: every ID token has expired for it. */
let laterPort: number;
let db: DB;
let oakfieldId: number;

beforeAll(async () => {
  const port = await freePort();
  laterPort = await freePort();
  provider = await startTestProvider({
    redirectUris: [port, laterPort].map((p) => `http://127.0.0.1:${p}/auth/oidc/callback`),
    accounts: {
      teacher: { email: 'Teacher@Oakfield.example', email_verified: true, name: 'Whatever The Provider Says' },
      newcomer: { email: 'new.colleague@oakfield.example', email_verified: true, name: 'Nia Newcomer', tid: OAKFIELD_TENANT },
      unverified: { email: 'coach@oakfield.example', email_verified: false },
      wrongTenant: { email: 'someone.else@oakfield.example', email_verified: true, tid: OTHER_TENANT },
      stranger: { email: 'stranger@elsewhere.example', email_verified: true },
      deactivated: { email: 'joe.nowak@oakfield.example', email_verified: true },
    },
  });
  const database = await serverDatabase();
  db = database.db;
  server = await startBuiltServer({ database, port, env: providerEnv() });
  oakfieldId = (await query<{ id: number }>("select id from organisations where name = 'Oakfield Primary School'"))[0]!.id;
  // The platform admin verifies Oakfield's domain and tenant on the admin page.
  const admin = await signInOverHttp(server.url, 'admin@kindred.example', DEMO_PASSWORD);
  const saved = await fetch(`${server.url}/admin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie: admin },
    body: new URLSearchParams({ intent: 'sso', organisationId: String(oakfieldId), domains: 'Oakfield.example', microsoftTenantId: OAKFIELD_TENANT }),
  });
  expect(saved.status).toBe(302); // Post/Redirect/Get
  // A leader deactivates a member, who then has no way in, whatever the provider says.
  const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
  const joe = (await query<{ id: number }>("select id from users where email = 'joe.nowak@oakfield.example'"))[0]!.id;
  const deactivated = await fetch(`${server.url}/lead/people/${joe}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie: leader },
    body: new URLSearchParams({ intent: 'deactivate', organisationId: String(oakfieldId) }),
  });
  expect(deactivated.status).toBe(302);
  expect(await query("select id from memberships where user_id = ? and deactivated_at is not null", joe)).toHaveLength(1);
});

afterAll(async () => {
  await server?.stop();
  await provider?.close();
});

function providerEnv(): Record<string, string> {
  return { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret, OIDC_NAME: 'Test Schools Login', COURSES_PATH: 'tests/fixtures/courses' };
}

/** Why the last refused single sign-on was refused, as the audit log has it. */
async function lastRefusal(): Promise<string> {
  return (await query<{ detail: string }>("select detail from audit_log where event = 'sso_sign_in_refused' order by id desc limit 1"))[0]?.detail ?? '';
}

function query<T>(text: string, ...params: unknown[]): Promise<T[]> {
  return queryRows<T>(db, text, ...params);
}

/** A browser without JavaScript: cookies per origin, redirects followed by hand. */
class Browser {
  private jars = new Map<string, Map<string, string>>();

  cookieFor(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).origin)?.get(name);
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = origin;
    }
    const response = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), redirect: 'manual', headers, body: init.form ? new URLSearchParams(init.form) : undefined });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair!.trim().split('=');
      const expired = attributes.some((a) => /^\s*max-age=0$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value.join('=') === '') jar.delete(name!);
      else jar.set(name!, value.join('='));
    }
    return response;
  }

  /** Follows redirects until one leads to `stopAt` (not requested) or a page answers. */
  async follow(response: Response, from: string, stopAt?: (url: URL) => boolean): Promise<{ url: URL; response: Response | null }> {
    let current = new URL(from);
    for (let hops = 0; hops < 20; hops += 1) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      current = new URL(location, current);
      if (stopAt?.(current)) return { url: current, response: null };
      response = await this.request(current.href);
    }
    throw new Error('too many redirects');
  }
}

const isCallback = (url: URL) => url.pathname === '/auth/oidc/callback';

/** Presses "Sign in with …" and lets the provider answer; stops at the callback, not yet visited. */
async function toCallback(browser: Browser, account: string, changeAuthorisation?: (url: URL) => void, kindred: RunningServer = server): Promise<URL> {
  provider.nextAccount = account;
  const start = await browser.request(`${kindred.url}/auth/oidc`, { form: { redirectTo: '/learn/cpd' } });
  expect(start.status).toBe(302);
  const authorisation = new URL(start.headers.get('location')!);
  expect(authorisation.origin).toBe(provider.issuer);
  expect(authorisation.searchParams.get('code_challenge_method')).toBe('S256');
  changeAuthorisation?.(authorisation);
  const { url } = await browser.follow(await browser.request(authorisation.href), authorisation.href, isCallback);
  expect(url.pathname).toBe('/auth/oidc/callback');
  return url;
}

async function finish(browser: Browser, callback: URL): Promise<{ location: string; page: string }> {
  const response = await browser.request(callback.href);
  expect(response.status).toBe(302);
  const location = response.headers.get('location')!;
  const page = location.startsWith('/sign-in') ? await (await browser.request(callback.origin + location)).text() : '';
  return { location, page };
}

async function signIn(account: string, kindred: RunningServer = server): Promise<{ browser: Browser; location: string; page: string }> {
  const browser = new Browser();
  const result = await finish(browser, await toCallback(browser, account, undefined, kindred));
  return { browser, ...result };
}

async function signedInAs(browser: Browser): Promise<string | null> {
  const response = await browser.request(`${server.url}/account`);
  if (response.status !== 200) return null;
  return /<input[^>]*name="email"[^>]*value="([^"]+)"|([a-z.]+@[a-z.]+\.example)/.exec(await response.text())?.slice(1).find(Boolean) ?? '?';
}

describe('single sign-on through a real OpenID Connect provider', () => {
  test('the sign-in page offers the configured provider, and only that one', async () => {
    const page = await (await fetch(`${server.url}/sign-in`)).text();
    expect(page).toContain('Sign in with Test Schools Login');
    expect(page).toContain('action="/auth/oidc"');
    expect(page).not.toContain('Sign in with Microsoft');
    expect(page).not.toContain('Sign in with Google');
  });

  test('first sign-in links to the existing account with the same verified email, and returns to the page asked for', async () => {
    const usersBefore = (await query<{ n: number }>('select count(*) as n from users'))[0]!.n;
    const { browser, location } = await signIn('teacher');
    expect(location).toBe('/learn/cpd');
    expect(browser.cookieFor(server.url, 'kindred_session')).toBeTruthy();
    expect(browser.cookieFor(server.url, 'kindred_sso')).toBeUndefined();
    expect(await signedInAs(browser)).toBe('teacher@oakfield.example');
    expect((await query<{ n: number }>('select count(*) as n from users'))[0]!.n).toBe(usersBefore);
    const audit = await query<{ event: string }>("select event from audit_log where subject_user_id = (select id from users where email = 'teacher@oakfield.example') order by id desc limit 1");
    expect(audit[0]?.event).toBe('sso_sign_in');
  });

  test('a new person whose verified email is in a verified domain (and tenant) is created as a teacher there, audited', async () => {
    const { browser, location } = await signIn('newcomer');
    expect(location).toBe('/learn/cpd');
    expect(await signedInAs(browser)).toBe('new.colleague@oakfield.example');
    const rows = await query<{ name: string; organisation_id: number; role: string; password_hash: string | null }>(
      "select u.name, m.organisation_id, r.role, u.password_hash from users u join memberships m on m.user_id = u.id join membership_roles r on r.membership_id = m.id where u.email = 'new.colleague@oakfield.example'",
    );
    expect(rows).toEqual([{ name: 'Nia Newcomer', organisation_id: oakfieldId, role: 'teacher', password_hash: null }]);
    const created = await query<{ organisation_id: number }>("select organisation_id from audit_log where event = 'sso_member_created' and subject_user_id = (select id from users where email = 'new.colleague@oakfield.example')");
    expect(created).toEqual([{ organisation_id: oakfieldId }]);
    // Joined, not "invitation pending", on the leader's list.
    const leader = await signInOverHttp(server.url, 'leader@oakfield.example', DEMO_PASSWORD);
    const people = await (await fetch(`${server.url}/lead/people?q=Newcomer`, { headers: { cookie: leader } })).text();
    expect(/Nia Newcomer[\s\S]*?<\/tr>/.exec(people)?.[0]).toContain('<td>Active</td>');
    // The second time, the same account: nobody is created twice.
    await signIn('newcomer');
    expect((await query<{ n: number }>("select count(*) as n from users where email = 'new.colleague@oakfield.example'"))[0]!.n).toBe(1);
  });

  test('an unverified email is refused, even for an existing account, with a readable page', async () => {
    const { browser, location, page } = await signIn('unverified');
    expect(location).toBe('/sign-in?sso=unverified&provider=oidc');
    expect(page).toContain('Your email address is not verified with Test Schools Login');
    expect(page).not.toMatch(/at .*\.js:\d+/);
    expect(browser.cookieFor(server.url, 'kindred_session')).toBeUndefined();
  });

  test('a token from another tenant than the organisation’s is refused, and nobody is created', async () => {
    const { browser, location, page } = await signIn('wrongTenant');
    expect(location).toBe('/sign-in?sso=wrong-tenant&provider=oidc');
    expect(page).toContain('does not belong to your school’s organisation');
    expect(browser.cookieFor(server.url, 'kindred_session')).toBeUndefined();
    expect(await query("select id from users where email = 'someone.else@oakfield.example'")).toEqual([]);
  });

  test('an email outside every verified domain with no account, and a deactivated member, are refused', async () => {
    expect((await signIn('stranger')).location).toBe('/sign-in?sso=no-account&provider=oidc');
    expect(await query("select id from users where email = 'stranger@elsewhere.example'")).toEqual([]);
    const deactivated = await signIn('deactivated');
    expect(deactivated.location).toBe('/sign-in?sso=inactive&provider=oidc');
    expect(deactivated.browser.cookieFor(server.url, 'kindred_session')).toBeUndefined();
  });

  test('a mismatched state is refused', async () => {
    const browser = new Browser();
    const callback = await toCallback(browser, 'teacher');
    callback.searchParams.set('state', 'a-state-this-browser-never-sent');
    const { location } = await finish(browser, callback);
    expect(location).toBe('/sign-in?sso=invalid&provider=oidc');
    expect(await lastRefusal()).toMatch(/unexpected \\"state\\" response parameter value/);
    expect(browser.cookieFor(server.url, 'kindred_session')).toBeUndefined();
  });

  test('a replayed nonce is refused, and so is a callback used a second time', async () => {
    const first = new Browser();
    let firstNonce = '';
    const callback = await toCallback(first, 'teacher', (url) => (firstNonce = url.searchParams.get('nonce')!));
    expect((await finish(first, callback)).location).toBe('/learn/cpd');
    // The same answer again: the attempt it belonged to is spent.
    const again = await first.request(callback.href);
    expect(again.headers.get('location')).toBe('/sign-in?sso=expired&provider=oidc');

    // A new attempt whose ID token carries the earlier sign-in's nonce.
    const second = new Browser();
    const replayed = await toCallback(second, 'teacher', (url) => url.searchParams.set('nonce', firstNonce));
    const { location } = await finish(second, replayed);
    expect(location).toBe('/sign-in?sso=invalid&provider=oidc');
    expect(await lastRefusal()).toMatch(/unexpected ID Token \\"nonce\\" claim value|claim nonce/);
    expect(second.cookieFor(server.url, 'kindred_session')).toBeUndefined();
  });

  test('an expired ID token is refused', async () => {
    // The provider's ID tokens live an hour; for a server two hours ahead, each has expired.
    const laterDatabase = await serverDatabase();
    const later = await startBuiltServer({ database: laterDatabase, port: laterPort, env: { ...providerEnv(), KINDRED_CLOCK_OFFSET_MS: String(2 * 60 * 60 * 1000) } });
    try {
      const { browser, location } = await signIn('teacher', later);
      expect(location).toBe('/sign-in?sso=invalid&provider=oidc');
      expect(browser.cookieFor(later.url, 'kindred_session')).toBeUndefined();
    } finally {
      await later.stop();
    }
    const refusal = (await queryRows<{ detail: string }>(laterDatabase.db, "select detail from audit_log where event = 'sso_sign_in_refused' order by id desc limit 1"))[0]!;
    expect(refusal.detail).toMatch(/timestamp claim value failed validation.*claim exp/);
  }, 60_000);

  test('a callback without the browser’s sign-in cookie is refused', async () => {
    const callback = await toCallback(new Browser(), 'teacher');
    expect((await finish(new Browser(), callback)).location).toBe('/sign-in?sso=expired&provider=oidc');
  });

  test('sign-out ends the Kindred session', async () => {
    const { browser } = await signIn('teacher');
    const session = browser.cookieFor(server.url, 'kindred_session')!;
    expect(await signedInAs(browser)).toBe('teacher@oakfield.example');
    const out = await browser.request(`${server.url}/sign-out`, { form: {} });
    expect(out.status).toBe(302);
    expect(browser.cookieFor(server.url, 'kindred_session')).toBeUndefined();
    const withOldCookie = await fetch(`${server.url}/account`, { redirect: 'manual', headers: { cookie: `kindred_session=${session}` } });
    expect(withOldCookie.status).toBe(302);
    expect(withOldCookie.headers.get('location')).toMatch(/^\/sign-in/);
  });

  test('only a platform admin may change an organisation’s single sign-on (others: 403, nothing written)', async () => {
    const before = await query('select * from organisation_domains order by domain');
    for (const email of ['leader@oakfield.example', 'trust.leader@northfield.example', 'teacher@brookside.example']) {
      const cookie = await signInOverHttp(server.url, email, DEMO_PASSWORD);
      const response = await fetch(`${server.url}/admin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
        body: new URLSearchParams({ intent: 'sso', organisationId: String(oakfieldId), domains: 'oakfield.example evil.example', ssoOnly: 'on' }),
      });
      expect(response.status, email).toBe(403);
    }
    expect(await query('select * from organisation_domains order by domain')).toEqual(before);
    expect((await query<{ sso_only: number }>('select sso_only from organisations where id = ?', oakfieldId))[0]!.sso_only).toBe(0);
  });

  test('the admin form refuses a bad domain or tenant with a message next to the field, and a domain already taken', async () => {
    const admin = await signInOverHttp(server.url, 'admin@kindred.example', DEMO_PASSWORD);
    const save = (fields: Record<string, string>) =>
      fetch(`${server.url}/admin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie: admin }, body: new URLSearchParams({ intent: 'sso', ...fields }) });
    const brookside = (await query<{ id: number }>("select id from organisations where name = 'Brookside Academy'"))[0]!.id;
    const badDomain = await save({ organisationId: String(brookside), domains: 'not a domain!' });
    expect(badDomain.status).toBe(400);
    expect(await badDomain.text()).toContain('Write domains like oakfield.sch.uk');
    const badTenant = await save({ organisationId: String(brookside), domains: 'brookside.example', microsoftTenantId: 'nope' });
    expect(badTenant.status).toBe(400);
    expect(await badTenant.text()).toContain('A tenant id looks like');
    const taken = await save({ organisationId: String(brookside), domains: 'brookside.example oakfield.example' });
    expect(taken.status).toBe(400);
    expect(await taken.text()).toContain('oakfield.example is already verified for another organisation');
    expect(await query('select domain from organisation_domains where organisation_id = ?', brookside)).toEqual([]);
  });

  test('a provider that cannot be reached: the server starts anyway, and the button leads to a readable page', async () => {
    const closedPort = await freePort();
    const offline = await startBuiltServer({ database: await serverDatabase(), env: { ...providerEnv(), OIDC_ISSUER: `http://127.0.0.1:${closedPort}` } });
    try {
      const browser = new Browser();
      const start = await browser.request(`${offline.url}/auth/oidc`, { form: {} });
      expect(start.headers.get('location')).toBe('/sign-in?sso=unavailable&provider=oidc');
      const page = await browser.request(`${offline.url}/sign-in?sso=unavailable&provider=oidc`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Sign-in with Test Schools Login is not available at the moment');
    } finally {
      await offline.stop();
    }
  }, 60_000);

  test('an unknown provider is a 404, an unknown refusal reason is ignored, and a GET to start one changes nothing', async () => {
    for (const reason of ['hasOwnProperty', 'constructor', '__proto__', 'x'.repeat(500)]) {
      const page = await fetch(`${server.url}/sign-in?sso=${reason}&provider=toString`);
      expect(page.status, reason).toBe(200);
      expect(await page.text()).not.toContain('role="alert"');
    }
    expect((await fetch(`${server.url}/auth/nosuch/callback`, { redirect: 'manual' })).status).toBe(404);
    const attempts = (await query<{ n: number }>('select count(*) as n from sso_attempts'))[0]!.n;
    const get = await fetch(`${server.url}/auth/oidc`, { redirect: 'manual' });
    expect(get.headers.get('location')).toBe('/sign-in');
    expect((await query<{ n: number }>('select count(*) as n from sso_attempts'))[0]!.n).toBe(attempts);
  });

  test('“single sign-on only” turns off passwords for the organisation’s members; forgotten-password sends nothing', async () => {
    const admin = await signInOverHttp(server.url, 'admin@kindred.example', DEMO_PASSWORD);
    const post = (path: string, fields: Record<string, string>, cookie = '') =>
      fetch(server.url + path, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie }, body: new URLSearchParams(fields) });
    expect((await post('/admin', { intent: 'sso', organisationId: String(oakfieldId), domains: 'oakfield.example', microsoftTenantId: OAKFIELD_TENANT, ssoOnly: 'on' }, admin)).status).toBe(302);

    const refused = await post('/sign-in', { email: 'coach@oakfield.example', password: DEMO_PASSWORD });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Your school signs you in with its own account');
    // Elsewhere, passwords still work.
    expect(await signInOverHttp(server.url, 'leader@brookside.example', DEMO_PASSWORD)).toMatch(/^kindred_session=/);

    const resetsBefore = (await query<{ n: number }>('select count(*) as n from password_resets'))[0]!.n;
    const forgot = await post('/forgot-password', { email: 'coach@oakfield.example' });
    expect(forgot.status).toBe(200);
    expect(await forgot.text()).toContain('use that button on the');
    expect((await query<{ n: number }>('select count(*) as n from password_resets'))[0]!.n).toBe(resetsBefore);

    // Single sign-on still opens the account.
    expect((await signIn('teacher')).location).toBe('/learn/cpd');
    expect((await query<{ event: string }>("select event from audit_log where event = 'sso_settings_changed'")).length).toBe(2);
  });
});
