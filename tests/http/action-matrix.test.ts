import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import type { DB } from '#db/database.server.ts';
import { signInOverHttp, startBuiltServer, type RunningServer } from '#tests/support/server.ts';
import { columnText, organisationIdIn, serverDatabase, userIdByEmailIn, writeFingerprint } from '#tests/support/server-database.ts';
import { outcome, VISITOR_EMAILS, type Expected, type Visitor } from '#tests/support/visitors.ts';

// Every route with an action in the built route manifest × every kind of visitor, as
// access-matrix.test.ts does for pages. Each entry posts a valid form; a visitor who may not act
// gets the expected refusal and nothing in the database changes. A route with an action but no
// entry here fails the first test.

const VISITORS = ['signedOut', 'teacher', 'coach', 'otherLeader', 'deactivated', 'admin', 'leader', 'trustLeader'] as const satisfies readonly Visitor[];
const EMAILS = VISITOR_EMAILS;

const ids: Record<string, number> = {};
const CERTIFICATE = 'ABC234-DEF567-GHJ789';

const everyone = (status: Expected): Record<Visitor, Expected> => Object.fromEntries(VISITORS.map((v) => [v, status])) as Record<Visitor, Expected>;
const signedIn = (status: Expected, overrides: Partial<Record<Visitor, Expected>> = {}): Record<Visitor, Expected> => ({ ...everyone(status), signedOut: 'in', deactivated: 'in', ...overrides });
const leadersOnly = (status: Expected, overrides: Partial<Record<Visitor, Expected>> = {}) => signedIn(403, { leader: status, trustLeader: status, otherLeader: 404, ...overrides });

interface Entry {
  url: () => string;
  body: (visitor: Visitor) => Record<string, string>;
  expect: Record<Visitor, Expected>;
}

const MATRIX: Record<string, Entry> = {
  'routes/sign-in': { url: () => '/sign-in', body: (v) => ({ email: `nobody.${v.toLowerCase()}@nowhere.example`, password: 'not the password' }), expect: { ...everyone('away'), signedOut: 401, deactivated: 401 } },
  'routes/account': { url: () => '/account', body: () => ({ intent: 'name', name: 'Same Person' }), expect: signedIn('away') },
  'routes/confirm-password': { url: () => '/confirm-password', body: () => ({ password: 'not my password' }), expect: signedIn(400) },
  'routes/invitations.$token': { url: () => '/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', body: () => ({ name: 'X', password: 'copper kettle under moonlight', confirmPassword: 'copper kettle under moonlight' }), expect: everyone(410) },
  'routes/courses.$course._index': { url: () => '/courses/sample-course', body: () => ({}), expect: signedIn('away') },
  'routes/courses.$course.$module': { url: () => '/courses/sample-course/first-steps', body: () => ({ intent: 'reflection', itemId: 'first-thoughts', body: 'Mine' }), expect: signedIn('away') },
  'routes/learn.cpd._index': { url: () => '/learn/cpd', body: (v) => ({ title: `Course for ${v}`, provider: '', date: '2025-01-01', hours: '1' }), expect: signedIn('away') },
  'routes/learn.cpd.$id': { url: () => `/learn/cpd/${ids.cpd}`, body: () => ({ intent: 'save', title: 'Renamed', provider: '', date: '2025-01-01', hours: '1' }), expect: signedIn(404, { teacher: 'away' }) },
  'routes/certificates.$code': { url: () => `/certificates/${CERTIFICATE}`, body: () => ({ reason: 'duplicate', note: '' }), expect: signedIn(404, { leader: 'away', trustLeader: 'away', admin: 'away' }) },
  'routes/lead.people._index': {
    url: () => '/lead/people',
    body: (v) => ({ organisationId: String(ids.oakfield), name: 'New Person', email: `new.${v.toLowerCase()}@oakfield.example`, roles: 'teacher' }),
    expect: leadersOnly('away'),
  },
  'routes/lead.people.$userId': { url: () => `/lead/people/${ids.tom}`, body: () => ({ intent: 'deactivate', organisationId: String(ids.oakfield) }), expect: leadersOnly('away') },
  'routes/lead.groups._index': { url: () => '/lead/groups', body: (v) => ({ organisationId: String(ids.oakfield), name: `Group of ${v}`, coachUserId: String(ids.coach) }), expect: leadersOnly('away') },
  'routes/lead.groups.$groupId': { url: () => `/lead/groups/${ids.group}`, body: () => ({ intent: 'add', userId: String(ids.hannah) }), expect: leadersOnly('away') },
  'routes/lead.assignments': { url: () => '/lead/assignments', body: () => ({ intent: 'assign', course: 'sample-course', target: `person:${ids.teacher}:${ids.oakfield}`, dueDate: '' }), expect: leadersOnly('away') },
  'routes/lead.import': { url: () => '/lead/import', body: () => ({ intent: 'confirm', organisationId: String(ids.oakfield), csv: 'name,email,roles\nImported Person,imported@oakfield.example,teacher' }), expect: leadersOnly(200) },
  'routes/lead.invitations[.csv]': { url: () => '/lead/invitations.csv', body: () => ({ invitation: 'A\ta@b.c\thttp://x/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), expect: signedIn(403, { leader: 200, trustLeader: 200, otherLeader: 200 }) },
  'routes/coach._index': { url: () => '/coach', body: () => ({ intent: 'assign', course: 'sample-course', target: `person:${ids.grace}`, dueDate: '' }), expect: signedIn(403, { coach: 'away' }) },
  'routes/coach.people.$userId': { url: () => `/coach/people/${ids.grace}`, body: () => ({ intent: 'comment', reflectionId: String(ids.reflection), body: 'A reply' }), expect: signedIn(403, { coach: 'away' }) },
  'routes/admin._index': { url: () => '/admin', body: (v) => ({ name: `School of ${v}`, kind: 'school', trustId: '', leaderName: 'New Head', leaderEmail: `head.${v.toLowerCase()}@newschool.example` }), expect: signedIn(403, { admin: 'away' }) },
  'routes/admin.organisations.$id': { url: () => `/admin/organisations/${ids.oakfield}`, body: () => ({ name: 'Oakfield Primary School', trustId: String(ids.trust) }), expect: signedIn(403, { admin: 'away' }) },
  // Not configured here, so nothing to start (tests/http/sso.test.ts drives a configured one).
  'routes/auth.$provider': { url: () => '/auth/oidc', body: () => ({ redirectTo: '/learn' }), expect: everyone(404) },
  'routes/admin.data': { url: () => '/admin/data', body: () => ({ intent: 'erase', userId: String(ids.erasable), confirm: 'yes' }), expect: signedIn(403, { admin: 'away' }) },
  'routes/forgot-password': { url: () => '/forgot-password', body: (v) => ({ email: `nobody.${v.toLowerCase()}@nowhere.example` }), expect: everyone(200) },
  'routes/reset-password.$token': { url: () => '/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', body: () => ({ password: 'copper kettle under moonlight', confirmPassword: 'copper kettle under moonlight' }), expect: everyone(410) },
  'routes/unsubscribe.$token': { url: () => `/unsubscribe/${ids.teacher}.reminders.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, body: () => ({}), expect: everyone(404) },
  'routes/learn.practice._index': {
    url: () => '/learn/practice',
    body: (v) => ({ intent: 'plan', course: 'sample-course', module: 'first-steps', item: 'try-a-routine', what: `A routine for ${v}`, className: '7B', followUpOn: IN_A_WEEK, successLooksLike: 'Hands up', submissionKey: `matrix-${v}` }),
    expect: signedIn('away'),
  },
  // A coach's note on a step Grace shared with them; nobody else may write on it, leaders included.
  'routes/practice.$id': { url: () => `/practice/${ids.step}`, body: () => ({ intent: 'note', kind: 'feedback', body: 'Well done' }), expect: signedIn(404, { coach: 'away' }) },
  // Last: it ends the visitor's session.
  'routes/sign-out': { url: () => '/sign-out', body: () => ({}), expect: everyone('away') },
};

const IN_A_WEEK = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

const WATCHED = ['users', 'memberships', 'membership_roles', 'organisations', 'invitations', 'groups', 'group_members', 'assignments', 'enrolments', 'module_progress', 'reflection_responses', 'reflection_comments', 'certificates', 'external_cpd', 'reflection_shares', 'action_steps', 'action_step_notes', 'action_step_shares'];

let server: RunningServer;
let db: DB;
const cookies: Partial<Record<Visitor, string>> = {};
let actionRoutes: string[] = [];

async function snapshot(): Promise<Record<string, string>> {
  return { ...(await writeFingerprint(db, WATCHED)), cpd: await columnText(db, 'external_cpd', ['title']) };
}

beforeAll(async () => {
  const database = await serverDatabase();
  db = database.db;
  const id = (email: string) => userIdByEmailIn(db, email);
  const now = new Date().toISOString();
  const keptOff = ['tom.brennan@oakfield.example', 'grace.okafor@oakfield.example', 'hannah.lewis@oakfield.example', EMAILS.teacher, EMAILS.coach, EMAILS.leader, EMAILS.deactivated];
  Object.assign(ids, {
    teacher: await id(EMAILS.teacher),
    coach: await id(EMAILS.coach),
    tom: await id('tom.brennan@oakfield.example'),
    grace: await id('grace.okafor@oakfield.example'),
    hannah: await id('hannah.lewis@oakfield.example'),
    erasable: (await db.selectFrom('users').select('id').where('email', 'like', '%@oakfield.example').where('email', 'not in', keptOff).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()).id,
    oakfield: await organisationIdIn(db, 'Oakfield Primary School'),
    trust: await organisationIdIn(db, 'Northfield Learning Trust'),
  });
  ids.group = (await db.insertInto('groups').values({ organisation_id: ids.oakfield!, name: 'Matrix group', coach_user_id: ids.coach!, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
  await db.insertInto('group_members').values({ group_id: ids.group!, user_id: ids.grace!, added_at: now }).execute();
  ids.reflection = (
    await db
      .insertInto('reflection_responses')
      .values({ user_id: ids.grace!, course_slug: 'sample-course', module_slug: 'first-steps', item_id: 'first-thoughts', content_version: '1', body: 'Shared', saved_at: now, shared_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await db.insertInto('reflection_shares').values({ reflection_id: ids.reflection!, coach_user_id: ids.coach!, shared_at: now }).execute();
  await db
    .insertInto('certificates')
    .values({ code: CERTIFICATE, user_id: ids.teacher!, course_slug: 'sample-course', course_title: 'Sample course', content_version: '1', cpd_hours: 0.5, learner_name: 'Amina Khan', organisation_id: ids.oakfield!, organisation_name: 'Oakfield Primary School', completed_at: now })
    .execute();
  ids.cpd = (
    await db
      .insertInto('external_cpd')
      .values({ user_id: ids.teacher!, title: 'Matrix conference', provider: '', activity_date: '2025-01-01', hours: 2, note: '', link: null, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  ids.step = (
    await db
      .insertInto('action_steps')
      .values({ user_id: ids.grace!, course_slug: 'sample-course', module_slug: 'first-steps', item_id: 'try-a-routine', previous_step_id: null, what: 'Matrix step', class_name: '7B', follow_up_on: '2030-01-01', success_looks_like: 'Hands up', status: 'planned', outcome: null, followed_up_at: null, minutes_given: null, ended_as: null, shared_at: now, created_at: now, updated_at: now, submission_key: null })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await db.insertInto('action_step_shares').values({ step_id: ids.step!, coach_user_id: ids.coach!, shared_at: now }).execute();

  server = await startBuiltServer({ database, env: { COURSES_PATH: 'tests/fixtures/courses' } });
  for (const visitor of VISITORS) if (visitor !== 'signedOut') cookies[visitor] = await signInOverHttp(server.url, EMAILS[visitor], DEMO_PASSWORD);
  await db.updateTable('memberships').set({ deactivated_at: new Date().toISOString() }).where('user_id', '=', await id(EMAILS.deactivated)).execute();

  const build = (await import(pathToFileURL(path.resolve('build/server/index.js')).href)) as { routes: Record<string, { module: { action?: unknown } }> };
  actionRoutes = Object.entries(build.routes)
    .filter(([, route]) => typeof route.module.action === 'function')
    .map(([routeId]) => routeId);
});

afterAll(async () => {
  await server?.stop();
});


const REFUSED = new Set<Expected>(['in', 401, 403, 404, 410]);

describe('the action matrix', () => {
  test('covers every route with an action', () => {
    expect(actionRoutes.length).toBeGreaterThan(15);
    expect(actionRoutes.filter((id) => !MATRIX[id])).toEqual([]);
    expect(Object.keys(MATRIX).filter((id) => !actionRoutes.includes(id))).toEqual([]);
  });

  for (const [routeId, entry] of Object.entries(MATRIX)) {
    test(`${routeId}: each visitor gets the expected answer, and a refused one changes nothing`, async () => {
      const seen: Record<string, Expected> = {};
      for (const visitor of VISITORS) {
        const before = await snapshot();
        const response = await fetch(server.url + entry.url(), {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...(cookies[visitor] ? { cookie: cookies[visitor]! } : {}) },
          body: new URLSearchParams(entry.body(visitor)).toString(),
        });
        seen[visitor] = outcome(response);
        await response.arrayBuffer();
        expect(response.status, `${routeId} as ${visitor}`).toBeLessThan(500);
        if (REFUSED.has(seen[visitor]!)) expect(await snapshot(), `${routeId} as ${visitor} was refused but wrote`).toEqual(before);
      }
      expect(seen).toEqual(entry.expect);
    });
  }
});
