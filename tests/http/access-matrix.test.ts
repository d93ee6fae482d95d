import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { signInOverHttp, startBuiltServer, type RunningServer } from '#tests/support/server.ts';
import { organisationIdIn, serverDatabase, userIdByEmailIn } from '#tests/support/server-database.ts';
import { outcome, VISITOR_EMAILS, type Expected, type Visitor } from '#tests/support/visitors.ts';

// Every route in the built route manifest × every kind of visitor. A route added without an
// entry here fails the first test, so nobody can ship a page without deciding who may see it.

const VISITORS = ['signedOut', 'teacher', 'coach', 'leader', 'otherLeader', 'trustLeader', 'admin', 'deactivated'] as const satisfies readonly Visitor[];
const EMAILS = VISITOR_EMAILS;

const CERTIFICATE = 'ABC234-DEF567-GHJ789';
let teacherId = 0;
let coacheeId = 0;
let oakfieldId = 0;
let groupId = 0;
let cpdId = 0;
let stepId = 0;

const everyone = (status: Expected): Record<Visitor, Expected> => Object.fromEntries(VISITORS.map((v) => [v, status])) as Record<Visitor, Expected>;
const signedIn = (status: Expected, overrides: Partial<Record<Visitor, Expected>> = {}): Record<Visitor, Expected> => ({
  ...everyone(status),
  signedOut: 'in',
  deactivated: 'in',
  ...overrides,
});
const leadersOnly = (overrides: Partial<Record<Visitor, Expected>> = {}) =>
  signedIn(403, { leader: 200, otherLeader: 200, trustLeader: 200, ...overrides });

interface Entry {
  url: () => string;
  expect: Record<Visitor, Expected>;
  /** Whose data: text that appears exactly when the answer is 200. */
  shows?: string;
}

const MATRIX: Record<string, Entry> = {
  root: { url: () => '/sign-in', expect: { ...everyone('away'), signedOut: 200, deactivated: 200 } },
  'routes/_index': { url: () => '/', expect: { ...everyone('away'), signedOut: 200, deactivated: 200 } },
  'routes/$': { url: () => '/no/such/page', expect: everyone(404) },
  'routes/sign-in': { url: () => '/sign-in', expect: { ...everyone('away'), signedOut: 200, deactivated: 200 } },
  'routes/sign-out': { url: () => '/sign-out', expect: everyone('away') },
  // Single sign-on is not configured here: no provider answers (tests/http/sso.test.ts has one).
  'routes/auth.$provider': { url: () => '/auth/oidc', expect: everyone('in') },
  'routes/auth.$provider_.callback': { url: () => '/auth/oidc/callback?code=x&state=y', expect: everyone(404) },
  'routes/healthz': { url: () => '/healthz', expect: everyone(200) },
  'routes/account': { url: () => '/account', expect: signedIn(200) },
  'routes/invitations.$token': { url: () => '/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', expect: everyone(404) },
  'routes/courses._index': { url: () => '/courses', expect: everyone(200) },
  'routes/courses.$course._index': { url: () => '/courses/sample-course', expect: everyone(200) },
  'routes/courses.$course.$module': { url: () => '/courses/sample-course/first-steps', expect: signedIn(200) },
  'routes/learn._index': { url: () => '/learn', expect: signedIn(200) },
  'routes/learn.cpd._index': { url: () => '/learn/cpd', expect: signedIn(200) },
  'routes/learn.cpd[.csv]': { url: () => '/learn/cpd.csv', expect: signedIn(200) },
  'routes/learn.cpd.$id': { url: () => `/learn/cpd/${cpdId}`, expect: signedIn(404, { teacher: 200 }), shows: 'Matrix conference' },
  'routes/certificates.$code': { url: () => `/certificates/${CERTIFICATE}`, expect: everyone(200), shows: 'Amina Khan' },
  'routes/certificates.$code.credential[.jwt]': { url: () => `/certificates/${CERTIFICATE}/credential.jwt`, expect: everyone(200) },
  'routes/certificates.$code.credential[.json]': { url: () => `/certificates/${CERTIFICATE}/credential.json`, expect: everyone(200), shows: 'OpenBadgeCredential' },
  'routes/certificates.$code.status': { url: () => `/certificates/${CERTIFICATE}/status`, expect: everyone(200), shows: 'active' },
  'routes/[.well-known].jwks[.json]': { url: () => '/.well-known/jwks.json', expect: everyone(200), shows: 'Ed25519' },
  'routes/issuers.$id': { url: () => '/issuers/kindred', expect: everyone(200), shows: 'Profile' },
  'routes/certificates.$code.pdf': { url: () => `/certificates/${CERTIFICATE}/pdf`, expect: signedIn(404, { teacher: 200, leader: 200, trustLeader: 200 }) },
  'routes/coach._index': { url: () => '/coach', expect: signedIn(403, { coach: 200 }), shows: 'Grace Okafor' },
  'routes/coach.people.$userId': { url: () => `/coach/people/${coacheeId}`, expect: signedIn(403, { coach: 200 }), shows: 'Grace Okafor' },
  'routes/lead._index': { url: () => '/lead', expect: leadersOnly() },
  'routes/lead.people._index': { url: () => '/lead/people', expect: leadersOnly() },
  'routes/lead.people.$userId': { url: () => `/lead/people/${teacherId}`, expect: leadersOnly({ otherLeader: 404 }), shows: 'teacher@oakfield.example' },
  'routes/lead.groups._index': { url: () => '/lead/groups', expect: leadersOnly() },
  'routes/lead.groups.$groupId': { url: () => `/lead/groups/${groupId}`, expect: leadersOnly({ otherLeader: 404 }), shows: 'Matrix group' },
  'routes/lead.assignments': { url: () => '/lead/assignments', expect: leadersOnly() },
  'routes/lead.import': { url: () => '/lead/import', expect: leadersOnly() },
  'routes/lead.governors': { url: () => '/lead/governors', expect: leadersOnly() },
  'routes/lead.export[.csv]': { url: () => '/lead/export.csv', expect: leadersOnly() },
  'routes/lead.invitations[.csv]': { url: () => '/lead/invitations.csv', expect: everyone(400) },
  'routes/admin.data': { url: () => '/admin/data', expect: signedIn(403, { admin: 200 }), shows: 'Erase a person' },
  'routes/account.export': { url: () => '/account/export', expect: signedIn(200) },
  'routes/admin._index': { url: () => '/admin', expect: signedIn(403, { admin: 200 }) },
  'routes/admin.organisations.$id': { url: () => `/admin/organisations/${oakfieldId}`, expect: signedIn(403, { admin: 200 }), shows: 'Grace Okafor' },
  'routes/audit': { url: () => '/audit', expect: leadersOnly({ admin: 200 }), shows: 'Audit trail entries' },
  'routes/audit[.csv]': { url: () => '/audit.csv', expect: leadersOnly({ admin: 200 }) },
  'routes/confirm-password': { url: () => '/confirm-password?redirectTo=/account', expect: signedIn(200) },
  'routes/forgot-password': { url: () => '/forgot-password', expect: everyone(200) },
  'routes/reset-password.$token': { url: () => '/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', expect: everyone(404) },
  'routes/unsubscribe.$token': { url: () => `/unsubscribe/${teacherId}.reminders.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, expect: everyone(404) },
  // Outside production with no SMTP_URL the local outbox is open to any visitor (docs/decisions/012-email-outbox.md).
  'routes/dev.outbox._index': { url: () => '/dev/outbox', expect: everyone(200) },
  'routes/dev.outbox.$id': { url: () => '/dev/outbox/99999999', expect: everyone(404) },
  'routes/learn.practice._index': { url: () => '/learn/practice', expect: signedIn(200) },
  // Grace's step, shared with her coach: the coach reads it; no other teacher, no leader, no admin.
  'routes/practice.$id': { url: () => `/practice/${stepId}`, expect: signedIn(404, { coach: 200 }), shows: 'Matrix step' },
};

let server: RunningServer;
const cookies: Partial<Record<Visitor, string>> = {};
let manifestIds: string[] = [];

beforeAll(async () => {
  const { db, ...database } = await serverDatabase();
  const id = (email: string) => userIdByEmailIn(db, email);
  teacherId = await id(EMAILS.teacher);
  const oakfield = await organisationIdIn(db, 'Oakfield Primary School');
  const now = new Date().toISOString();
  groupId = (await db.insertInto('groups').values({ organisation_id: oakfield, name: 'Matrix group', coach_user_id: await id(EMAILS.coach), created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
  coacheeId = await id('grace.okafor@oakfield.example');
  oakfieldId = oakfield;
  await db.insertInto('group_members').values({ group_id: groupId, user_id: coacheeId, added_at: now }).execute();
  await db
    .insertInto('certificates')
    .values({ code: CERTIFICATE, user_id: teacherId, course_slug: 'sample-course', course_title: 'Sample course', content_version: '1', cpd_hours: 0.5, learner_name: 'Amina Khan', organisation_id: oakfield, organisation_name: 'Oakfield Primary School', completed_at: now })
    .execute();
  cpdId = (
    await db
      .insertInto('external_cpd')
      .values({ user_id: teacherId, title: 'Matrix conference', provider: '', activity_date: '2025-01-01', hours: 2, note: '', link: null, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  stepId = (
    await db
      .insertInto('action_steps')
      .values({ user_id: coacheeId, course_slug: 'sample-course', module_slug: 'first-steps', item_id: 'try-a-routine', previous_step_id: null, what: 'Matrix step', class_name: '7B', follow_up_on: '2030-01-01', success_looks_like: 'Hands up', status: 'planned', outcome: null, followed_up_at: null, minutes_given: null, ended_as: null, shared_at: now, created_at: now, updated_at: now, submission_key: null })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await db.insertInto('action_step_shares').values({ step_id: stepId, coach_user_id: await id(EMAILS.coach), shared_at: now }).execute();

  server = await startBuiltServer({ database: { db, ...database }, env: { COURSES_PATH: 'tests/fixtures/courses' } });
  for (const visitor of VISITORS) if (visitor !== 'signedOut') cookies[visitor] = await signInOverHttp(server.url, EMAILS[visitor], DEMO_PASSWORD);
  // Deactivated after signing in: the cookie they still hold must open nothing.
  await db
    .updateTable('memberships')
    .set({ deactivated_at: new Date().toISOString() })
    .where('user_id', '=', await id(EMAILS.deactivated))
    .execute();

  const build = (await import(pathToFileURL(path.resolve('build/server/index.js')).href)) as { routes: Record<string, unknown> };
  manifestIds = Object.keys(build.routes);
});

afterAll(async () => {
  await server?.stop();
});


describe('the access matrix', () => {
  test('covers every route in the manifest', () => {
    expect(manifestIds.length).toBeGreaterThan(25);
    expect(manifestIds.filter((id) => !MATRIX[id])).toEqual([]);
    expect(Object.keys(MATRIX).filter((id) => !manifestIds.includes(id))).toEqual([]);
  });

  for (const [routeId, entry] of Object.entries(MATRIX)) {
    test(`${routeId}: each visitor gets the expected answer, and the security headers`, async () => {
      const seen: Record<string, Expected> = {};
      for (const visitor of VISITORS) {
        const response = await fetch(server.url + entry.url(), { redirect: 'manual', headers: cookies[visitor] ? { cookie: cookies[visitor]! } : {} });
        seen[visitor] = outcome(response);
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp, `${routeId} as ${visitor}`).toContain("frame-ancestors 'none'");
        expect(csp).toContain("object-src 'none'");
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        const body = await response.text();
        if (entry.shows && response.status !== 200) expect(body, `${routeId} as ${visitor} leaks`).not.toContain(entry.shows);
        if (entry.shows && response.status === 200 && response.headers.get('content-type')?.includes('html')) expect(body).toContain(entry.shows);
        // Nothing dynamic is kept by the browser or a proxy: a shared staffroom laptop shows nobody else's page.
        expect(response.headers.get('cache-control') ?? '', `${routeId} as ${visitor}`).toMatch(/no-store/);
      }
      expect(seen).toEqual(entry.expect);
    });
  }
});
