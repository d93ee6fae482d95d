import { beforeAll, describe, expect, test } from 'vitest';
import { getDb } from '#app/utils/db.server.ts';
import { action as coachAction, loader as coachLoader } from '#app/routes/coach._index.tsx';
import { action as coacheeAction, loader as coacheeLoader } from '#app/routes/coach.people.$userId.tsx';
import { action as moduleAction, loader as moduleLoader } from '#app/routes/courses.$course.$module.tsx';
import { loader as learnLoader } from '#app/routes/learn._index.tsx';
import { loader as leadLoader } from '#app/routes/lead._index.tsx';
import { loader as leadPersonLoader } from '#app/routes/lead.people.$userId.tsx';
import { loader as exportLoader } from '#app/routes/lead.export[.csv].ts';
import { makeGroup } from './support/coaching.ts';
import { cookieFor, getRequest, jsonOf, postRequest, run, userIdByEmail } from './utils.ts';

const COACH = 'coach@oakfield.example';
const OTHER_COACH = 'coach2@oakfield.example';
const COACHED = 'teacher@oakfield.example';
const NOT_COACHED = 'tom.brennan@oakfield.example';
const MODULE = '/courses/sample-course/first-steps';
const params = { course: 'sample-course', module: 'first-steps' };
const SECRET = 'My private thought about pupil X';
const SHARED = 'A thought I am happy to share';

let coachedId: number;
let notCoachedId: number;

beforeAll(async () => {
  await makeGroup('Oakfield Primary School', 'Early career', COACH, [COACHED, 'grace.okafor@oakfield.example']);
  await makeGroup('Oakfield Primary School', 'Year 6 team', OTHER_COACH, [NOT_COACHED]);
  coachedId = await userIdByEmail(COACHED);
  notCoachedId = await userIdByEmail(NOT_COACHED);
  const teacher = await cookieFor(COACHED);
  await run(moduleAction, postRequest(MODULE, { intent: 'reflection', itemId: 'more-thoughts', body: SECRET }, teacher), params);
  await run(moduleAction, postRequest(MODULE, { intent: 'reflection', itemId: 'first-thoughts', body: SHARED }, teacher), params);
  const shared = await run(moduleAction, postRequest(MODULE, { intent: 'share', itemId: 'first-thoughts', shared: '1' }, teacher), params);
  expect(shared.status).toBe(302);
});

async function sharedReflectionId(): Promise<number> {
  return (await getDb().selectFrom('reflection_responses').select('id').where('user_id', '=', coachedId).where('item_id', '=', 'first-thoughts').executeTakeFirstOrThrow()).id;
}

describe('a coach', () => {
  test('sees the people in their groups, and only them', async () => {
    const data = await jsonOf<{ teachers: { name: string }[] }>(await run(coachLoader, getRequest('/coach', await cookieFor(COACH))));
    expect(data.teachers.map((t) => t.name).sort()).toEqual(['Amina Khan', 'Grace Okafor']);
  });

  test('gets 404 for the page of someone outside their groups', async () => {
    const cookie = await cookieFor(COACH);
    expect((await run(coacheeLoader, getRequest('/coach/people/x', cookie), { userId: String(notCoachedId) })).status).toBe(404);
    expect((await run(coacheeLoader, getRequest('/coach/people/x', cookie), { userId: String(await userIdByEmail('teacher@brookside.example')) })).status).toBe(404);
    expect((await run(coacheeLoader, getRequest('/coach/people/x', cookie), { userId: String(coachedId) })).status).toBe(200);
  });

  test('sees shared reflections, never unshared ones', async () => {
    const response = await run(coacheeLoader, getRequest('/coach/people/x', await cookieFor(COACH)), { userId: String(coachedId) });
    const text = await response.text();
    expect(text).toContain(SHARED);
    expect(text).not.toContain(SECRET);
  });

  test('replies; the teacher sees the reply on the module page and on /learn, marked unread until seen', async () => {
    const reflectionId = String(await sharedReflectionId());
    const reply = await run(coacheeAction, postRequest('/coach/people/x', { intent: 'comment', reflectionId, body: 'Lovely idea <b>try it</b>' }, await cookieFor(COACH)), { userId: String(coachedId) });
    expect(reply.status).toBe(302);
    const teacher = await cookieFor(COACHED);
    const learn = await jsonOf<{ replies: { body: string; unread: boolean }[] }>(await run(learnLoader, getRequest('/learn', teacher)));
    expect(learn.replies).toEqual([expect.objectContaining({ body: 'Lovely idea <b>try it</b>', unread: true })]);
    const page = await jsonOf<{ page: { reflections: Record<string, { sharing: { comments: { body: string; unread: boolean }[] } }> } }>(
      await run(moduleLoader, getRequest(MODULE, teacher), params),
    );
    expect(page.page.reflections['first-thoughts']!.sharing.comments[0]).toMatchObject({ body: 'Lovely idea <b>try it</b>', unread: true });
    const after = await jsonOf<{ replies: { unread: boolean }[] }>(await run(learnLoader, getRequest('/learn', teacher)));
    expect(after.replies[0]!.unread).toBe(false);
    // The teacher answers in the same thread.
    const answer = await run(moduleAction, postRequest(MODULE, { intent: 'comment', reflectionId, body: 'Thank you, I will.' }, teacher), params);
    expect(answer.status).toBe(302);
  });

  test('cannot comment on a reflection that is not shared, or of someone they do not coach', async () => {
    const unshared = await getDb().selectFrom('reflection_responses').select('id').where('user_id', '=', coachedId).where('item_id', '=', 'more-thoughts').executeTakeFirstOrThrow();
    const coach = await cookieFor(COACH);
    const onUnshared = await run(coacheeAction, postRequest('/coach/people/x', { intent: 'comment', reflectionId: String(unshared.id), body: 'Peeking' }, coach), { userId: String(coachedId) });
    expect(onUnshared.status).toBe(404);
    const otherCoach = await cookieFor(OTHER_COACH);
    const notTheirs = await run(coacheeAction, postRequest('/coach/people/x', { intent: 'comment', reflectionId: String(await sharedReflectionId()), body: 'Hi' }, otherCoach), { userId: String(notCoachedId) });
    expect(notTheirs.status).toBe(404);
    const comments = await getDb().selectFrom('reflection_comments').select('body').execute();
    expect(comments.map((c) => c.body)).not.toContain('Peeking');
    expect(comments.map((c) => c.body)).not.toContain('Hi');
  });

  test('un-sharing hides the reflection from the coach again', async () => {
    const teacher = await cookieFor('grace.okafor@oakfield.example');
    await run(moduleAction, postRequest(MODULE, { intent: 'reflection', itemId: 'first-thoughts', body: 'Shared for a moment' }, teacher), params);
    await run(moduleAction, postRequest(MODULE, { intent: 'share', itemId: 'first-thoughts', shared: '1' }, teacher), params);
    const graceId = String(await userIdByEmail('grace.okafor@oakfield.example'));
    expect(await (await run(coacheeLoader, getRequest('/x', await cookieFor(COACH)), { userId: graceId })).text()).toContain('Shared for a moment');
    await run(moduleAction, postRequest(MODULE, { intent: 'share', itemId: 'first-thoughts', shared: '0' }, teacher), params);
    expect(await (await run(coacheeLoader, getRequest('/x', await cookieFor(COACH)), { userId: graceId })).text()).not.toContain('Shared for a moment');
  });

  test('assigns to their own teachers and groups; someone outside them (an edited id) gets 404 and nothing is written', async () => {
    const coach = await cookieFor(COACH);
    const ok = await run(coachAction, postRequest('/coach', { intent: 'assign', course: 'sample-course', target: `person:${coachedId}`, dueDate: '' }, coach));
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe('/coach');
    const before = await getDb().selectFrom('assignments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const outside = await run(coachAction, postRequest('/coach', { intent: 'assign', course: 'sample-course', target: `person:${notCoachedId}`, dueDate: '' }, coach));
    expect(outside.status).toBe(404);
    const otherGroup = await getDb().selectFrom('groups').select('id').where('name', '=', 'Year 6 team').executeTakeFirstOrThrow();
    const group = await run(coachAction, postRequest('/coach', { intent: 'assign', course: 'sample-course', target: `group:${otherGroup.id}`, dueDate: '' }, coach));
    expect(group.status).toBe(404);
    const role = await run(coachAction, postRequest('/coach', { intent: 'assign', course: 'sample-course', target: 'role:teacher:1', dueDate: '' }, coach));
    expect(role.status).toBe(404);
    const after = await getDb().selectFrom('assignments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test('a due date in the past or malformed gets a message next to the field', async () => {
    const coach = await cookieFor(COACH);
    for (const dueDate of ['2020-01-01', '31/12/2030', '2030-02-30']) {
      const response = await run(coachAction, postRequest('/coach', { intent: 'assign', course: 'sample-course', target: `person:${coachedId}`, dueDate }, coach));
      expect(response.status).toBe(400);
      expect((await jsonOf<{ fieldErrors: Record<string, string> }>(response)).fieldErrors.dueDate).toBeTruthy();
    }
  });
});

describe('leaders never see reflection text', () => {
  test('not on the dashboard, the CSV or the person page', async () => {
    const leader = await cookieFor('leader@oakfield.example');
    const pages = [
      await run(leadLoader, getRequest('/lead', leader)),
      await run(exportLoader, getRequest('/lead/export.csv', leader)),
      await run(leadPersonLoader, getRequest('/lead/people/x', leader), { userId: String(coachedId) }),
    ];
    for (const page of pages) {
      const text = await page.text();
      expect(page.status).toBe(200);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SHARED);
    }
  });
});

describe('what waits for the coach', () => {
  test('a newly shared reflection waits; the coach’s reply clears it; the teacher’s answer brings it back', async () => {
    const { awaitingAnswer, setReflectionShared, addComment } = await import('#app/models/coaching.server.ts');
    const { loadViewer } = await import('#app/auth/session.server.ts');
    await makeGroup('Brookside Academy', 'Waiting group', 'coach2@brookside.example', ['owen.price@brookside.example']);
    const coach = await loadViewer(await userIdByEmail('coach2@brookside.example'));
    const teacher = await loadViewer(await userIdByEmail('owen.price@brookside.example'));
    const now = new Date().toISOString();
    const reflectionId = (
      await getDb().insertInto('reflection_responses').values({ user_id: teacher.id, course_slug: 'sample-course', module_slug: 'first-steps', item_id: 'first-thoughts', content_version: '1', body: 'Owen thinks', saved_at: now }).returning('id').executeTakeFirstOrThrow()
    ).id;
    expect(await awaitingAnswer(coach)).toEqual([]);
    await setReflectionShared(teacher, 'sample-course', 'first-steps', 'first-thoughts', true);
    expect((await awaitingAnswer(coach)).map((w) => [w.reflectionId, w.kind])).toEqual([[reflectionId, 'shared']]);
    await addComment(coach, reflectionId, 'Tell me more', 'coach-form-key-0000000001');
    expect(await awaitingAnswer(coach)).toEqual([]);
    await addComment(teacher, reflectionId, 'Here is more', 'teacher-form-key-00000001');
    expect((await awaitingAnswer(coach)).map((w) => [w.reflectionId, w.kind])).toEqual([[reflectionId, 'replied']]);
    const page = await jsonOf<{ awaiting: { ownerName: string }[]; groups: { name: string }[] }>(await run(coachLoader, getRequest('/coach', await cookieFor('coach2@brookside.example'))));
    expect(page.awaiting.map((w) => w.ownerName)).toEqual(['Owen Price']);
    expect(page.groups.map((g) => g.name)).toContain('Waiting group');
  });
});
