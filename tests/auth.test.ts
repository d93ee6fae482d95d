import { describe, expect, test, vi } from 'vitest';
import { hashToken, isWellFormedToken, randomToken, sessionIdOf } from '#app/auth/tokens.server.ts';
import { endOtherSessions, getSessionUser, IDLE_TIMEOUT_MS, loadViewer, SESSION_COOKIE } from '#app/auth/session.server.ts';
import { updateName } from '#app/models/accounts.server.ts';
import { setMembershipActive } from '#app/models/organisations.server.ts';
import { hashPassword, passwordWeakness, verifyPassword } from '#app/auth/password.server.ts';
import { estimatePasswordStrength, passwordStrengthWorkerRunning } from '#app/auth/password-strength.server.ts';
import { attemptSignIn } from '#app/models/accounts.server.ts';
import { getDb, getStatementCount } from '#app/utils/db.server.ts';
import { runInRequestScope } from '#app/utils/request-scope.server.ts';
import { isPostgres } from '#db/dialect.ts';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { action as signIn } from '#app/routes/sign-in.tsx';
import { action as account } from '#app/routes/account.tsx';
import { action as signOut } from '#app/routes/sign-out.tsx';
import { cookieFor, getRequest, jsonOf, postRequest, run, userIdByEmail } from './utils.ts';

const TEACHER = 'teacher@oakfield.example';

function sessionCookieOf(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  expect(header).toContain(`${SESSION_COOKIE}=`);
  return header.split(';')[0]!;
}

describe('tokens', () => {
  test('random tokens drawn many at a time are well formed and never repeat, across refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i += 1) {
      const token = randomToken();
      expect(isWellFormedToken(token)).toBe(true);
      seen.add(token);
      if (i % 100 === 0) seen.add(randomToken(32)); // other sizes share the pool
    }
    expect(seen.size).toBe(5_050);
    expect(randomToken(10_000)).toHaveLength(Math.ceil((10_000 * 4) / 3)); // larger than the pool
  });

  test('a session cookie’s id is its HMAC, whether worked out now or remembered', () => {
    const tokens = Array.from({ length: 12_000 }, () => randomToken()); // more than are remembered
    for (const token of tokens) expect(sessionIdOf(token)).toBe(hashToken(token));
    for (const token of tokens.slice(0, 50).concat(tokens.slice(-50))) expect(sessionIdOf(token)).toBe(hashToken(token));
  });
});

describe('passwords', () => {
  test('are hashed with argon2id at m=19 MiB, t=2, p=1 and verify', async () => {
    const hash = await hashPassword('a long enough passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'a long enough passphrase')).toBe(true);
    expect(await verifyPassword(hash, 'a different passphrase')).toBe(false);
  });

  test('guessable passwords are refused: spaces, common ones padded, the demo password, the person’s own name', async () => {
    const amina = { name: 'Amina Khan', email: 'amina.khan@oakfield.example' };
    for (const weak of ['            ', 'Passw0rd1234', 'Password1234!', 'qwertyuiop123', 'kindred-demo-2026', 'kindred-demo-2026!', 'Amina Khan 2026']) {
      expect(await passwordWeakness(weak, amina), weak).not.toBeNull();
    }
    expect(await passwordWeakness('a brand new passphrase', amina)).toBeNull();
    expect(await passwordWeakness('copper kettle under moonlight', amina)).toBeNull();
  });

  test('the strength check runs in a worker that ends once no password has been checked for a minute', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const [first, second] = await Promise.all([
        estimatePasswordStrength('Password1234!', [], []),
        estimatePasswordStrength('copper kettle under moonlight', ['amina'], []),
      ]);
      expect(first.score).toBeLessThan(3);
      expect(second.score).toBeGreaterThanOrEqual(3);
      expect(passwordStrengthWorkerRunning()).toBe(true);
      vi.advanceTimersByTime(59_000);
      expect(passwordStrengthWorkerRunning()).toBe(true);
      vi.advanceTimersByTime(1_000);
      expect(passwordStrengthWorkerRunning()).toBe(false);
      // The next check starts a new one.
      expect((await estimatePasswordStrength('kindred-demo-2026', [], ['kindred-demo-2026'])).score).toBeLessThan(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('sign-in', () => {
  test('a right password signs in with an HttpOnly, SameSite=Lax cookie whose hash alone is stored', async () => {
    const response = await run(signIn, postRequest('/sign-in', { email: TEACHER, password: DEMO_PASSWORD, redirectTo: '/courses' }));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/courses');
    const header = response.headers.get('set-cookie')!;
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    const token = sessionCookieOf(response).split('=')[1]!;
    const stored = await getDb().selectFrom('sessions').select('id').execute();
    expect(stored.map((s) => s.id)).toContain(hashToken(token));
    expect(stored.map((s) => s.id)).not.toContain(token);
  });

  test('every sign-in gets a new token and ends the session the browser had', async () => {
    const first = sessionCookieOf(await run(signIn, postRequest('/sign-in', { email: TEACHER, password: DEMO_PASSWORD })));
    const second = sessionCookieOf(await run(signIn, postRequest('/sign-in', { email: TEACHER, password: DEMO_PASSWORD }, first)));
    expect(second).not.toBe(first);
    expect(await getSessionUser(getRequest('/learn', first))).toBeNull();
    expect((await getSessionUser(getRequest('/learn', second)))?.email).toBe(TEACHER);
  });

  test('a wrong password and an unknown email get the same message', async () => {
    const wrong = await run(signIn, postRequest('/sign-in', { email: TEACHER, password: 'not the password at all' }));
    const unknown = await run(signIn, postRequest('/sign-in', { email: 'nobody@nowhere.example', password: 'not the password at all' }));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect((await jsonOf(wrong)).formError).toBe((await jsonOf(unknown)).formError);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  test('a coach with no page to return to lands on /coach; a teacher on /learn', async () => {
    const coach = await run(signIn, postRequest('/sign-in', { email: 'coach@oakfield.example', password: DEMO_PASSWORD }));
    expect(coach.headers.get('location')).toBe('/coach');
    const teacher = await run(signIn, postRequest('/sign-in', { email: 'zara.ahmed@oakfield.example', password: DEMO_PASSWORD }));
    expect(teacher.headers.get('location')).toBe('/learn');
  });

  test('an open redirect is refused', async () => {
    const response = await run(signIn, postRequest('/sign-in', { email: TEACHER, password: DEMO_PASSWORD, redirectTo: '//evil.example/' }));
    expect(response.headers.get('location')).toBe('/learn');
  });

  test('failures slow the guesser at one address with growing delays, while the owner signs in from elsewhere', async () => {
    const email = 'tom.brennan@oakfield.example';
    for (let i = 0; i < 5; i += 1) expect(await attemptSignIn(email, `wrong password ${i}`, '203.0.113.9')).toEqual({ ok: false, reason: 'invalid' });
    const limited = await attemptSignIn(email, DEMO_PASSWORD, '203.0.113.9');
    expect(limited).toMatchObject({ ok: false, reason: 'rate-limited' });
    const firstWait = (limited as { retryAt: Date }).retryAt.getTime() - Date.now();
    expect(firstWait).toBeGreaterThan(10_000);
    expect(firstWait).toBeLessThanOrEqual(15_000);
    // The owner, at school rather than where the guessing comes from, is not locked out.
    expect(await attemptSignIn(email, DEMO_PASSWORD, '198.51.100.20')).toMatchObject({ ok: true });
    process.env.KINDRED_CLOCK_OFFSET_MS = String(16_000);
    try {
      expect(await attemptSignIn(email, 'wrong again', '203.0.113.9')).toEqual({ ok: false, reason: 'invalid' });
      const second = (await attemptSignIn(email, DEMO_PASSWORD, '203.0.113.9')) as { ok: false; retryAt: Date };
      expect(second.retryAt.getTime() - (Date.now() + 16_000)).toBeGreaterThan(20_000); // the wait has doubled
    } finally {
      delete process.env.KINDRED_CLOCK_OFFSET_MS;
    }
  });

  test('guessing one account from many addresses is slowed by at most a minute, never a lockout', async () => {
    const email = 'grace.okafor@oakfield.example';
    for (let i = 0; i < 14; i += 1) await attemptSignIn(email, `wrong password ${i}`, `192.0.2.${i + 1}`);
    const limited = (await attemptSignIn(email, DEMO_PASSWORD, '192.0.2.200')) as { ok: false; reason: string; retryAt: Date };
    expect(limited.reason).toBe('rate-limited');
    expect(limited.retryAt.getTime() - Date.now()).toBeLessThanOrEqual(60_000);
  });

  test('many failures from a school’s shared address do not stop colleagues who have not failed', async () => {
    const shared = '198.51.100.77';
    for (let i = 0; i < 101; i += 1) await attemptSignIn(`guess-${i}@nowhere.example`, 'wrong password!!', shared);
    expect(await attemptSignIn('megan.evans@brookside.example', DEMO_PASSWORD, shared)).toMatchObject({ ok: true });
    // An account that has failed there is slowed.
    await attemptSignIn('rhys.morgan@oakfield.example', 'a wrong password', shared);
    expect(await attemptSignIn('rhys.morgan@oakfield.example', DEMO_PASSWORD, shared)).toMatchObject({ ok: false, reason: 'rate-limited' });
  });

  test('the sign-in page answers a limited attempt with 429, Retry-After and a time', async () => {
    const email = 'nobody-at-all@nowhere.example';
    for (let i = 0; i < 5; i += 1) expect((await run(signIn, postRequest('/sign-in', { email, password: 'wrong password!!' }))).status).toBe(401);
    const limited = await run(signIn, postRequest('/sign-in', { email, password: 'wrong password!!' }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await jsonOf(limited)).formError).toMatch(/try again after \d\d:\d\d/);
  });

  test('the current-password check on /account is throttled too', async () => {
    const cookie = await cookieFor('joe.nowak@oakfield.example');
    const change = (current: string) => run(account, postRequest('/account', { intent: 'password', currentPassword: current, newPassword: 'copper kettle under moonlight', confirmPassword: 'copper kettle under moonlight' }, cookie));
    for (let i = 0; i < 5; i += 1) expect((await change(`not it ${i}`)).status).toBe(400);
    const limited = await change(DEMO_PASSWORD);
    expect(limited.status).toBe(400);
    expect((await jsonOf<{ fieldErrors: Record<string, string> }>(limited)).fieldErrors.currentPassword).toMatch(/Too many wrong passwords/);
  });

  test('failed and successful sign-ins are in the audit log', async () => {
    await run(signIn, postRequest('/sign-in', { email: 'hannah.lewis@oakfield.example', password: 'wrong wrong wrong' }));
    await run(signIn, postRequest('/sign-in', { email: 'hannah.lewis@oakfield.example', password: DEMO_PASSWORD }));
    const userId = await userIdByEmail('hannah.lewis@oakfield.example');
    const events = await getDb().selectFrom('audit_log').select('event').where('subject_user_id', '=', userId).orderBy('id').execute();
    expect(events.map((e) => e.event)).toEqual(['sign_in_failed', 'sign_in']);
  });

  test('missing fields get messages next to them', async () => {
    const response = await run(signIn, postRequest('/sign-in', { email: '', password: '' }));
    expect(response.status).toBe(400);
    const body = await jsonOf<{ fieldErrors: Record<string, string> }>(response);
    expect(body.fieldErrors.email).toMatch(/email/i);
    expect(body.fieldErrors.password).toMatch(/password/i);
  });
});

describe('sessions', () => {
  test.each([
    ['garbage', `${SESSION_COOKIE}=%%%not-a-token`],
    ['well-formed but unknown', `${SESSION_COOKIE}=AAAAAAAAAAAAAAAAAAAAAA`],
    ['empty', `${SESSION_COOKIE}=`],
  ])('a %s cookie is treated as signed out', async (_label, cookie) => {
    expect(await getSessionUser(getRequest('/learn', cookie))).toBeNull();
  });

  test('an expired session is signed out', async () => {
    const cookie = await cookieFor(TEACHER);
    await getDb().updateTable('sessions').set({ expires_at: '2000-01-01T00:00:00.000Z' }).execute();
    expect(await getSessionUser(getRequest('/learn', cookie))).toBeNull();
  });

  test('a session looked up a moment ago is still checked at once: sign-out elsewhere, deactivation, expiry, idle time, a new name', async () => {
    const email = 'kwame.mensah@oakfield.example';
    const userId = await userIdByEmail(email);
    const signedIn = async (cookie: string) => getSessionUser(getRequest('/learn', cookie));

    const first = await cookieFor(email);
    expect(await signedIn(first)).not.toBeNull();
    await endOtherSessions(userId, null);
    expect(await signedIn(first)).toBeNull();

    const second = await cookieFor(email);
    expect(await signedIn(second)).not.toBeNull();
    await updateName(userId, 'Kwame Mensah-Renamed');
    expect((await signedIn(second))!.name).toBe('Kwame Mensah-Renamed');
    const leader = await loadViewer(await userIdByEmail('leader@oakfield.example'));
    const oakfield = (await signedIn(second))!.memberships[0]!.organisationId;
    await setMembershipActive(leader, oakfield, userId, false);
    expect(await signedIn(second)).toBeNull();
    await setMembershipActive(leader, oakfield, userId, true);

    // The clock moves, nothing is written: the limits are still applied.
    const third = await cookieFor(email);
    expect(await signedIn(third)).not.toBeNull();
    try {
      process.env.KINDRED_CLOCK_OFFSET_MS = String(IDLE_TIMEOUT_MS + 60_000);
      expect(await signedIn(third)).toBeNull();
      const fourth = await cookieFor(email);
      const expiresAt = (await getDb().selectFrom('sessions').select('expires_at').where('id', '=', hashToken(fourth.split('=')[1]!)).executeTakeFirstOrThrow()).expires_at;
      expect(await signedIn(fourth)).not.toBeNull();
      process.env.KINDRED_CLOCK_OFFSET_MS = String(Date.parse(expiresAt) - Date.now() + 1_000);
      // Past its absolute end, however recently it was used.
      await getDb().updateTable('sessions').set({ last_seen_at: new Date(Date.parse(expiresAt)).toISOString() }).where('id', '=', hashToken(fourth.split('=')[1]!)).execute();
      expect(await signedIn(fourth)).toBeNull();
    } finally {
      delete process.env.KINDRED_CLOCK_OFFSET_MS;
    }
  });

  test("someone else's sign-in or touch reads one session row again, not the person behind this session", async () => {
    const cookie = await cookieFor('priya.patel@oakfield.example');
    const signedIn = () => runInRequestScope(() => getSessionUser(getRequest('/learn', cookie)));
    await signedIn();
    let before = getStatementCount();
    await signedIn();
    // Nothing on SQLite; on PostgreSQL the shared write versions (decision 022).
    const warm = getStatementCount() - before;
    expect(warm).toBe(isPostgres(getDb()) ? 1 : 0);
    await cookieFor('tom.brennan@oakfield.example'); // a write to sessions
    before = getStatementCount();
    expect((await signedIn())!.memberships.length).toBeGreaterThan(0);
    expect(getStatementCount() - before).toBe(warm + 1);
  });

  test('signing out ends the session', async () => {
    const cookie = await cookieFor(TEACHER);
    const response = await run(signOut, postRequest('/sign-out', {}, cookie));
    expect(response.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect(await getSessionUser(getRequest('/learn', cookie))).toBeNull();
  });
});

describe('account', () => {
  test('changing the password ends the other sessions and keeps this one', async () => {
    const email = 'priya.patel@oakfield.example';
    const here = await cookieFor(email);
    const elsewhere = await cookieFor(email);
    const response = await run(
      account,
      postRequest('/account', { intent: 'password', currentPassword: DEMO_PASSWORD, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' }, here),
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/account');
    expect(await getSessionUser(getRequest('/account', here))).not.toBeNull();
    expect(await getSessionUser(getRequest('/account', elsewhere))).toBeNull();
    const events = await getDb().selectFrom('audit_log').select('event').where('subject_user_id', '=', await userIdByEmail(email)).execute();
    expect(events.map((e) => e.event)).toContain('password_changed');
  });

  test.each([
    [{ newPassword: 'short', confirmPassword: 'short' }, 'newPassword', /12 characters/],
    [{ newPassword: 'password1234', confirmPassword: 'password1234' }, 'newPassword', /too easy to guess/],
    [{ newPassword: 'Sophie Walsh 2026', confirmPassword: 'Sophie Walsh 2026' }, 'newPassword', /too easy to guess/],
    [{ newPassword: 'a brand new passphrase', confirmPassword: 'a different passphrase' }, 'confirmPassword', /do not match/],
    [{ currentPassword: 'not my password at all', newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' }, 'currentPassword', /current password/],
  ])('a bad password change gets a message next to the field and changes nothing', async (fields, field, message) => {
    const email = 'sophie.walsh@oakfield.example';
    const cookie = await cookieFor(email);
    const before = await getDb().selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    const response = await run(account, postRequest('/account', { intent: 'password', currentPassword: DEMO_PASSWORD, ...fields }, cookie));
    expect(response.status).toBe(400);
    expect((await jsonOf<{ fieldErrors: Record<string, string> }>(response)).fieldErrors[field]).toMatch(message);
    const after = await getDb().selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    expect(after.password_hash).toBe(before.password_hash);
  });

  test('a missing name is refused and the name is kept', async () => {
    const cookie = await cookieFor(TEACHER);
    const response = await run(account, postRequest('/account', { intent: 'name', name: '   ' }, cookie));
    expect(response.status).toBe(400);
    const user = await getDb().selectFrom('users').select('name').where('email', '=', TEACHER).executeTakeFirstOrThrow();
    expect(user.name).toBe('Amina Khan');
  });
});

describe('housekeeping', () => {
  test('signing in removes that person’s expired sessions and failed attempts older than a day', async () => {
    const email = 'megan.evans@brookside.example';
    const userId = await userIdByEmail(email);
    await getDb().insertInto('sessions').values({ id: 'expired-session', user_id: userId, created_at: '2020-01-01T00:00:00.000Z', expires_at: '2020-01-08T00:00:00.000Z', last_seen_at: '2020-01-01T00:00:00.000Z', password_confirmed_at: '2020-01-01T00:00:00.000Z', user_agent: '', address: '' }).execute();
    await getDb().insertInto('failed_sign_ins').values({ at: '2020-01-01T00:00:00.000Z', email, address: '10.1.1.1' }).execute();
    expect((await run(signIn, postRequest('/sign-in', { email, password: DEMO_PASSWORD }))).status).toBe(302);
    expect(await getDb().selectFrom('sessions').select('id').where('id', '=', 'expired-session').executeTakeFirst()).toBeUndefined();
    expect(await getDb().selectFrom('failed_sign_ins').select('id').where('at', '<', '2021-01-01').execute()).toEqual([]);
  });
});
