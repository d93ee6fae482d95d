import { describe, expect, test } from 'vitest';
import { seedLarge } from '#db/seed-large.ts';
import { getSessionUser, loadViewer } from '#app/auth/session.server.ts';
import { attemptSignIn } from '#app/models/accounts.server.ts';
import { assignmentsForLearner } from '#app/models/assignments.server.ts';
import { leaderDashboard } from '#app/models/dashboard.server.ts';
import { addGroupMember } from '#app/models/groups.server.ts';
import { inviteMember } from '#app/models/accounts.server.ts';
import { rosterHooks } from '#app/models/roster.server.ts';
import { getDb, getStatementCount } from '#app/utils/db.server.ts';
import { parseCsv } from '#app/utils/csv.ts';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { loader as leadLoader } from '#app/routes/lead._index.tsx';
import { loader as exportLoader } from '#app/routes/lead.export[.csv].ts';
import { action as assignAction } from '#app/routes/lead.assignments.tsx';
import { action as groupAction, loader as groupLoader } from '#app/routes/lead.groups.$groupId.tsx';
import { action as personAction } from '#app/routes/lead.people.$userId.tsx';
import { action as importAction } from '#app/routes/lead.import.tsx';
import { loader as certificateLoader } from '#app/routes/certificates.$code.tsx';
import { loader as auditLoader } from '#app/routes/audit.tsx';
import { loader as auditCsvLoader } from '#app/routes/audit[.csv].ts';
import { completeCourse } from '#db/learning-factories.ts';
import { makeGroup, organisationIdByName } from './support/coaching.ts';
import { cookieFor, getRequest, jsonOf, postRequest, run, userIdByEmail } from './utils.ts';

const LEADER = 'leader@oakfield.example';
type Dashboard = { rows: { name: string; school: string; deactivated: boolean; cells: { slug: string; state: string; text: string }[] }[]; summary: { slug: string; completed: number; inProgress: number; notStarted: number; overdue: number; total: number }[]; bySchool: { organisationName: string }[]; total: number };

async function dashboard(email: string, query = ''): Promise<Dashboard> {
  return jsonOf<Dashboard>(await run(leadLoader, getRequest(`/lead${query}`, await cookieFor(email))));
}

describe('the dashboard', () => {
  test("a school leader sees their own school's staff only", async () => {
    const data = await dashboard(LEADER);
    expect(data.total).toBe(15);
    expect(data.rows.every((r) => r.school === 'Oakfield Primary School')).toBe(true);
    expect(data.bySchool).toEqual([]);
  });

  test('a trust leader sees every school of the trust, with a per-school breakdown, and can filter to one', async () => {
    const data = await dashboard('trust.leader@northfield.example');
    expect(new Set(data.rows.map((r) => r.school))).toEqual(new Set(['Oakfield Primary School', 'Brookside Academy', 'Northfield Learning Trust']));
    expect(data.bySchool.map((s) => s.organisationName)).toEqual(['Brookside Academy', 'Oakfield Primary School']); // the trust's own team is not a school
    const brookside = await organisationIdByName('Brookside Academy');
    const filtered = await dashboard('trust.leader@northfield.example', `?school=${brookside}`);
    expect(filtered.rows.every((r) => r.school === 'Brookside Academy')).toBe(true);
  });

  test("another school's id in a filter matches nobody rather than showing its staff", async () => {
    const brookside = await organisationIdByName('Brookside Academy');
    expect((await dashboard(LEADER, `?school=${brookside}`)).total).toBe(0);
    const theirGroup = await makeGroup('Brookside Academy', 'Brookside group', 'coach@brookside.example', ['teacher@brookside.example']);
    expect((await dashboard(LEADER, `?group=${theirGroup}`)).total).toBe(0);
  });

  test('filters by role and name; statuses read as text', async () => {
    expect((await dashboard(LEADER, '?role=coach')).rows.map((r) => r.name).sort()).toEqual(['Oakfield Coach 1', 'Oakfield Coach 2']);
    const byName = await dashboard(LEADER, '?q=amina');
    expect(byName.rows.map((r) => r.name)).toEqual(['Amina Khan']);
    await completeCourse(await userIdByEmail('teacher@oakfield.example'), 'sample-course');
    const cell = (await dashboard(LEADER, '?q=amina')).rows[0]!.cells.find((c) => c.slug === 'sample-course')!;
    expect(cell.state).toBe('completed');
    expect(cell.text).toMatch(/^Completed \d{1,2} \w+ \d{4}$/);
  });

  test('columns sort by name and by progress in a course, both ways; the default order is school then name', async () => {
    const names = async (q: string) => (await dashboard(LEADER, q)).rows.map((r) => r.name);
    const ascending = await names('?sort=name');
    expect(ascending).toEqual([...ascending].sort((a, b) => a.localeCompare(b, 'en-GB')));
    expect(await names('?sort=name&dir=desc')).toEqual([...ascending].reverse());
    await completeCourse(await userIdByEmail('zara.ahmed@oakfield.example'), 'sample-course');
    const byProgress = await dashboard(LEADER, '?sort=sample-course&dir=desc');
    expect(byProgress.rows[0]!.cells.find((c) => c.slug === 'sample-course')!.state).toBe('completed');
    const rank = (state: string) => ({ overdue: -1, 'not-started': 0, 'in-progress': 1, completed: 2 })[state]!;
    const states = byProgress.rows.map((r) => rank(r.cells.find((c) => c.slug === 'sample-course')!.state));
    expect(states).toEqual([...states].sort((a, b) => b - a));
    // A made-up sort key falls back to the default order rather than failing.
    expect(await names('?sort=nonsense')).toEqual(await names(''));
    const trust = (await dashboard('trust.leader@northfield.example')).rows.map((r) => r.school);
    expect(trust).toEqual([...trust].sort((a, b) => a.localeCompare(b, 'en-GB', { numeric: true })));
  });

  test('a course assigned to a group covers people who join it later, and becomes overdue when its date passes', async () => {
    const groupId = await makeGroup('Oakfield Primary School', 'Late joiners', 'coach@oakfield.example', ['hannah.lewis@oakfield.example']);
    const leader = await cookieFor(LEADER);
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const response = await run(assignAction, postRequest('/lead/assignments', { intent: 'assign', course: 'sample-course', target: `group:${groupId}`, dueDate: due }, leader));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/lead/assignments');
    const joe = await userIdByEmail('joe.nowak@oakfield.example');
    expect(await assignmentsForLearner(joe)).toEqual([]);
    await addGroupMember(await loadViewer(await userIdByEmail(LEADER)), groupId, joe);
    expect(await assignmentsForLearner(joe)).toEqual([expect.objectContaining({ courseSlug: 'sample-course', dueDate: due, assignedBy: 'Oakfield Head' })]);

    const cellFor = async (name: string) => (await dashboard(LEADER, `?q=${encodeURIComponent(name)}`)).rows[0]!.cells.find((c) => c.slug === 'sample-course')!;
    expect((await cellFor('Joe Nowak')).state).toBe('not-started');
    process.env.KINDRED_CLOCK_OFFSET_MS = String(5 * 86_400_000);
    try {
      expect((await cellFor('Joe Nowak')).state).toBe('overdue');
      expect((await dashboard(LEADER)).summary.find((s) => s.slug === 'sample-course')!.overdue).toBe(2);
    } finally {
      delete process.env.KINDRED_CLOCK_OFFSET_MS;
    }
  });

  test('assigning to everyone with a role, to a person of another school, or with a past date', async () => {
    const leader = await cookieFor(LEADER);
    const oakfield = await organisationIdByName('Oakfield Primary School');
    const brookside = await organisationIdByName('Brookside Academy');
    expect((await run(assignAction, postRequest('/lead/assignments', { intent: 'assign', course: 'flawed-course', target: `role:coach:${oakfield}` }, leader))).status).toBe(302);
    expect(await assignmentsForLearner(await userIdByEmail('coach2@oakfield.example'))).toEqual([expect.objectContaining({ courseSlug: 'flawed-course', dueDate: null })]);
    const other = await userIdByEmail('teacher@brookside.example');
    expect((await run(assignAction, postRequest('/lead/assignments', { intent: 'assign', course: 'flawed-course', target: `person:${other}` }, leader))).status).toBe(404);
    expect((await run(assignAction, postRequest('/lead/assignments', { intent: 'assign', course: 'flawed-course', target: `role:teacher:${brookside}` }, leader))).status).toBe(404);
    expect(await assignmentsForLearner(other)).toEqual([]);
    const past = await run(assignAction, postRequest('/lead/assignments', { intent: 'assign', course: 'flawed-course', target: `role:coach:${oakfield}`, dueDate: '2001-01-01' }, leader));
    expect((await jsonOf<{ fieldErrors: Record<string, string> }>(past)).fieldErrors.dueDate).toMatch(/past/);
  });

  test('the CSV has exactly the filtered rows and cells of the table, with formulas neutralised', async () => {
    const email = 'sophie.walsh@oakfield.example';
    await getDb().updateTable('users').set({ name: '=cmd|"/c calc"!A1, Sophie' }).where('email', '=', email).execute();
    const table = await dashboard(LEADER, '?role=teacher');
    const csv = parseCsv(await (await run(exportLoader, getRequest('/lead/export.csv?role=teacher', await cookieFor(LEADER)))).text());
    expect(csv.length - 1).toBe(table.total);
    expect(csv.slice(1).map((r) => r[0]!.replace(/^'/, ''))).toEqual(table.rows.map((r) => r.name));
    const sophie = csv.find((r) => r[0]!.includes('Sophie'))!;
    expect(sophie[0]).toBe(`'=cmd|"/c calc"!A1, Sophie`);
    const tableRow = table.rows.find((r) => r.name.includes('Sophie'))!;
    expect(sophie.slice(6)).toEqual(tableRow.cells.map((c) => c.text));
  });
});

describe('deactivating a member', () => {
  test('ends their sessions and sign-in, keeps their certificates valid, and drops them from the counts unless asked', async () => {
    const email = 'kwame.mensah@oakfield.example';
    const userId = await userIdByEmail(email);
    await completeCourse(userId, 'sample-course');
    const code = (await getDb().selectFrom('certificates').select('code').where('user_id', '=', userId).executeTakeFirstOrThrow()).code;
    const session = await cookieFor(email);
    const oakfield = await organisationIdByName('Oakfield Primary School');
    const before = (await dashboard(LEADER)).summary.find((s) => s.slug === 'sample-course')!;
    const response = await run(personAction, postRequest('/lead/people/x', { intent: 'deactivate', organisationId: String(oakfield) }, await cookieFor(LEADER)), { userId: String(userId) });
    expect(response.status).toBe(302);
    expect(await getSessionUser(getRequest('/learn', session))).toBeNull();
    expect((await attemptSignIn(email, DEMO_PASSWORD, '10.0.0.9')).ok).toBe(false);
    const page = await jsonOf<{ certificate: { revokedAtText: string | null } }>(await run(certificateLoader, getRequest(`/certificates/${code}`), { code }));
    expect(page.certificate.revokedAtText).toBeNull();
    const after = await dashboard(LEADER);
    expect(after.total).toBe(14);
    expect(after.summary.find((s) => s.slug === 'sample-course')!.total).toBe(before.total - 1);
    const withDeactivated = await dashboard(LEADER, '?deactivated=1');
    expect(withDeactivated.rows.find((r) => r.name === 'Kwame Mensah')?.deactivated).toBe(true);
  });

  test("a leader of another school cannot deactivate someone by editing the ids", async () => {
    const brookside = await organisationIdByName('Brookside Academy');
    const target = await userIdByEmail('teacher@brookside.example');
    const response = await run(personAction, postRequest('/lead/people/x', { intent: 'deactivate', organisationId: String(brookside) }, await cookieFor(LEADER)), { userId: String(target) });
    expect(response.status).toBe(404);
    const membership = await getDb().selectFrom('memberships').select('deactivated_at').where('user_id', '=', target).executeTakeFirstOrThrow();
    expect(membership.deactivated_at).toBeNull();
  });
});

describe("another school's groups", () => {
  test('are 404 to a leader, and editing ids in the group form changes nothing', async () => {
    const theirs = await makeGroup('Brookside Academy', 'Their group', 'coach@brookside.example', []);
    const leader = await cookieFor(LEADER);
    expect((await run(groupLoader, getRequest('/lead/groups/x', leader), { groupId: String(theirs) })).status).toBe(404);
    expect((await run(groupAction, postRequest('/lead/groups/x', { intent: 'add', userId: String(await userIdByEmail(LEADER)) }, leader), { groupId: String(theirs) })).status).toBe(404);
    const ours = await makeGroup('Oakfield Primary School', 'Ours', 'coach@oakfield.example', []);
    const outsider = await userIdByEmail('teacher@brookside.example');
    expect((await run(groupAction, postRequest('/lead/groups/x', { intent: 'add', userId: String(outsider) }, leader), { groupId: String(ours) })).status).toBe(404);
    expect(await getDb().selectFrom('group_members').select('user_id').where('group_id', 'in', [theirs, ours]).execute()).toEqual([]);
  });
});

function multipart(fields: Record<string, string>, file?: { name: string; content: string | Uint8Array<ArrayBuffer> }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new File([file.content], file.name, { type: 'text/csv' }));
  return form;
}

async function importRoster(fields: Record<string, string>, file?: { name: string; content: string | Uint8Array<ArrayBuffer> }) {
  const request = new Request('http://localhost:3000/lead/import', { method: 'POST', body: multipart(fields, file), headers: { cookie: await cookieFor(LEADER), origin: 'http://localhost:3000' } });
  return run(importAction, request);
}

type Preview = { step: string; carried: string; preview: { fileError: string | null; rows: { line: number; outcome: string; detail: string; name?: string; email?: string }[]; counts: Record<string, number> }; invitations?: { link: string }[] };

describe('importing a staff list', () => {
  const ROSTER = ['name,email,roles,group', 'Nia Roberts,nia.roberts@oakfield.example,teacher,', '"Brennan, Tom",tom.brennan@oakfield.example,teacher;coach,Import group', 'Amina Khan,teacher@oakfield.example,teacher,'].join('\n');

  test('previews every row, writes nothing until confirmed, then writes all valid rows; importing again changes nothing', async () => {
    await makeGroup('Oakfield Primary School', 'Import group', 'coach@oakfield.example', []);
    const oakfield = String(await organisationIdByName('Oakfield Primary School'));
    const users = async () => (await getDb().selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const before = await users();
    const preview = await jsonOf<Preview>(await importRoster({ intent: 'preview', organisationId: oakfield }, { name: 'staff.csv', content: ROSTER }));
    expect(preview.preview.rows.map((r) => [r.line, r.outcome])).toEqual([
      [2, 'new'],
      [3, 'updated'],
      [4, 'unchanged'],
    ]);
    expect(await users()).toBe(before);

    const done = await jsonOf<Preview>(await importRoster({ intent: 'confirm', organisationId: oakfield, carried: preview.carried }));
    expect(done.step).toBe('done');
    expect(done.invitations).toHaveLength(1);
    expect(done.invitations![0]!.link).toMatch(/\/invitations\/[A-Za-z0-9_-]{32}$/);
    expect(await users()).toBe(before + 1);
    const tom = await getDb().selectFrom('users').select('name').where('email', '=', 'tom.brennan@oakfield.example').executeTakeFirstOrThrow();
    expect(tom.name).toBe('Brennan, Tom');

    const again = await jsonOf<Preview>(await importRoster({ intent: 'preview', organisationId: oakfield, csv: ROSTER }));
    expect(again.preview.counts).toEqual({ new: 0, updated: 0, unchanged: 3, error: 0 });
  });

  test('bad rows get a line number and a reason; good rows still go in', async () => {
    const oakfield = String(await organisationIdByName('Oakfield Primary School'));
    const csv = [
      'name,email,roles,group',
      'Good Person,good.person@oakfield.example,teacher,',
      'Bad Email,not-an-email,teacher,',
      'Bad Role,bad.role@oakfield.example,headteacher,',
      'Bad Group,bad.group@oakfield.example,teacher,Nonexistent',
      'Good Again,GOOD.PERSON@oakfield.example,teacher,',
      ',no.name@oakfield.example,teacher,',
      'Other School,teacher@brookside.example,teacher,',
    ].join('\r\n');
    const preview = await jsonOf<Preview>(await importRoster({ intent: 'preview', organisationId: oakfield, csv }));
    // Rows to fix come first; then the rest, in file order.
    expect(preview.preview.rows.map((r) => `${r.line}:${r.outcome}`)).toEqual(['3:error', '4:error', '5:error', '6:error', '7:error', '8:error', '2:new']);
    preview.preview.rows.sort((a, b) => a.line - b.line);
    expect(preview.preview.rows[1]!.detail).toContain('not an email');
    expect(preview.preview.rows[2]!.detail).toContain('“headteacher” is not a role');
    expect(preview.preview.rows[3]!.detail).toContain('no group called “Nonexistent”');
    expect(preview.preview.rows[4]!.detail).toBe('The same email as line 2.');
    expect(preview.preview.rows[5]!.detail).toBe('The name is missing.');
    // Whether the address is someone's elsewhere is not this leader's to learn.
    expect(preview.preview.rows[6]!.detail).toBe('This email address cannot be added here.');
    const done = await jsonOf<Preview>(await importRoster({ intent: 'confirm', organisationId: oakfield, carried: preview.carried }));
    expect(done.preview.counts.new).toBe(1);
  });

  test('a platform admin’s address gets the same answer as anyone else’s elsewhere', async () => {
    const oakfield = String(await organisationIdByName('Oakfield Primary School'));
    const csv = 'name,email,roles\nAdmin,admin@kindred.example,teacher\nOther,teacher@brookside.example,teacher';
    const preview = await jsonOf<Preview>(await importRoster({ intent: 'preview', organisationId: oakfield, csv }));
    expect(preview.preview.rows.map((r) => r.detail)).toEqual(['This email address cannot be added here.', 'This email address cannot be added here.']);
  });

  test('line numbers count blank lines and line breaks inside quoted cells', async () => {
    const oakfield = String(await organisationIdByName('Oakfield Primary School'));
    const csv = ['name,email,roles', '', '"Multi', 'Line",multi.line@oakfield.example,teacher', '', 'Bad Email,nope,teacher', 'Bad Role,bad.role2@oakfield.example,janitor'].join('\r\n');
    const preview = await jsonOf<Preview>(await importRoster({ intent: 'preview', organisationId: oakfield, csv }));
    expect(preview.preview.rows.map((r) => `${r.line}:${r.outcome}`)).toEqual(['3:error', '6:error', '7:error']);
    expect(preview.preview.rows[0]!.detail).toMatch(/control characters/); // a line break inside a name
  });

  test('an unterminated quote is a file error that names the line, not a silently shortened list', async () => {
    const oakfield = String(await organisationIdByName('Oakfield Primary School'));
    const csv = ['name,email,roles', 'A Person,a.person@oakfield.example,teacher', '"Broken,broken@oakfield.example,teacher', 'C Person,c.person@oakfield.example,teacher'].join('\n');
    const response = await importRoster({ intent: 'preview', organisationId: oakfield, csv });
    expect(response.status).toBe(400);
    const preview = await jsonOf<Preview>(response);
    expect(preview.preview.fileError).toMatch(/quote opened on or before line \d+ is never closed/);
    expect(preview.preview.rows).toEqual([]);
  });

  test('a leader cannot change their own roles by import; another leader can', async () => {
    const oakfield = String(await organisationIdByName('Oakfield Primary School'));
    const csv = 'name,email,roles\nOakfield Head,leader@oakfield.example,"leader, teacher, coach"';
    const preview = await jsonOf<Preview>(await importRoster({ intent: 'preview', organisationId: oakfield, csv }));
    expect(preview.preview.rows[0]).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/cannot change your own roles/) });
    const done = await jsonOf<Preview>(await importRoster({ intent: 'confirm', organisationId: oakfield, carried: preview.carried }));
    expect(done.preview.counts.updated).toBe(0);
    const roles = await getDb()
      .selectFrom('membership_roles as r')
      .innerJoin('memberships as m', 'm.id', 'r.membership_id')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select('r.role')
      .where('u.email', '=', 'leader@oakfield.example')
      .execute();
    expect(roles.map((r) => r.role).sort()).toEqual(['leader', 'teacher']);
  });

  test('someone added between preview and confirm: a clear message and nothing written, not a 500', async () => {
    const oakfield = await organisationIdByName('Oakfield Primary School');
    const csv = 'name,email,roles\nRace One,race.one@oakfield.example,teacher\nRace Two,race.two@oakfield.example,teacher';
    const preview = await jsonOf<Preview>(await importRoster({ intent: 'preview', organisationId: String(oakfield), csv }));
    expect(preview.preview.counts.new).toBe(2);
    // Between the re-check and the write: another leader's import adds one of them.
    const original = rosterHooks.beforeWrite;
    rosterHooks.beforeWrite = async () => {
      await inviteMember(await loadViewer(await userIdByEmail('trust.leader@northfield.example')), oakfield, { name: 'Race Two', email: 'race.two@oakfield.example', roles: ['teacher'] });
    };
    try {
      const response = await importRoster({ intent: 'confirm', organisationId: String(oakfield), carried: preview.carried });
      expect(response.status).toBe(400);
    } finally {
      rosterHooks.beforeWrite = original;
    }
    expect(await getDb().selectFrom('users').select('id').where('email', '=', 'race.one@oakfield.example').executeTakeFirst()).toBeUndefined();
  });

  test.each([
    ['a missing column', 'name,email\nA,a@oakfield.example', /no “roles” column/],
    ['a file that is not CSV', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08]), /not a CSV file/],
    ['10,000 rows', ['name,email,roles', ...Array.from({ length: 10_000 }, (_, i) => `P ${i},p${i}@oakfield.example,teacher`)].join('\n'), /10,000 rows; import at most 2,000/],
  ])('%s gets one clear message and nothing is written', async (_label, content, message) => {
    const oakfield = String(await organisationIdByName('Oakfield Primary School'));
    const before = await getDb().selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const response = await importRoster({ intent: 'preview', organisationId: oakfield }, { name: 'staff.csv', content });
    expect(response.status).toBe(400);
    expect((await jsonOf<Preview>(response)).preview.fileError).toMatch(message);
    const after = await getDb().selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test("another school's id in the form gets 404", async () => {
    const brookside = String(await organisationIdByName('Brookside Academy'));
    expect((await importRoster({ intent: 'preview', organisationId: brookside, csv: ROSTER })).status).toBe(404);
  });
});

describe('speed at scale', () => {
  test('the dashboard runs the same number of SQL statements for about 30 staff and for 300', async () => {
    await seedLarge(getDb(), 300);
    const count = async (email: string) => {
      const viewer = (await getSessionUser(getRequest('/lead', await cookieFor(email))))!;
      const before = getStatementCount();
      const { rows } = await leaderDashboard(viewer, {});
      return { statements: getStatementCount() - before, rows: rows.length };
    };
    const small = await count('trust.leader@northfield.example');
    const large = await count('trust.leader@large.example');
    expect(small.rows).toBeLessThan(50);
    expect(large.rows).toBe(300);
    expect(large.statements).toBe(small.statements);
  });
});

describe('the audit trail', () => {
  type Trail = { total: number; rows: { event: string; actor: string; subject: string; organisation: string; address: string | null; detail: string }[] };
  const trail = async (email: string, query = '') => jsonOf<Trail>(await run(auditLoader, getRequest(`/audit${query}`, await cookieFor(email))));

  test('a leader reads what happened in their organisations only; a platform admin reads everything', async () => {
    await makeGroup('Oakfield Primary School', 'Audit oak', 'coach@oakfield.example', ['tom.brennan@oakfield.example']);
    await makeGroup('Brookside Academy', 'Audit brook', 'coach@brookside.example', ['teacher@brookside.example']);
    const oak = await trail(LEADER, '?event=group_member_added');
    expect(oak.rows.some((r) => r.subject.includes('Tom') && r.organisation === 'Oakfield Primary School')).toBe(true);
    expect(oak.rows.some((r) => r.organisation === 'Brookside Academy')).toBe(false);
    expect(oak.rows.every((r) => r.address === null)).toBe(true);
    const brook = await trail('leader@brookside.example', '?event=group_member_added');
    expect(brook.rows.some((r) => r.subject.includes('Tom'))).toBe(false);
    const admin = await trail('admin@kindred.example', '?event=group_member_added');
    expect(new Set(admin.rows.map((r) => r.organisation))).toEqual(new Set(['Oakfield Primary School', 'Brookside Academy']));
  });

  test('filters by person and date; the CSV has exactly the filtered rows', async () => {
    const byTom = await trail(LEADER, '?q=tom.brennan');
    expect(byTom.total).toBeGreaterThan(0);
    expect(byTom.rows.every((r) => r.subject.includes('Tom') || r.actor.includes('Tom'))).toBe(true);
    expect((await trail(LEADER, '?to=2001-01-01')).total).toBe(0);
    const csv = parseCsv(await (await run(auditCsvLoader, getRequest('/audit.csv?q=tom.brennan', await cookieFor(LEADER)))).text());
    expect(csv[0]).toEqual(['When (UTC)', 'What', 'Who', 'About whom', 'Organisation', 'Details']);
    expect(csv.length - 1).toBe(byTom.total);
  });

  test('teachers and coaches may not read it', async () => {
    expect((await run(auditLoader, getRequest('/audit', await cookieFor('teacher@oakfield.example')))).status).toBe(403);
    expect((await run(auditLoader, getRequest('/audit', await cookieFor('coach@oakfield.example')))).status).toBe(403);
  });
});

describe('by school', () => {
  test('schools in natural order (2 before 10), the trust’s own team not listed as a school', async () => {
    const { summariseBySchool } = await import('#app/models/reports.server.ts');
    const row = (organisationId: number, organisationName: string) => ({ userId: organisationId, name: 'x', email: 'x@x.example', joined: true, organisationId, organisationName, roles: [], groups: [], deactivated: false, lastActivityAt: null, cells: {} });
    const rows = [row(10, 'School 10'), row(2, 'School 2'), row(1, 'Riverbend Trust'), row(3, 'school 3')];
    const summary = summariseBySchool(rows, [], new Set([10, 2, 3]));
    expect(summary.map((s) => s.organisationName)).toEqual(['School 2', 'school 3', 'School 10']);
  });
});

describe('importing what schools really have', () => {
  test('Excel’s Windows-1252 CSV is read as such, and common header names are understood', async () => {
    const oakfield = String(await organisationIdByName('Oakfield Primary School'));
    const csv = 'Forename,Surname,Email address,Role\r\nSiân,Llewellyn,sian.llewellyn@oakfield.example,teacher\r\n';
    const windows1252 = Uint8Array.from([...csv].map((c) => (c === 'â' ? 0xe2 : c.charCodeAt(0))));
    const preview = await jsonOf<Preview>(await importRoster({ intent: 'preview', organisationId: oakfield }, { name: 'staff.csv', content: windows1252 }));
    expect(preview.preview.fileError).toBeNull();
    expect(preview.preview.rows[0]).toMatchObject({ outcome: 'new', name: 'Siân Llewellyn', email: 'sian.llewellyn@oakfield.example' });
  });
});

describe('the staff export', () => {
  test('a row per person and course, each fact in its own column, for pivot tables', async () => {
    const csv = parseCsv(await (await run(exportLoader, getRequest('/lead/export.csv?format=long&q=amina', await cookieFor(LEADER)))).text());
    expect(csv[0]).toEqual(['Name', 'Email', 'School', 'Roles', 'Groups', 'Account', 'Course', 'Status', 'Percent', 'Assigned', 'Assigned on', 'Due', 'Overdue', 'Completed on', 'Certificate code']);
    const body = csv.slice(1);
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((r) => r[1] === 'teacher@oakfield.example' && r[2] === 'Oakfield Primary School')).toBe(true);
    expect(new Set(body.map((r) => r[6])).size).toBe(body.length); // one row per course
    for (const r of body) expect(['Completed', 'In progress', 'Not started']).toContain(r[7]);
  });

  test('search finds people by email too', async () => {
    const data = await dashboard(LEADER, '?q=zara.ahmed@');
    expect(data.rows.map((r) => r.name)).toEqual(['Zara Ahmed']);
  });
});

describe('counting what was asked', () => {
  test('completion is out of those the course is assigned to; invitees who have not joined are counted apart', async () => {
    const leader = await loadViewer(await userIdByEmail(LEADER));
    const oakfield = await organisationIdByName('Oakfield Primary School');
    await inviteMember(leader, oakfield, { name: 'Not Yet Joined', email: 'not.yet.joined@oakfield.example', roles: ['teacher'] });
    const groupId = await makeGroup('Oakfield Primary School', 'Counted group', 'coach@oakfield.example', ['priya.patel@oakfield.example', 'daniel.hughes@oakfield.example']);
    const { assignCourse } = await import('#app/models/assignments.server.ts');
    await assignCourse(leader, 'leader', { target: `group:${groupId}`, courseSlug: 'sample-course', dueDate: null });
    await completeCourse(await userIdByEmail('priya.patel@oakfield.example'), 'sample-course');
    const data = await leaderDashboard(leader, { course: 'sample-course' });
    const sample = data.summary.find((s) => s.slug === 'sample-course')!;
    const rows = data.rows.filter((r) => !r.deactivated);
    const joined = rows.filter((r) => r.joined);
    expect(sample.total).toBe(joined.length);
    expect(sample.notJoined).toBe(rows.length - joined.length);
    expect(sample.notJoined).toBeGreaterThanOrEqual(1);
    expect(sample.assigned).toBe(joined.filter((r) => r.cells['sample-course']!.assigned).length);
    expect(sample.assigned + sample.notAssigned).toBe(sample.total);
    expect(sample.assignedCompleted).toBe(joined.filter((r) => r.cells['sample-course']!.assigned && r.cells['sample-course']!.state === 'completed').length);
    expect(sample.assignedCompleted).toBeGreaterThanOrEqual(1);
  });

  test('the list filters by course and status; the summary still counts everyone', async () => {
    const leader = await loadViewer(await userIdByEmail(LEADER));
    const all = await leaderDashboard(leader, {});
    const notAssigned = await leaderDashboard(leader, { course: 'sample-course', status: 'not-assigned' });
    expect(notAssigned.rows.length).toBeGreaterThan(0);
    expect(notAssigned.rows.every((r) => !r.cells['sample-course']!.assigned)).toBe(true);
    const completed = await leaderDashboard(leader, { course: 'sample-course', status: 'completed' });
    expect(completed.rows.every((r) => r.cells['sample-course']!.state === 'completed')).toBe(true);
    expect(notAssigned.summary).toEqual(all.summary);
  });
});

describe('the governors’ summary', () => {
  test('is aggregate: no names unless a leader asks for them', async () => {
    const { loader: governorsLoader } = await import('#app/routes/lead.governors.tsx');
    const cookie = await cookieFor('trust.leader@northfield.example');
    type Summary = { people: { name: string }[]; hoursBySchool: { school: string; staff: number }[]; staff: number; withNames: boolean };
    const plain = await jsonOf<Summary>(await run(governorsLoader, getRequest('/lead/governors', cookie)));
    expect(plain.withNames).toBe(false);
    expect(plain.people).toEqual([]);
    expect(plain.hoursBySchool.reduce((n, s) => n + s.staff, 0)).toBe(plain.staff);
    const named = await jsonOf<Summary>(await run(governorsLoader, getRequest('/lead/governors?names=1', cookie)));
    expect(named.people.length).toBe(plain.staff);
  });

  test('carries the pictures: completion over the year per course, and by school for a trust, the same figures as the dashboard', async () => {
    const { loader: governorsLoader } = await import('#app/routes/lead.governors.tsx');
    type Charts = { trends: { slug: string; months: { completed: number }[] }[]; bySchool: { organisationName: string; courses: { slug: string; assigned: number; assignedCompleted: number }[] }[] };
    const trust = await jsonOf<Charts>(await run(governorsLoader, getRequest('/lead/governors', await cookieFor('trust.leader@northfield.example'))));
    const dashboardData = await dashboard('trust.leader@northfield.example');
    expect(trust.trends.map((t) => t.slug)).toEqual(dashboardData.summary.map((s) => s.slug));
    expect(trust.bySchool.map((s) => s.organisationName)).toEqual(['Brookside Academy', 'Oakfield Primary School']);
    expect(trust.bySchool).toEqual(dashboardData.bySchool.map((s) => expect.objectContaining({ organisationName: s.organisationName, courses: (s as unknown as { courses: unknown }).courses })));
    const school = await jsonOf<Charts>(await run(governorsLoader, getRequest('/lead/governors', await cookieFor(LEADER))));
    expect(school.bySchool).toEqual([]);
  });
});

describe('completion over the school year', () => {
  test('cumulative completions by month since September, of staff who have joined', async () => {
    const data = await dashboard(LEADER);
    const trends = (data as unknown as { trends: { slug: string; base: number; months: { month: string; completed: number }[] }[] }).trends;
    const sample = trends.find((t) => t.slug === 'sample-course')!;
    expect(sample.months[0]!.month.endsWith('-09')).toBe(true);
    const counts = sample.months.map((m) => m.completed);
    expect(counts).toEqual([...counts].sort((a, b) => a - b)); // never goes down
    expect(counts.at(-1)).toBe(data.summary.find((s) => s.slug === 'sample-course')!.completed);
  });
});
