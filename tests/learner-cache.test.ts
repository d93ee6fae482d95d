import { describe, expect, test } from 'vitest';
import { learnersKept } from '#app/models/learner-cache.server.ts';
import { action as moduleAction, loader as moduleLoader } from '#app/routes/courses.$course.$module.tsx';
import { getDb, getStatementCount } from '#app/utils/db.server.ts';
import { loadViewer } from '#app/auth/session.server.ts';
import { revokeCertificate } from '#app/models/certificates.server.ts';
import { addComment } from '#app/models/coaching.server.ts';
import { planActionStep } from '#app/models/practice.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { openDatabase } from '#db/database.server.ts';
import { completeCourse } from '#db/learning-factories.ts';
import { makeGroup } from './support/coaching.ts';
import { runInRequestScope } from '#app/utils/request-scope.server.ts';
import { cookieFor, getRequest, jsonOf, postRequest, run, userIdByEmail } from './utils.ts';

// The module page keeps each learner's progress between that learner's writes
// (app/models/learner-cache.server.ts). It must read less when warm, and never show what a write
// has changed as it was before.

const params = { course: 'sample-course', module: 'first-steps' };
const MODULE_URL = '/courses/sample-course/first-steps';

type Page = {
  moduleList: { slug: string; status: string }[];
  page: {
    courseCertificate: { code: string; revoked: boolean } | null;
    actionSteps: Record<string, { steps: { what: string; state: string }[] }>;
    outstanding: { id: string }[];
    reflections: Record<string, { saved: { body: string } | null; sharing: { reflectionId: number; coachNames: string[]; comments: { body: string }[] } | null }>;
    checks: Record<string, { attempt: { passed: boolean; attempts: number } | null }>;
    completedAtText: string | null;
  };
};

/** One page load as the server runs it (one request scope), with the statements it ran. */
async function load(cookie: string): Promise<{ data: Page; statements: number }> {
  const before = getStatementCount();
  const data = await runInRequestScope(async () => jsonOf<Page>(await run(moduleLoader, getRequest(MODULE_URL, cookie), params)));
  return { data, statements: getStatementCount() - before };
}

const post = (cookie: string, fields: Record<string, string | string[]>) => run(moduleAction, postRequest(MODULE_URL, fields, cookie), params);

// On PostgreSQL another process's write reaches this one through the shared write versions
// (docs/decisions/022-shared-write-versions.md), read once per request.
test.runIf(Boolean(process.env.DATABASE_URL))("on PostgreSQL a warm page reads only the shared write versions, and another process's write shows on the next read", async () => {
  const email = 'grace.okafor@oakfield.example';
  const cookie = await cookieFor(email);
  expect((await post(cookie, { intent: 'reflection', itemId: 'first-thoughts', body: 'Written here' })).status).toBe(302);
  await load(cookie);
  await load(cookie);
  const warm = await load(cookie);
  expect(learnersKept()).toBeGreaterThan(0);
  expect(warm.statements).toBe(1);
  expect(warm.data.page.reflections['first-thoughts']!.saved).toMatchObject({ body: 'Written here' });
  const otherProcess = openDatabase(process.env.DATABASE_URL!);
  try {
    await otherProcess.updateTable('reflection_responses').set({ body: 'Changed by another process' }).where('user_id', '=', await userIdByEmail(email)).where('item_id', '=', 'first-thoughts').execute();
  } finally {
    await otherProcess.destroy();
  }
  expect((await load(cookie)).data.page.reflections['first-thoughts']!.saved).toMatchObject({ body: 'Changed by another process' });
});

describe.skipIf(Boolean(process.env.DATABASE_URL))("a learner's module state, kept between their writes", () => {
  test('a warm page reads less; each kind of write shows on the very next read', async () => {
    const cookie = await cookieFor('priya.patel@oakfield.example');
    const cold = await load(cookie);
    await load(cookie);
    const warm = await load(cookie);
    expect(learnersKept()).toBeGreaterThan(0);
    expect(warm.statements).toBeLessThanOrEqual(cold.statements - 4);
    expect(warm.data.page.reflections['first-thoughts']!.saved).toBeNull();

    expect((await post(cookie, { intent: 'reflection', itemId: 'first-thoughts', body: 'First version' })).status).toBe(302);
    expect((await load(cookie)).data.page.reflections['first-thoughts']!.saved).toMatchObject({ body: 'First version' });
    expect((await post(cookie, { intent: 'reflection', itemId: 'first-thoughts', body: 'Second version', enhanced: '1' })).status).toBe(200);
    expect((await load(cookie)).data.page.reflections['first-thoughts']!.saved).toMatchObject({ body: 'Second version' });

    expect((await post(cookie, { intent: 'check', itemId: 'first-check', 'answer.q1': 'a', 'answer.q2': ['a'] })).status).toBe(302);
    expect((await load(cookie)).data.page.checks['first-check']!.attempt).toMatchObject({ passed: false, attempts: 1 });
    expect((await post(cookie, { intent: 'check', itemId: 'first-check', 'answer.q1': 'b', 'answer.q2': ['a', 'c'], enhanced: '1' })).status).toBe(200);
    const passed = (await load(cookie)).data;
    expect(passed.page.checks['first-check']!.attempt).toMatchObject({ passed: true, attempts: 2 });
    expect(passed.page.outstanding).toEqual([]);
    expect(passed.moduleList.find((m) => m.slug === 'first-steps')!.status).toBe('in-progress');

    expect((await post(cookie, { intent: 'complete' })).status).toBe(302);
    const completed = (await load(cookie)).data;
    expect(completed.page.completedAtText).not.toBeNull();
    expect(completed.moduleList.find((m) => m.slug === 'first-steps')!.status).toBe('completed');
  });

  test('moving between modules records each visit and keeps the answers of both', async () => {
    const email = 'ellie.thompson@oakfield.example';
    const cookie = await cookieFor(email);
    const userId = await userIdByEmail(email);
    const second = { course: 'sample-course', module: 'second-steps' };
    const loadSecond = async () => {
      const before = getStatementCount();
      const data = await runInRequestScope(async () => jsonOf<Page>(await run(moduleLoader, getRequest('/courses/sample-course/second-steps', cookie), second)));
      return { data, statements: getStatementCount() - before };
    };
    const lastModule = async () => (await getDb().selectFrom('enrolments').select('last_module_slug').where('user_id', '=', userId).where('course_slug', '=', 'sample-course').executeTakeFirstOrThrow()).last_module_slug;
    expect((await post(cookie, { intent: 'reflection', itemId: 'first-thoughts', body: 'Kept while I move on' })).status).toBe(302);
    await load(cookie);
    const firstVisitToSecond = await loadSecond();
    expect(await lastModule()).toBe('second-steps');
    // The first visit to a module starts it: the module list shows it at once.
    expect(firstVisitToSecond.data.moduleList.find((m) => m.slug === 'second-steps')!.status).toBe('in-progress');
    await loadSecond();
    // Back to the first module: the visit is written (the last module changes) but the module's
    // answers, checks, steps and certificate are still kept: a visit reads one row and writes two.
    const back = await load(cookie);
    expect(await lastModule()).toBe('first-steps');
    expect(back.statements).toBeLessThanOrEqual(4);
    expect(back.data.page.reflections['first-thoughts']!.saved).toMatchObject({ body: 'Kept while I move on' });
    // And forth again: the visit kept from before the move back must not make it look recorded.
    await loadSecond();
    expect(await lastModule()).toBe('second-steps');
  });

  test("one learner's write leaves another's kept state alone, and neither sees the other's", async () => {
    const [a, b] = [await cookieFor('tom.brennan@oakfield.example'), await cookieFor('grace.okafor@oakfield.example')];
    await load(a);
    const coldB = (await load(b)).statements;
    await load(b);
    await post(a, { intent: 'reflection', itemId: 'more-thoughts', body: 'Only mine' });
    const afterA = await load(b);
    expect(afterA.statements).toBeLessThanOrEqual(coldB - 4);
    expect(afterA.data.page.reflections['more-thoughts']!.saved).toBeNull();
    expect((await load(a)).data.page.reflections['more-thoughts']!.saved).toMatchObject({ body: 'Only mine' });
  });

  test("what others write shows on the learner's next read: a new coach, a coach's reply, a certificate and its revocation, a planned step", async () => {
    const email = 'hannah.lewis@oakfield.example';
    const cookie = await cookieFor(email);
    const userId = await userIdByEmail(email);
    await post(cookie, { intent: 'reflection', itemId: 'first-thoughts', body: 'For my coach' });
    // The first visit after the post is recorded (a write), and the next one reads it back.
    await load(cookie);
    await load(cookie);
    const warm = await load(cookie);
    // Warm, the page reads nothing from the database (the session is kept too).
    expect(warm.statements).toBe(0);
    const coach = await loadViewer(await userIdByEmail('coach2@oakfield.example'));
    expect(warm.data.page.reflections['first-thoughts']!.sharing!.coachNames).not.toContain(coach.name);
    await makeGroup('Oakfield Primary School', 'Learner cache group', 'coach2@oakfield.example', [email]);
    const coached = (await load(cookie)).data.page.reflections['first-thoughts']!.sharing!;
    expect(coached.coachNames).toContain(coach.name);

    expect((await post(cookie, { intent: 'share', itemId: 'first-thoughts', shared: '1' })).status).toBe(302);
    await load(cookie);
    await addComment(coach, coached.reflectionId, 'A reply the cache must not hide', null);
    expect((await load(cookie)).data.page.reflections['first-thoughts']!.sharing!.comments.map((c) => c.body)).toContain('A reply the cache must not hide');

    expect((await load(cookie)).data.page.courseCertificate).toBeNull();
    await completeCourse(userId, 'sample-course');
    const certificate = (await load(cookie)).data.page.courseCertificate!;
    expect(certificate).toMatchObject({ revoked: false });
    await revokeCertificate(await loadViewer(await userIdByEmail('leader@oakfield.example')), certificate.code, 'issued-in-error', '');
    expect((await load(cookie)).data.page.courseCertificate).toMatchObject({ code: certificate.code, revoked: true });

    expect((await load(cookie)).data.page.actionSteps['try-a-routine']!.steps).toEqual([]);
    const inAWeek = ukDate(new Date(Date.now() + 7 * 86_400_000).toISOString());
    await planActionStep(await loadViewer(userId), { courseSlug: 'sample-course', moduleSlug: 'first-steps', itemId: 'try-a-routine' }, { what: 'A step the cache must show', className: '5C', followUpOn: inAWeek, successLooksLike: 'It shows' });
    expect((await load(cookie)).data.page.actionSteps['try-a-routine']!.steps.map((step) => step.what)).toEqual(['A step the cache must show']);
  });
});
