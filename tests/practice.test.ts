import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadViewer } from '#app/auth/session.server.ts';
import { getDb } from '#app/utils/db.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { addDays, runSchedule } from '#app/mail/schedule.server.ts';
import { setPreferences } from '#app/mail/preferences.server.ts';
import { cpdLog } from '#app/models/cpd.server.ts';
import { practiceLine } from '#app/models/certificate-document.server.ts';
import { exportPersonalData, erasePerson } from '#app/models/personal-data.server.ts';
import { followedUpStepCount } from '#app/models/practice.server.ts';
import { removeGroupMember } from '#app/models/groups.server.ts';
import { action as planAction, loader as practiceListLoader } from '#app/routes/learn.practice._index.tsx';
import { action as stepAction, loader as stepLoader } from '#app/routes/practice.$id.tsx';
import { loader as moduleLoader } from '#app/routes/courses.$course.$module.tsx';
import { loader as learnLoader } from '#app/routes/learn._index.tsx';
import { loader as coachLoader } from '#app/routes/coach._index.tsx';
import { loader as coacheeLoader } from '#app/routes/coach.people.$userId.tsx';
import { loader as leadLoader } from '#app/routes/lead._index.tsx';
import { loader as governorsLoader } from '#app/routes/lead.governors.tsx';
import { makeGroup } from './support/coaching.ts';
import { cookieFor, flashOf, getRequest, jsonOf, postRequest, run, userIdByEmail } from './utils.ts';

// Practice cycles (issue 19, docs/decisions/019-practice-cycles.md): the plan, the follow-up, a
// repeat or a next step, a coach's notes, who may see what, and the records they feed.

const TEACHER = 'teacher@oakfield.example';
const OTHER_TEACHER = 'tom.brennan@oakfield.example';
const COACH = 'coach@oakfield.example';
const OTHER_COACH = 'coach2@oakfield.example';
const LEADER = 'leader@oakfield.example';
const MODULE = { course: 'sample-course', module: 'first-steps' };
const PLAN_TEXT = 'Cold-call with a think-pair-share first, in the first ten minutes';

const today = () => ukDate(new Date().toISOString());

function planFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    intent: 'plan',
    course: 'sample-course',
    module: 'first-steps',
    item: 'try-a-routine',
    returnTo: 'module',
    what: PLAN_TEXT,
    className: '8R2, period 3',
    followUpOn: addDays(today(), 7),
    successLooksLike: 'More hands, and quieter pupils answering',
    submissionKey: `key-${Math.random()}`,
    ...overrides,
  };
}

async function plan(email: string, overrides: Record<string, string> = {}): Promise<number> {
  const response = await run(planAction, postRequest('/learn/practice', planFields(overrides), await cookieFor(email)));
  expect(response.status, await response.clone().text()).toBe(302);
  const location = response.headers.get('location')!;
  if (location.startsWith('/practice/')) return Number(location.split('/')[2]!.split('#')[0]);
  const rows = await getDb().selectFrom('action_steps').select('id').where('user_id', '=', await userIdByEmail(email)).orderBy('id', 'desc').execute();
  return rows[0]!.id;
}

async function stepRow(id: number) {
  return getDb().selectFrom('action_steps').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function viewStep(email: string, id: number): Promise<Response> {
  return run(stepLoader, getRequest(`/practice/${id}`, await cookieFor(email)), { id: String(id) });
}

async function post(email: string, id: number, fields: Record<string, string>): Promise<Response> {
  return run(stepAction, postRequest(`/practice/${id}`, fields, await cookieFor(email)), { id: String(id) });
}

let teacherId: number;

beforeAll(async () => {
  await makeGroup('Oakfield Primary School', 'Practice group', COACH, [TEACHER]);
  await makeGroup('Oakfield Primary School', 'Other practice group', OTHER_COACH, [OTHER_TEACHER]);
  teacherId = await userIdByEmail(TEACHER);
});

afterEach(() => {
  delete process.env.KINDRED_CLOCK_OFFSET_MS;
});

describe('planning an action step', () => {
  test('from the module page: saved, said once, and the module shows it instead of a new form', async () => {
    const cookie = await cookieFor(TEACHER);
    const before = await jsonOf<{ page: { actionSteps: Record<string, { prompt: string; plan: unknown; steps: unknown[] }> } }>(await run(moduleLoader, getRequest('/courses/sample-course/first-steps', cookie), MODULE));
    expect(before.page.actionSteps['try-a-routine']!.prompt).toMatch(/Try one new routine/);
    expect(before.page.actionSteps['try-a-routine']!.plan).not.toBeNull();

    const response = await run(planAction, postRequest('/learn/practice', planFields(), cookie));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/courses/sample-course/first-steps#item-try-a-routine');
    expect((await flashOf(response)).message).toMatch(/Kindred will ask how it went on \d+ \w+ \d{4}/);

    const after = await jsonOf<{ page: { actionSteps: Record<string, { plan: unknown; steps: { what: string; state: string }[] }> } }>(await run(moduleLoader, getRequest('/courses/sample-course/first-steps', cookie), MODULE));
    expect(after.page.actionSteps['try-a-routine']!.plan).toBeNull();
    expect(after.page.actionSteps['try-a-routine']!.steps.map((s) => [s.what, s.state])).toContainEqual([PLAN_TEXT, 'planned']);
  });

  test.each([
    ['nothing written', { what: '', className: '', successLooksLike: '' }, ['what', 'className', 'successLooksLike']],
    ['a date in the past', { followUpOn: addDays(today(), -1) }, ['followUpOn']],
    ['a date more than 180 days ahead', { followUpOn: addDays(today(), 181) }, ['followUpOn']],
    ['a date that does not exist', { followUpOn: '2027-02-30' }, ['followUpOn']],
    ['an over-long class', { className: 'x'.repeat(121) }, ['className']],
  ])('refuses %s, with the message by the field, and saves nothing', async (_, overrides, fields) => {
    const count = async () => (await getDb().selectFrom('action_steps').select('id').execute()).length;
    const before = await count();
    const response = await run(planAction, postRequest('/learn/practice', planFields(overrides), await cookieFor(OTHER_TEACHER)));
    expect(response.status).toBe(400);
    const body = await jsonOf<{ errors: Record<string, string>; values: Record<string, string> }>(response);
    expect(Object.keys(body.errors).sort()).toEqual([...fields].sort());
    expect(body.values.what).toBe(planFields(overrides).what);
    expect(await count()).toBe(before);
  });

  test('refuses an action step that is not in the module, and a module that does not exist', async () => {
    const cookie = await cookieFor(OTHER_TEACHER);
    expect((await run(planAction, postRequest('/learn/practice', planFields({ item: 'first-thoughts' }), cookie))).status).toBe(404);
    expect((await run(planAction, postRequest('/learn/practice', planFields({ module: 'nope' }), cookie))).status).toBe(404);
  });

  test('the same form sent twice makes one step', async () => {
    const fields = planFields({ submissionKey: 'twice', what: 'Sent twice' });
    const cookie = await cookieFor(OTHER_TEACHER);
    await Promise.all([run(planAction, postRequest('/learn/practice', fields, cookie)), run(planAction, postRequest('/learn/practice', fields, cookie))]);
    const rows = await getDb().selectFrom('action_steps').select('id').where('what', '=', 'Sent twice').execute();
    expect(rows).toHaveLength(1);
  });
});

describe('who may see a step', () => {
  test('private to its author until shared; then their coach, and nobody else; a coach who stops coaching them loses it', async () => {
    const id = await plan(TEACHER, { what: 'Private routine' });
    expect((await viewStep(TEACHER, id)).status).toBe(200);
    for (const email of [COACH, OTHER_COACH, OTHER_TEACHER, LEADER, 'trust.leader@northfield.example', 'admin@kindred.example']) {
      expect((await viewStep(email, id)).status, email).toBe(404);
    }
    const shared = await post(TEACHER, id, { intent: 'share', shared: '1' });
    expect(shared.status).toBe(302);
    expect((await flashOf(shared)).message).toMatch(/Shared with/);
    expect((await viewStep(COACH, id)).status).toBe(200);
    for (const email of [OTHER_COACH, OTHER_TEACHER, LEADER]) expect((await viewStep(email, id)).status, email).toBe(404);
    // The coach heard of it, once.
    const notices = await getDb().selectFrom('outbox').select('template').where('to_address', '=', COACH).where('template', '=', 'practice-shared').execute();
    expect(notices.length).toBeGreaterThanOrEqual(1);

    const group = await getDb().selectFrom('groups').select('id').where('name', '=', 'Practice group').executeTakeFirstOrThrow();
    const trustLeader = await loadViewer(await userIdByEmail('trust.leader@northfield.example'));
    await removeGroupMember(trustLeader, group.id, teacherId);
    expect((await viewStep(COACH, id)).status).toBe(404);
    await makeGroup('Oakfield Primary School', 'Practice group again', COACH, [TEACHER]);
    expect((await viewStep(COACH, id)).status).toBe(200);
  });

  test('nobody else can write on it, and a teacher cannot write a coach’s note', async () => {
    const id = await plan(TEACHER, { what: 'Guarded routine' });
    await post(TEACHER, id, { intent: 'share', shared: '1' });
    expect((await post(OTHER_COACH, id, { intent: 'note', kind: 'feedback', body: 'Sneaky' })).status).toBe(404);
    expect((await post(LEADER, id, { intent: 'note', kind: 'feedback', body: 'Sneaky' })).status).toBe(404);
    expect((await post(OTHER_TEACHER, id, { intent: 'follow-up', outcome: 'as-planned', happened: 'Sneaky' })).status).toBe(404);
    expect((await post(COACH, id, { intent: 'follow-up', outcome: 'as-planned', happened: 'Sneaky' })).status).toBe(404);
    expect((await post(TEACHER, id, { intent: 'note', kind: 'feedback', body: 'Self-praise' })).status).toBe(404);
    const notes = await getDb().selectFrom('action_step_notes').select('body').where('step_id', '=', id).execute();
    expect(notes).toEqual([]);
    expect((await stepRow(id)).status).toBe('planned');
  });
});

describe('the cycle', () => {
  test('"not yet" moves the date; tried closes the loop; the coach adds notes; the teacher carries it to a next step', async () => {
    const id = await plan(TEACHER, { what: 'Entry routine at the door', followUpOn: today() });
    await post(TEACHER, id, { intent: 'share', shared: '1' });

    const missingDate = await post(TEACHER, id, { intent: 'follow-up', outcome: 'not-yet', happened: '' });
    expect(missingDate.status).toBe(400);
    expect((await jsonOf<{ errors: Record<string, string> }>(missingDate)).errors.newDate).toMatch(/new date/);
    const noText = await post(TEACHER, id, { intent: 'follow-up', outcome: 'adapted', happened: '' });
    expect((await jsonOf<{ errors: Record<string, string> }>(noText)).errors.happened).toMatch(/what happened/);

    const later = addDays(today(), 5);
    const moved = await post(TEACHER, id, { intent: 'follow-up', outcome: 'not-yet', happened: 'Trip day', newDate: later });
    expect(moved.status).toBe(302);
    expect(await stepRow(id)).toMatchObject({ status: 'planned', follow_up_on: later, outcome: null });

    const tried = await post(TEACHER, id, { intent: 'follow-up', outcome: 'adapted', happened: 'Worked with a visualiser', next: 'Try it with Year 9', minutesGiven: '45' });
    expect(tried.status).toBe(302);
    expect(await stepRow(id)).toMatchObject({ status: 'followed-up', outcome: 'adapted', minutes_given: 45 });
    expect((await post(TEACHER, id, { intent: 'follow-up', outcome: 'as-planned', happened: 'Again' })).status).toBe(409);
    const coachEmails = await getDb().selectFrom('outbox').select('template').where('to_address', '=', COACH).where('template', '=', 'practice-followed-up').execute();
    expect(coachEmails.length).toBeGreaterThanOrEqual(2);

    expect((await post(COACH, id, { intent: 'note', kind: 'observation', body: 'Calm start, all in by 9:02' })).status).toBe(302);
    expect((await post(COACH, id, { intent: 'note', kind: 'agreed-next', body: 'Same routine with 9C' })).status).toBe(302);
    expect((await post(COACH, id, { intent: 'note', kind: 'agreed-next', body: '' })).status).toBe(400);

    // The teacher sees the coach's notes as new on My learning until they open the step.
    const learn = await jsonOf<{ practice: { waiting: { id: number; unreadNotes: number }[] } }>(await run(learnLoader, getRequest('/learn', await cookieFor(TEACHER))));
    expect(learn.practice.waiting.find((s) => s.id === id)?.unreadNotes).toBe(2);
    const page = await jsonOf<{ nextStepDraft: string; step: { notes: { kindText: string }[] } }>(await viewStep(TEACHER, id));
    expect(page.nextStepDraft).toBe('Same routine with 9C');
    expect(page.step.notes.map((n) => n.kindText)).toEqual(['How it went: not tried yet', 'How it went: tried, adapted', 'Observation', 'Agreed next step']);
    const reread = await jsonOf<{ practice: { waiting: { id: number }[] } }>(await run(learnLoader, getRequest('/learn', await cookieFor(TEACHER))));
    expect(reread.practice.waiting.some((s) => s.id === id)).toBe(false);

    const next = await run(planAction, postRequest('/learn/practice', planFields({ what: 'Same routine with 9C', className: '9C', previousStepId: String(id), endPreviousAs: 'carried', returnTo: 'step' }), await cookieFor(TEACHER)));
    expect(next.status).toBe(302);
    const nextId = Number(next.headers.get('location')!.split('/')[2]);
    expect(await stepRow(id)).toMatchObject({ status: 'closed', ended_as: 'carried' });
    expect(await stepRow(nextId)).toMatchObject({ status: 'planned', previous_step_id: id });
    // The thread continues with the coach: the next step is shared as the last one was.
    expect((await viewStep(COACH, nextId)).status).toBe(200);
    const thread = await jsonOf<{ step: { earlier: { id: number }[] } }>(await viewStep(TEACHER, nextId));
    expect(thread.step.earlier.map((e) => e.id)).toEqual([id]);

    // Someone else's step cannot be carried on, nor one still open.
    expect((await run(planAction, postRequest('/learn/practice', planFields({ previousStepId: String(nextId), endPreviousAs: 'repeated' }), await cookieFor(OTHER_TEACHER)))).status).toBe(404);
    expect((await run(planAction, postRequest('/learn/practice', planFields({ previousStepId: String(nextId), endPreviousAs: 'repeated' }), await cookieFor(TEACHER)))).status).toBe(400);
  });

  test('a coach sees due and overdue follow-ups at a glance, and the steps on the coachee’s page', async () => {
    const id = await plan(TEACHER, { what: 'Overdue routine', followUpOn: today() });
    await post(TEACHER, id, { intent: 'share', shared: '1' });
    process.env.KINDRED_CLOCK_OFFSET_MS = String(3 * 86_400_000);
    const coach = await jsonOf<{ practice: { stepId: number; state: string }[] }>(await run(coachLoader, getRequest('/coach', await cookieFor(COACH))));
    expect(coach.practice.find((p) => p.stepId === id)?.state).toBe('overdue');
    expect(coach.practice[0]!.state).toBe('overdue');
    const coachee = await jsonOf<{ steps: { id: number }[] }>(await run(coacheeLoader, getRequest('/coach/people/x', await cookieFor(COACH)), { userId: String(teacherId) }));
    expect(coachee.steps.some((s) => s.id === id)).toBe(true);
    const other = await jsonOf<{ practice: { stepId: number }[] }>(await run(coachLoader, getRequest('/coach', await cookieFor(OTHER_COACH))));
    expect(other.practice.some((p) => p.stepId === id)).toBe(false);
  });
});

describe('follow-up emails', () => {
  test('"How did it go?" on the chosen day, once; again when the date moves; never for someone who turned reminders off', async () => {
    const id = await plan(OTHER_TEACHER, { what: 'Email me', followUpOn: addDays(today(), 2) });
    const sent = async () => (await getDb().selectFrom('outbox').select('dedupe_key').where('template', '=', 'practice-follow-up-due').where('dedupe_key', 'like', `practice-follow-up:${id}:%`).execute()).length;
    await runSchedule();
    expect(await sent()).toBe(0);
    process.env.KINDRED_CLOCK_OFFSET_MS = String(2 * 86_400_000);
    await runSchedule();
    await runSchedule();
    expect(await sent()).toBe(1);
    const newDate = addDays(today(), 4);
    expect((await post(OTHER_TEACHER, id, { intent: 'follow-up', outcome: 'not-yet', happened: '', newDate })).status).toBe(302);
    process.env.KINDRED_CLOCK_OFFSET_MS = String(4 * 86_400_000);
    await runSchedule();
    expect(await sent()).toBe(2);

    delete process.env.KINDRED_CLOCK_OFFSET_MS;
    const quiet = await plan(OTHER_TEACHER, { what: 'Do not email me', followUpOn: today() });
    await setPreferences(await userIdByEmail(OTHER_TEACHER), { reminders: false });
    await runSchedule();
    expect((await getDb().selectFrom('outbox').select('id').where('dedupe_key', 'like', `practice-follow-up:${quiet}:%`).execute()).length).toBe(0);
    await setPreferences(await userIdByEmail(OTHER_TEACHER), { reminders: true });
  });
});

describe('records', () => {
  test('leaders see counts, never the words', async () => {
    const id = await plan(TEACHER, { what: 'A very particular secret routine' });
    await post(TEACHER, id, { intent: 'follow-up', outcome: 'as-planned', happened: 'What pupil X said in the lesson' });
    const response = await run(leadLoader, getRequest('/lead', await cookieFor(LEADER)));
    const text = await response.clone().text();
    expect(text).not.toContain('secret routine');
    expect(text).not.toContain('pupil X');
    const data = await jsonOf<{ practice: { byCourse: { key: string; planned: number; tried: number; followedUp: number }[] } }>(response);
    const sample = data.practice.byCourse.find((c) => c.key === 'sample-course')!;
    const rows = await getDb().selectFrom('action_steps as s').innerJoin('memberships as m', 'm.user_id', 's.user_id').select(['s.id', 's.outcome']).where('m.organisation_id', '=', (await getDb().selectFrom('organisations').select('id').where('name', '=', 'Oakfield Primary School').executeTakeFirstOrThrow()).id).where('s.course_slug', '=', 'sample-course').execute();
    expect(sample.planned).toBe(new Set(rows.map((r) => r.id)).size);
    expect(sample.tried).toBe(new Set(rows.filter((r) => r.outcome === 'as-planned' || r.outcome === 'adapted').map((r) => r.id)).size);
    expect(sample.tried).toBeGreaterThan(0);
    // Another school's leader counts none of Oakfield's steps.
    const brookside = await jsonOf<{ practice: { byCourse: { key: string; planned: number }[] } }>(await run(leadLoader, getRequest('/lead', await cookieFor('leader@brookside.example'))));
    expect(brookside.practice.byCourse.find((c) => c.key === 'sample-course')?.planned ?? 0).toBe(0);

    // The governors' summary carries the same counts, with or without staff names, and no words.
    for (const address of ['/lead/governors', '/lead/governors?names=1']) {
      const governors = await run(governorsLoader, getRequest(address, await cookieFor(LEADER)));
      const body = await governors.clone().text();
      expect(body).not.toContain('secret routine');
      expect(body).not.toContain('pupil X');
      const summary = await jsonOf<{ practice: { byCourse: { key: string; planned: number; tried: number }[] } }>(governors);
      expect(summary.practice.byCourse.find((c) => c.key === 'sample-course')).toMatchObject({ planned: sample.planned, tried: sample.tried });
    }
  });

  test('a step tried and followed up goes into the CPD log with its time, and a certificate says so', async () => {
    const id = await plan(OTHER_TEACHER, { what: 'Logged routine' });
    const otherId = await userIdByEmail(OTHER_TEACHER);
    const before = await followedUpStepCount(otherId, 'sample-course');
    await post(OTHER_TEACHER, id, { intent: 'follow-up', outcome: 'as-planned', happened: 'Fine', minutesGiven: '90' });
    const entry = (await cpdLog(otherId)).flatMap((y) => y.entries).find((e) => e.kind === 'practice' && e.id === id)!;
    expect(entry).toMatchObject({ title: 'Classroom action step: Logged routine', hours: 1.5, counted: true, link: `/practice/${id}` });
    expect(await followedUpStepCount(otherId, 'sample-course')).toBe(before + 1);
    expect(practiceLine(0)).toBeNull();
    expect(practiceLine(1)).toBe('With 1 classroom action step tried and followed up');
    expect(practiceLine(3)).toBe('With 3 classroom action steps tried and followed up');
  });

  test('the list page groups the steps, and shows a refused plan again with its errors', async () => {
    const list = await jsonOf<{ steps: { state: string }[] }>(await run(practiceListLoader, getRequest('/learn/practice', await cookieFor(TEACHER))));
    expect(list.steps.length).toBeGreaterThan(0);
    const order = ['overdue', 'due', 'planned', 'followed-up', 'closed'];
    const ranks = list.steps.map((s) => order.indexOf(s.state));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  test('a person’s export holds their steps and threads; erasure removes them', async () => {
    const person = await userIdByEmail('hannah.lewis@oakfield.example');
    const id = await plan('hannah.lewis@oakfield.example', { what: 'Hannah’s routine' });
    await post('hannah.lewis@oakfield.example', id, { intent: 'follow-up', outcome: 'adapted', happened: 'Went well' });
    const exported = await exportPersonalData(await loadViewer(person));
    expect(exported.actionSteps.map((s) => s.what)).toContain('Hannah’s routine');
    expect(exported.actionSteps.find((s) => s.id === id)!.thread.map((n) => n.body)).toEqual(['Went well']);
    await erasePerson(await loadViewer(await userIdByEmail('admin@kindred.example')), person);
    expect(await getDb().selectFrom('action_steps').select('id').where('user_id', '=', person).execute()).toEqual([]);
    expect(await getDb().selectFrom('action_step_notes').select('id').where('step_id', '=', id).execute()).toEqual([]);
  });
});
