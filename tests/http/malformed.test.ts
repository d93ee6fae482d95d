import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { TEMPLATE_DB } from '#tests/setup/paths.ts';
import { signInOverHttp, startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';

// Every form action, sent what a hostile or broken client might send. The answer is always a
// 400, 404 or 413 with a message, never a 500, and nothing is written. A replayed valid
// submission writes nothing the second time.

const TABLES = ['users', 'memberships', 'membership_roles', 'organisations', 'invitations', 'groups', 'group_members', 'assignments', 'enrolments', 'module_progress', 'reflection_responses', 'check_attempts', 'reflection_comments', 'certificates', 'external_cpd', 'outbox', 'password_resets', 'email_preferences', 'sessions'];
const WATCHED = TABLES.filter((t) => t !== 'sessions');

let server: RunningServer;
let databasePath: string;
const cookies: Record<string, string> = {};
const ids: Record<string, number> = {};

function snapshot(): Record<string, string> {
  const db = new SQLite(databasePath, { readonly: true });
  try {
    // Counts plus the latest change of the rows people edit: an update shows as well as an insert.
    const result: Record<string, string> = {};
    for (const table of WATCHED) result[table] = String((db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n);
    result.names = (db.prepare('select group_concat(name) as v from users').get() as { v: string }).v;
    result.revoked = String((db.prepare('select count(*) as n from certificates where revoked_at is not null').get() as { n: number }).n);
    result.deactivated = String((db.prepare('select count(*) as n from memberships where deactivated_at is not null').get() as { n: number }).n);
    result.withdrawn = String((db.prepare('select count(*) as n from assignments where withdrawn_at is not null').get() as { n: number }).n);
    result.shared = String((db.prepare('select count(*) as n from reflection_responses where shared_at is not null').get() as { n: number }).n);
    result.cpd = (db.prepare("select group_concat(title || hours) as v from external_cpd").get() as { v: string | null }).v ?? '';
    result.passwords = (db.prepare('select group_concat(password_hash) as v from users').get() as { v: string }).v;
    return result;
  } finally {
    db.close();
  }
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
  databasePath = tempDatabasePath(TEMPLATE_DB);
  const db = new SQLite(databasePath);
  const id = (email: string) => (db.prepare('select id from users where email = ?').get(email) as { id: number }).id;
  const org = (name: string) => (db.prepare('select id from organisations where name = ?').get(name) as { id: number }).id;
  const now = new Date().toISOString();
  Object.assign(ids, {
    teacher: id('teacher@oakfield.example'),
    tom: id('tom.brennan@oakfield.example'),
    coach: id('coach@oakfield.example'),
    foreignTeacher: id('teacher@brookside.example'),
    foreignCoach: id('coach@brookside.example'),
    oakfield: org('Oakfield Primary School'),
    brookside: org('Brookside Academy'),
  });
  ids.group = Number(db.prepare('insert into groups (organisation_id, name, coach_user_id, created_at) values (?, ?, ?, ?)').run(ids.oakfield, 'Oak group', ids.coach, now).lastInsertRowid);
  db.prepare('insert into group_members (group_id, user_id, added_at) values (?, ?, ?)').run(ids.group, ids.teacher, now);
  ids.foreignGroup = Number(db.prepare('insert into groups (organisation_id, name, coach_user_id, created_at) values (?, ?, ?, ?)').run(ids.brookside, 'Brook group', ids.foreignCoach, now).lastInsertRowid);
  db.prepare('insert into group_members (group_id, user_id, added_at) values (?, ?, ?)').run(ids.foreignGroup, ids.foreignTeacher, now);
  ids.foreignAssignment = Number(
    db.prepare("insert into assignments (organisation_id, course_slug, target_kind, target_group_id, assigned_by, created_at) values (?, 'sample-course', 'group', ?, ?, ?)").run(ids.brookside, ids.foreignGroup, ids.foreignCoach, now).lastInsertRowid,
  );
  const reflection = db.prepare("insert into reflection_responses (user_id, course_slug, module_slug, item_id, content_version, body, saved_at, shared_at) values (?, 'sample-course', 'first-steps', 'first-thoughts', '1', 'Shared thoughts', ?, ?)");
  ids.reflection = Number(reflection.run(ids.teacher, now, now).lastInsertRowid);
  db.prepare('insert into reflection_shares (reflection_id, coach_user_id, shared_at) values (?, ?, ?)').run(ids.reflection, ids.coach, now);
  ids.foreignReflection = Number(reflection.run(ids.foreignTeacher, now, now).lastInsertRowid);
  const cpd = db.prepare("insert into external_cpd (user_id, title, provider, activity_date, hours, note, link, created_at, updated_at) values (?, 'Old entry', '', '2025-01-01', 1, '', null, ?, ?)");
  ids.cpd = Number(cpd.run(ids.teacher, now, now).lastInsertRowid);
  ids.foreignCpd = Number(cpd.run(ids.tom, now, now).lastInsertRowid);
  const certificate = db.prepare("insert into certificates (code, user_id, course_slug, course_title, content_version, cpd_hours, learner_name, organisation_id, organisation_name, completed_at) values (?, ?, 'sample-course', 'Sample course', '1', 0.5, 'X', ?, 'School', ?)");
  certificate.run('ABC234-DEF567-GHJ789', ids.teacher, ids.oakfield, now);
  certificate.run('ZZZ234-DEF567-GHJ789', ids.foreignTeacher, ids.brookside, now);
  (ids as Record<string, unknown>).code = 'ABC234-DEF567-GHJ789';
  (ids as Record<string, unknown>).foreignCode = 'ZZZ234-DEF567-GHJ789';
  db.close();
  server = await startBuiltServer({ databasePath, env: { COURSES_PATH: 'tests/fixtures/courses' } });
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
        const before = snapshot();
        const response = await post(formCase.url(), formCase.as, body);
        const text = await response.text();
        if (label === 'unexpected extra fields') {
          // Extra fields are ignored: the valid request does what it always does, to the sender's own data.
          expect(response.status, `${formCase.name}, ${label}`).toBeLessThan(500);
          continue;
        }
        expect([400, 401, 404, 410, 413, 429], `${formCase.name}, ${label}: ${response.status} ${text.slice(0, 200)}`).toContain(response.status);
        expect(text.length).toBeGreaterThan(0);
        expect(snapshot(), `${formCase.name}, ${label} wrote something`).toEqual(before);
      }
    });

    if (formCase.foreign) {
      test(`${formCase.name}: another organisation's ids get 404 or 400 and change nothing`, async () => {
        for (const payload of formCase.foreign!()) {
          const before = snapshot();
          const response = await post(formCase.url(), formCase.as, new URLSearchParams(payload as Record<string, string>));
          expect([400, 404], `${formCase.name} ${JSON.stringify(payload)}`).toContain(response.status);
          expect(snapshot()).toEqual(before);
        }
      });
    }

    test(`${formCase.name}: a replayed submission writes nothing the second time`, async () => {
      const first = await post(formCase.url(), formCase.as, new URLSearchParams(formCase.valid()));
      expect(first.status).toBeLessThan(500);
      const before = snapshot();
      const again = await post(formCase.url(), formCase.as, new URLSearchParams(formCase.valid()));
      expect(again.status).toBeLessThan(500);
      const after = snapshot();
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
