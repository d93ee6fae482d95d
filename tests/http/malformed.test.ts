import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import type { DB } from '#db/database.server.ts';
import { signInOverHttp, startBuiltServer, type RunningServer } from '#tests/support/server.ts';
import { columnText, organisationIdIn, rowCount, serverDatabase, userIdByEmailIn, writeFingerprint } from '#tests/support/server-database.ts';

// Every form action, sent what a hostile or broken client might send. The answer is always a
// 400, 404 or 413 with a message, never a 500, and nothing is written. A replayed valid
// submission writes nothing the second time.

const TABLES = ['users', 'memberships', 'membership_roles', 'organisations', 'invitations', 'groups', 'group_members', 'assignments', 'enrolments', 'module_progress', 'reflection_responses', 'check_attempts', 'reflection_comments', 'certificates', 'external_cpd', 'outbox', 'password_resets', 'email_preferences', 'sessions'];
const WATCHED = TABLES.filter((t) => t !== 'sessions');

let server: RunningServer;
let db: DB;
const cookies: Record<string, string> = {};
const ids: Record<string, number> = {};

async function snapshot(): Promise<Record<string, string>> {
  // Counts plus the latest change of the rows people edit: an update shows as well as an insert.
  const result = await writeFingerprint(db, WATCHED);
  result.withdrawn = String(await rowCount(db, 'assignments', 'withdrawn_at is not null'));
  result.shared = String(await rowCount(db, 'reflection_responses', 'shared_at is not null'));
  result.cpd = await columnText(db, 'external_cpd', ['title', 'hours']);
  result.passwords = await columnText(db, 'users', ['password_hash']);
  return result;
}

interface FormCase {
  name: string;
  url: () => string;
  as: string;
  valid: () => Record<string, string>;
  /** Payloads that point at another organisation's objects. */
  foreign?: () => Record<string, string | undefined>[];
  /** Fields the form may leave out. */
  optional?: string[];
}

const CASES: FormCase[] = [
  { name: 'sign in', url: () => '/sign-in', as: '', valid: () => ({ email: 'nobody@nowhere.example', password: 'not the password' }) },
  { name: 'account name', url: () => '/account', as: 'teacher', valid: () => ({ intent: 'name', name: 'Amina K.' }) },
  { name: 'account password', url: () => '/account', as: 'teacher', valid: () => ({ intent: 'password', currentPassword: DEMO_PASSWORD, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' }) },
  { name: 'accept invitation', url: () => '/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', as: '', valid: () => ({ name: 'X', password: 'a good passphrase', confirmPassword: 'a good passphrase' }) },
  { name: 'start a course', url: () => '/courses/sample-course', as: 'teacher', valid: () => ({}) },
  { name: 'save a reflection', url: () => '/courses/sample-course/first-steps', as: 'teacher', valid: () => ({ intent: 'reflection', itemId: 'first-thoughts', body: 'Thoughts.' }) },
  { name: 'answer a check', url: () => '/courses/sample-course/first-steps', as: 'teacher', valid: () => ({ intent: 'check', itemId: 'first-check', 'answer.q1': 'b', 'answer.q2': 'a' }) },
  { name: 'share a reflection', url: () => '/courses/sample-course/first-steps', as: 'teacher', valid: () => ({ intent: 'share', itemId: 'first-thoughts', shared: '1' }) },
  { name: 'complete a module', url: () => '/courses/sample-course/second-steps', as: 'teacher', valid: () => ({ intent: 'complete' }) },
  { name: 'reply as the teacher', url: () => '/courses/sample-course/first-steps', as: 'teacher', valid: () => ({ intent: 'comment', reflectionId: String(ids.reflection), body: 'Thanks!' }), foreign: () => [{ intent: 'comment', reflectionId: String(ids.foreignReflection), body: 'Hi' }] },
  { name: 'add external CPD', url: () => '/learn/cpd', as: 'teacher', valid: () => ({ title: 'A day course', provider: 'LA', date: '2025-03-03', hours: '3' }), optional: ['provider'] },
  { name: 'edit external CPD', url: () => `/learn/cpd/${ids.cpd}`, as: 'teacher', valid: () => ({ intent: 'save', title: 'Renamed', date: '2025-03-03', hours: '2' }) },
  { name: "edit someone else's CPD", url: () => `/learn/cpd/${ids.foreignCpd}`, as: 'teacher', valid: () => ({ intent: 'delete' }) },
  { name: 'revoke a certificate', url: () => `/certificates/${ids.code}`, as: 'leader', valid: () => ({ reason: 'duplicate', note: '' }), optional: ['note'] },
  { name: "revoke another school's certificate", url: () => `/certificates/${ids.foreignCode}`, as: 'leader', valid: () => ({ reason: 'duplicate', note: '' }) },
  {
    name: 'add a person',
    url: () => '/lead/people',
    as: 'leader',
    valid: () => ({ organisationId: String(ids.oakfield), name: 'New Person', email: 'new.person@oakfield.example', roles: 'teacher' }),
    foreign: () => [{ organisationId: String(ids.brookside), name: 'Sneaky', email: 'sneaky@brookside.example', roles: 'teacher' }],
  },
  {
    name: 'deactivate a person',
    url: () => `/lead/people/${ids.tom}`,
    as: 'leader',
    valid: () => ({ intent: 'deactivate', organisationId: String(ids.oakfield) }),
    foreign: () => [{ intent: 'deactivate', organisationId: String(ids.brookside) }],
  },
  { name: 'create a group', url: () => '/lead/groups', as: 'leader', valid: () => ({ organisationId: String(ids.oakfield), name: 'Another group', coachUserId: String(ids.coach) }), foreign: () => [{ organisationId: String(ids.brookside), name: 'X', coachUserId: String(ids.foreignCoach) }, { organisationId: String(ids.oakfield), name: 'X', coachUserId: String(ids.foreignCoach) }] },
  { name: 'change a group', url: () => `/lead/groups/${ids.group}`, as: 'leader', valid: () => ({ intent: 'add', userId: String(ids.tom) }), foreign: () => [{ intent: 'add', userId: String(ids.foreignTeacher) }, { intent: 'coach', userId: String(ids.foreignCoach) }] },
  { name: "change another school's group", url: () => `/lead/groups/${ids.foreignGroup}`, as: 'leader', valid: () => ({ intent: 'delete' }) },
  { name: 'assign as a leader', url: () => '/lead/assignments', as: 'leader', valid: () => ({ intent: 'assign', course: 'sample-course', target: `person:${ids.tom}`, dueDate: '' }), optional: ['dueDate'], foreign: () => [{ intent: 'assign', course: 'sample-course', target: `group:${ids.foreignGroup}`, dueDate: '' }, { intent: 'withdraw', assignmentId: String(ids.foreignAssignment) }] },
  { name: 'assign as a coach', url: () => '/coach', as: 'coach', valid: () => ({ intent: 'assign', course: 'sample-course', target: `person:${ids.teacher}`, dueDate: '' }), optional: ['dueDate'], foreign: () => [{ intent: 'assign', course: 'sample-course', target: `person:${ids.foreignTeacher}`, dueDate: '' }] },
  { name: 'reply as the coach', url: () => `/coach/people/${ids.teacher}`, as: 'coach', valid: () => ({ intent: 'comment', reflectionId: String(ids.reflection), body: 'Good.' }), foreign: () => [{ intent: 'comment', reflectionId: String(ids.foreignReflection), body: 'Hi' }] },
  { name: 'import a roster', url: () => '/lead/import', as: 'leader', valid: () => ({ intent: 'preview', organisationId: String(ids.oakfield), csv: 'name,email,roles\nA B,a.b@oakfield.example,teacher' }), foreign: () => [{ intent: 'confirm', organisationId: String(ids.brookside), csv: 'name,email,roles\nA B,a.b@brookside.example,teacher' }] },
  { name: 'download invitation links', url: () => '/lead/invitations.csv', as: 'leader', valid: () => ({ invitation: 'A\ta@b.c\thttp://x/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }) },
  { name: 'ask for a password reset', url: () => '/forgot-password', as: '', valid: () => ({ email: 'nobody@nowhere.example' }) },
  { name: 'choose a new password', url: () => '/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', as: '', valid: () => ({ password: 'a good passphrase', confirmPassword: 'a good passphrase' }) },
  { name: 'account emails', url: () => '/account', as: 'teacher', valid: () => ({ intent: 'emails', reminders: 'on' }), optional: ['reminders'] },
  { name: 'one-click unsubscribe', url: () => `/unsubscribe/${ids.teacher}.reminders.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, as: '', valid: () => ({ 'List-Unsubscribe': 'One-Click' }) },
  {
    name: 'email someone a reset link',
    url: () => `/lead/people/${ids.tom}`,
    as: 'leader',
    valid: () => ({ intent: 'reset', organisationId: String(ids.oakfield) }),
    foreign: () => [{ intent: 'reset', organisationId: String(ids.brookside) }],
  },
  { name: 'create an organisation', url: () => '/admin', as: 'admin', valid: () => ({ name: 'Hill School', kind: 'school', trustId: '', leaderName: 'Hil Head', leaderEmail: 'head@hill.example' }), optional: ['trustId'] },
];

/** The hostile variants of a valid payload. */
function variants(valid: Record<string, string>, optional: string[] = []): [string, URLSearchParams][] {
  const keys = Object.keys(valid);
  const out: [string, URLSearchParams][] = keys.every((k) => optional.includes(k)) ? [] : [['an empty form', new URLSearchParams()]];
  for (const key of keys) {
    if (!optional.includes(key)) {
      const without = new URLSearchParams(valid);
      without.delete(key);
      out.push([`no ${key}`, without]);
    }
    const twice = new URLSearchParams(valid);
    twice.append(key, `${valid[key]}-again`);
    if (!key.startsWith('answer.') && key !== 'roles' && key !== 'invitation') out.push([`${key} sent twice`, twice]);
    const numeric = /id$/i.test(key) && /^\d+$/.test(valid[key] ?? '');
    for (const [label, value] of [
      ['a 1 MB', 'x'.repeat(1_000_000)],
      ['control characters in', `a\u0000b\u0007c\u001b[31m`],
      ['odd Unicode in', '\u202eevil\ud800\ufeff\u0301'],
      ...(numeric ? ([['a huge number as', '-1e309'], ['text as', 'abc'], ['a fraction as', '1.5']] as const) : []),
    ] as const) {
      const changed = new URLSearchParams(valid);
      changed.set(key, value);
      out.push([`${label} ${key}`, changed]);
    }
  }
  out.push(['unexpected extra fields', new URLSearchParams({ ...valid, userId: String(ids.foreignTeacher), organisation_id: String(ids.brookside), role: 'leader', isAdmin: '1' })]);
  return out;
}

async function post(url: string, as: string, body: URLSearchParams | string, contentType = 'application/x-www-form-urlencoded') {
  return fetch(server.url + url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': contentType, origin: server.url, ...(as ? { cookie: cookies[as]! } : {}) },
    body: typeof body === 'string' ? body : body.toString(),
  });
}

beforeAll(async () => {
  const database = await serverDatabase();
  db = database.db;
  const id = (email: string) => userIdByEmailIn(db, email);
  const org = (name: string) => organisationIdIn(db, name);
  const now = new Date().toISOString();
  Object.assign(ids, {
    teacher: await id('teacher@oakfield.example'),
    tom: await id('tom.brennan@oakfield.example'),
    coach: await id('coach@oakfield.example'),
    foreignTeacher: await id('teacher@brookside.example'),
    foreignCoach: await id('coach@brookside.example'),
    oakfield: await org('Oakfield Primary School'),
    brookside: await org('Brookside Academy'),
  });
  const group = async (organisationId: number, name: string, coachId: number, memberId: number) => {
    const groupId = (await db.insertInto('groups').values({ organisation_id: organisationId, name, coach_user_id: coachId, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
    await db.insertInto('group_members').values({ group_id: groupId, user_id: memberId, added_at: now }).execute();
    return groupId;
  };
  ids.group = await group(ids.oakfield!, 'Oak group', ids.coach!, ids.teacher!);
  ids.foreignGroup = await group(ids.brookside!, 'Brook group', ids.foreignCoach!, ids.foreignTeacher!);
  ids.foreignAssignment = (
    await db
      .insertInto('assignments')
      .values({ organisation_id: ids.brookside!, course_slug: 'sample-course', target_kind: 'group', target_group_id: ids.foreignGroup!, assigned_by: ids.foreignCoach!, created_at: now, target_key: `group:${ids.foreignGroup!}` })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  const reflection = async (userId: number) =>
    (
      await db
        .insertInto('reflection_responses')
        .values({ user_id: userId, course_slug: 'sample-course', module_slug: 'first-steps', item_id: 'first-thoughts', content_version: '1', body: 'Shared thoughts', saved_at: now, shared_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  ids.reflection = await reflection(ids.teacher!);
  await db.insertInto('reflection_shares').values({ reflection_id: ids.reflection!, coach_user_id: ids.coach!, shared_at: now }).execute();
  ids.foreignReflection = await reflection(ids.foreignTeacher!);
  const cpd = async (userId: number) =>
    (
      await db
        .insertInto('external_cpd')
        .values({ user_id: userId, title: 'Old entry', provider: '', activity_date: '2025-01-01', hours: 1, note: '', link: null, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  ids.cpd = await cpd(ids.teacher!);
  ids.foreignCpd = await cpd(ids.tom!);
  const certificate = (code: string, userId: number, organisationId: number) =>
    db
      .insertInto('certificates')
      .values({ code, user_id: userId, course_slug: 'sample-course', course_title: 'Sample course', content_version: '1', cpd_hours: 0.5, learner_name: 'X', organisation_id: organisationId, organisation_name: 'School', completed_at: now })
      .execute();
  await certificate('ABC234-DEF567-GHJ789', ids.teacher!, ids.oakfield!);
  await certificate('ZZZ234-DEF567-GHJ789', ids.foreignTeacher!, ids.brookside!);
  (ids as Record<string, unknown>).code = 'ABC234-DEF567-GHJ789';
  (ids as Record<string, unknown>).foreignCode = 'ZZZ234-DEF567-GHJ789';
  server = await startBuiltServer({ database, env: { COURSES_PATH: 'tests/fixtures/courses' } });
  for (const [who, email] of Object.entries({ teacher: 'teacher@oakfield.example', coach: 'coach@oakfield.example', leader: 'leader@oakfield.example', admin: 'admin@kindred.example' })) {
    cookies[who] = await signInOverHttp(server.url, email, DEMO_PASSWORD);
  }
  // Opening a module records the visit (a record of reading, not a form's write): do it first.
  for (const module of ['first-steps', 'second-steps']) await fetch(`${server.url}/courses/sample-course/${module}`, { headers: { cookie: cookies.teacher! } });
});

afterAll(async () => {
  await server?.stop();
});

describe('hostile and broken form submissions', () => {
  for (const formCase of CASES) {
    test(`${formCase.name}: malformed payloads get 400/404/413 and write nothing`, async () => {
      for (const [label, body] of variants(formCase.valid(), formCase.optional)) {
        const before = await snapshot();
        const response = await post(formCase.url(), formCase.as, body);
        const text = await response.text();
        if (label === 'unexpected extra fields') {
          // Extra fields are ignored: the valid request does what it always does, to the sender's own data.
          expect(response.status, `${formCase.name}, ${label}`).toBeLessThan(500);
          continue;
        }
        expect([400, 401, 404, 410, 413, 429], `${formCase.name}, ${label}: ${response.status} ${text.slice(0, 200)}`).toContain(response.status);
        expect(text.length).toBeGreaterThan(0);
        expect(await snapshot(), `${formCase.name}, ${label} wrote something`).toEqual(before);
      }
    });

    if (formCase.foreign) {
      test(`${formCase.name}: another organisation's ids get 404 or 400 and change nothing`, async () => {
        for (const payload of formCase.foreign!()) {
          const before = await snapshot();
          const response = await post(formCase.url(), formCase.as, new URLSearchParams(payload as Record<string, string>));
          expect([400, 404], `${formCase.name} ${JSON.stringify(payload)}`).toContain(response.status);
          expect(await snapshot()).toEqual(before);
        }
      });
    }

    test(`${formCase.name}: a replayed submission writes nothing the second time`, async () => {
      const first = await post(formCase.url(), formCase.as, new URLSearchParams(formCase.valid()));
      expect(first.status).toBeLessThan(500);
      const before = await snapshot();
      const again = await post(formCase.url(), formCase.as, new URLSearchParams(formCase.valid()));
      expect(again.status).toBeLessThan(500);
      const after = await snapshot();
      // A second password change with the old password is refused; a second name change changes nothing.
      expect(after).toEqual(before);
    });
  }

  test('a body over the limit gets 413; a body that is not a form gets 400', async () => {
    const big = await post('/learn/cpd', 'teacher', `title=${'x'.repeat(3 * 1024 * 1024)}`);
    expect(big.status).toBe(413);
    const json = await post('/learn/cpd', 'teacher', '{"title":"x"}', 'application/json');
    expect(json.status).toBe(400);
    const brokenMultipart = await post('/lead/import', 'leader', '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated', 'multipart/form-data; boundary=xyz');
    expect(brokenMultipart.status).toBe(400);
  });
});
