import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test, vi } from 'vitest';
import { findCourse } from '#app/content/catalogue.server.ts';
import { getCompileCount } from '#app/content/compile.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { getDb } from '#app/utils/db.server.ts';
import { loader as catalogueLoader } from '#app/routes/courses._index.tsx';
import { action as courseAction, loader as courseLoader } from '#app/routes/courses.$course._index.tsx';
import { action as moduleAction, loader as moduleLoader } from '#app/routes/courses.$course.$module.tsx';
import { cookieFor, getRequest, jsonOf, postRequest, run, userIdByEmail } from './utils.ts';

const TEACHER = 'teacher@oakfield.example';
const MODULE_URL = '/courses/sample-course/first-steps';
const params = { course: 'sample-course', module: 'first-steps' };

async function moduleData(cookie: string, p = params) {
  return jsonOf<{
    broken: string | null;
    page: { outstanding: { id: string }[]; checks: Record<string, { attempt: null | { passed: boolean; attempts: number; results: Record<string, boolean>; explanations: Record<string, string[]> } }>; reflections: Record<string, { saved: { body: string } | null }>; completedAtText: string | null } | null;
  }>(await run(moduleLoader, getRequest(`/courses/${p.course}/${p.module}`, cookie), p));
}

const submitCheck = (cookie: string, answers: Record<string, string | string[]>, extra: Record<string, string> = {}) =>
  run(moduleAction, postRequest(MODULE_URL, { intent: 'check', itemId: 'first-check', ...Object.fromEntries(Object.entries(answers).map(([q, a]) => [`answer.${q}`, a])), ...extra }, cookie), params);

async function rowCount(table: 'reflection_responses' | 'check_attempts' | 'module_progress' | 'certificates', userId: number) {
  const row = await getDb().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return row.n;
}

describe('catalogue and course pages', () => {
  test('the catalogue lists every course, with a broken module in one of them', async () => {
    const data = await jsonOf<{ courses: { slug: string; moduleCount: number; status: unknown }[] }>(await run(catalogueLoader, getRequest('/courses', await cookieFor(TEACHER))));
    expect(data.courses.map((c) => c.slug)).toEqual(['flawed-course', 'sample-course']);
    expect(data.courses.find((c) => c.slug === 'sample-course')).toMatchObject({ moduleCount: 2, status: { state: 'not-started' } });
  });

  test('starting a course enrols and goes to the first module; the course page then offers Continue', async () => {
    const cookie = await cookieFor('tom.brennan@oakfield.example');
    const started = await run(courseAction, postRequest('/courses/sample-course', {}, cookie), { course: 'sample-course' });
    expect(started.headers.get('location')).toBe('/courses/sample-course/first-steps');
    await run(moduleLoader, getRequest('/courses/sample-course/second-steps', cookie), { course: 'sample-course', module: 'second-steps' });
    const page = await jsonOf<{ status: { state: string; percent: number }; resumeSlug: string }>(await run(courseLoader, getRequest('/courses/sample-course', cookie), { course: 'sample-course' }));
    expect(page.status).toMatchObject({ state: 'in-progress', percent: 0 });
    expect(page.resumeSlug).toBe('second-steps');
  });

  test.each([
    ['..', 'first-steps'],
    ['sample-course', '..'],
    ['sample-course', '../../package.json'],
    ['../courses/sample-course', 'first-steps'],
    ['sample-course', 'no-such-module'],
    ['no-such-course', 'first-steps'],
    ['Sample-Course', 'first-steps'],
  ])('%s / %s gives 404 without touching the disk', async (course, module) => {
    const response = await run(moduleLoader, getRequest('/courses/x/y', await cookieFor(TEACHER)), { course, module });
    expect(response.status).toBe(404);
  });

  test('the course page shows its oldest module review as "last reviewed" and the standards its modules support, in code order', async () => {
    // first-steps was reviewed on 25 November 2026 and second-steps on 30 November: the course is as current as its stalest module.
    const page = await jsonOf<{ reviewedOnText: string; standards: { code: string; label: string }[] }>(await run(courseLoader, getRequest('/courses/sample-course'), { course: 'sample-course' }));
    expect(page.reviewedOnText).toBe('25 November 2026');
    expect(page.standards.map((s) => s.code)).toEqual(['TS1', 'TS2', 'TS5']);
    expect(page.standards[0]!.label).toBe("Teachers' Standard 1 / ITTECF: Set high expectations");
  });

  test('unknown course pages give 404', async () => {
    expect((await run(courseLoader, getRequest('/courses/..'), { course: '..' })).status).toBe(404);
    expect(findCourse('../etc')).toBeNull();
  });

  test('a broken module shows a clear error naming its file; its neighbours still work', async () => {
    const cookie = await cookieFor(TEACHER);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const badFrontmatter = await run(moduleLoader, getRequest('/x', cookie), { course: 'flawed-course', module: 'bad-frontmatter' });
    expect(badFrontmatter.status).toBe(500);
    expect((await jsonOf(badFrontmatter)).broken).toMatch(/02-bad-frontmatter\.mdx: frontmatter minutes/);
    const badSyntax = await run(moduleLoader, getRequest('/x', cookie), { course: 'flawed-course', module: 'bad-syntax' });
    expect((await jsonOf(badSyntax)).broken).toMatch(/03-bad-syntax\.mdx:\d+: MDX syntax error/);
    const fine = await run(moduleLoader, getRequest('/x', cookie), { course: 'flawed-course', module: 'fine' });
    expect(fine.status).toBe(200);
  });

  test('module pages need sign-in', async () => {
    const response = await run(moduleLoader, getRequest(MODULE_URL), params);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toContain('/sign-in');
  });
});

describe('knowledge checks', () => {
  test('answers and explanations are not in the loader data before a submission', async () => {
    const response = await run(moduleLoader, getRequest(MODULE_URL, await cookieFor('grace.okafor@oakfield.example')), params);
    const text = await response.text();
    expect(text).toContain('Which colour is the sky');
    expect(text).toContain('Blue');
    expect(text).not.toMatch(/"correct"/);
    expect(text).not.toContain('explanation');
    expect(text).not.toContain('SKY-EXPLANATION');
    expect(text).not.toContain('EVEN-EXPLANATION');
  });

  test('the server grades: a wrong attempt fails, a right one passes, and both are counted', async () => {
    const cookie = await cookieFor('daniel.hughes@oakfield.example');
    const wrong = await submitCheck(cookie, { q1: 'a', q2: ['a'] });
    expect(wrong.status).toBe(302);
    let data = await moduleData(cookie);
    expect(data.page!.checks['first-check']!.attempt).toMatchObject({ passed: false, attempts: 1, results: { q1: false, q2: false } });
    expect(data.page!.checks['first-check']!.attempt!.explanations.q1![0]).toContain('SKY-EXPLANATION');
    expect(data.page!.outstanding.map((o) => o.id)).toContain('first-check');

    const right = await submitCheck(cookie, { q1: 'b', q2: ['a', 'c'] }, { enhanced: '1' });
    expect(right.status).toBe(200);
    expect(await jsonOf(right)).toMatchObject({ ok: true, passed: true });
    data = await moduleData(cookie);
    expect(data.page!.checks['first-check']!.attempt).toMatchObject({ passed: true, attempts: 2 });
    expect(data.page!.outstanding.map((o) => o.id)).not.toContain('first-check');
  });

  test('a half-right multiple-choice answer is wrong', async () => {
    const cookie = await cookieFor('hannah.lewis@oakfield.example');
    await submitCheck(cookie, { q1: 'b', q2: ['a'] });
    expect((await moduleData(cookie)).page!.checks['first-check']!.attempt).toMatchObject({ passed: false, results: { q1: true, q2: false } });
  });

  test('an unanswered question gets a message and nothing is stored', async () => {
    const cookie = await cookieFor('joe.nowak@oakfield.example');
    const response = await submitCheck(cookie, { q1: 'b' });
    expect(response.status).toBe(400);
    expect(await jsonOf(response)).toMatchObject({ unanswered: ['q2'] });
    expect(await rowCount('check_attempts', await userIdByEmail('joe.nowak@oakfield.example'))).toBe(0);
  });

  test.each([
    ['an unknown check id', { itemId: 'no-such-check', 'answer.q1': 'b', 'answer.q2': 'a' }],
    ["another module's item id", { itemId: 'wrap-up', 'answer.q1': 'b', 'answer.q2': 'a' }],
    ['an answer to a question that does not exist', { itemId: 'first-check', 'answer.q1': 'b', 'answer.q2': 'a', 'answer.q9': 'a' }],
    ['an option that does not exist', { itemId: 'first-check', 'answer.q1': 'z', 'answer.q2': 'a' }],
    ['two answers to a single-choice question', { itemId: 'first-check', 'answer.q1': ['a', 'b'], 'answer.q2': 'a' }],
  ])('a tampered check form (%s) gets 400 and stores nothing', async (_label, fields) => {
    const email = 'ellie.thompson@oakfield.example';
    const cookie = await cookieFor(email);
    const response = await run(moduleAction, postRequest(MODULE_URL, { intent: 'check', ...fields }, cookie), params);
    expect(response.status).toBe(400);
    expect(await rowCount('check_attempts', await userIdByEmail(email))).toBe(0);
  });
});

describe('reflections and completion', () => {
  test('a reflection is saved once however often it is submitted, and shown back', async () => {
    const email = 'rhys.morgan@oakfield.example';
    const cookie = await cookieFor(email);
    for (let i = 0; i < 3; i += 1) {
      const response = await run(moduleAction, postRequest(MODULE_URL, { intent: 'reflection', itemId: 'first-thoughts', body: '  My thoughts  ' }, cookie), params);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(`${MODULE_URL}#item-first-thoughts`);
    }
    expect(await rowCount('reflection_responses', await userIdByEmail(email))).toBe(1);
    expect((await moduleData(cookie)).page!.reflections['first-thoughts']!.saved!.body).toBe('My thoughts');
  });

  test.each([
    ['an empty body', { itemId: 'first-thoughts', body: '   ' }, 400],
    ['a body over 10,000 characters', { itemId: 'first-thoughts', body: 'x'.repeat(10_001) }, 400],
    ['an unknown reflection id', { itemId: 'nope', body: 'text' }, 400],
    ['a reflection of another module', { itemId: 'wrap-up', body: 'text' }, 400],
  ])('%s is refused and nothing is saved', async (_label, fields, status) => {
    const email = 'zara.ahmed@oakfield.example';
    const response = await run(moduleAction, postRequest(MODULE_URL, { intent: 'reflection', ...fields }, await cookieFor(email)), params);
    expect(response.status).toBe(status);
    expect(await rowCount('reflection_responses', await userIdByEmail(email))).toBe(0);
  });

  test('marking complete is refused until the checklist is done, and says why', async () => {
    const email = 'priya.patel@oakfield.example';
    const cookie = await cookieFor(email);
    const early = await run(moduleAction, postRequest(MODULE_URL, { intent: 'complete' }, cookie), params);
    expect(early.status).toBe(400);
    const body = await jsonOf<{ outstanding: { id: string; label: string }[] }>(early);
    expect(body.outstanding.map((o) => o.id)).toEqual(['first-thoughts', 'first-check']);
    expect(body.outstanding[0]!.label).toContain('What do you think so far?');

    await run(moduleAction, postRequest(MODULE_URL, { intent: 'reflection', itemId: 'first-thoughts', body: 'Done.' }, cookie), params);
    await submitCheck(cookie, { q1: 'b', q2: ['a', 'c'] });
    expect((await moduleData(cookie)).page!.outstanding).toEqual([]);
    const done = await run(moduleAction, postRequest(MODULE_URL, { intent: 'complete' }, cookie), params);
    expect(done.status).toBe(302);
    expect((await moduleData(cookie)).page!.completedAtText).toBeTruthy();
  });

  test('completing the last module completes the course and issues exactly one certificate, even when sent at once from several tabs', async () => {
    const email = 'sophie.walsh@oakfield.example';
    const userId = await userIdByEmail(email);
    const cookie = await cookieFor(email);
    await run(moduleAction, postRequest(MODULE_URL, { intent: 'reflection', itemId: 'first-thoughts', body: 'Yes.' }, cookie), params);
    await submitCheck(cookie, { q1: 'b', q2: ['a', 'c'] });
    await run(moduleAction, postRequest(MODULE_URL, { intent: 'complete' }, cookie), params);
    const second = { course: 'sample-course', module: 'second-steps' };
    await run(moduleAction, postRequest('/courses/sample-course/second-steps', { intent: 'reflection', itemId: 'wrap-up', body: 'Next.' }, cookie), second);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => run(moduleAction, postRequest('/courses/sample-course/second-steps', { intent: 'complete' }, cookie), second)),
    );
    expect(results.every((r) => r.status === 302)).toBe(true);
    expect(await rowCount('certificates', userId)).toBe(1);
    const enrolment = await getDb().selectFrom('enrolments').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(enrolment.completed_at).toBeTruthy();
  });
});

describe('compiling', () => {
  test('a warm module page does no compile, and compiled modules are cached on disk', async () => {
    const cookie = await cookieFor(TEACHER);
    await run(moduleLoader, getRequest(MODULE_URL, cookie), params);
    const before = getCompileCount();
    for (let i = 0; i < 5; i += 1) await run(moduleLoader, getRequest(MODULE_URL, cookie), params);
    expect(getCompileCount()).toBe(before);
    const cached = fs.readdirSync(getEnv().CONTENT_CACHE_PATH).filter((f) => f.endsWith('.json'));
    expect(cached.length).toBeGreaterThan(0);
  });

  test('after a restart an unchanged module is read from the disk cache, not compiled', async () => {
    const cookie = await cookieFor(TEACHER);
    await run(moduleLoader, getRequest(MODULE_URL, cookie), params);
    vi.resetModules();
    const fresh = await import('#app/content/compile.server.ts');
    const { compileFile } = await import('#app/content/modules.server.ts');
    const course = findCourse('sample-course')!;
    await compileFile(course.modules[0]!.file);
    expect(fresh.getCompileCount()).toBe(0);
  });
});

const execFileAsync = promisify(execFile);

async function coursesCheck(coursesPath: string, extra: string[] = []) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', 'scripts/courses-check.ts', ...extra], {
      env: { ...process.env, COURSES_PATH: coursesPath, CONTENT_CACHE_PATH: path.join(getEnv().CONTENT_CACHE_PATH, 'check') },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('npm run courses:check', () => {
  test('reports every kind of authoring error with its file and line, and fails', async () => {
    const { code, output } = await coursesCheck('tests/fixtures/authoring-errors', ['--no-editorial']);
    expect(code).toBe(1);
    const file = 'tests/fixtures/authoring-errors/errors-course/01-problems.mdx';
    expect(output).toContain('tests/fixtures/authoring-errors/errors-course/02-missing-objectives.mdx: frontmatter objectives');
    expect(output).toMatch(new RegExp(`${file}:10: use ## for sections`));
    expect(output).toMatch(new RegExp(`${file}:14: heading level 4 skips a level`));
    expect(output).toMatch(new RegExp(`${file}:16: image /images/no-alt.png needs alt text`));
    expect(output).toMatch(new RegExp(`${file}:18: link /courses/errors-course/nowhere does not lead`));
    expect(output).toMatch(new RegExp(`${file}:22: Reflection id "same" is used twice`));
    expect(output).toMatch(new RegExp(`${file}:24: Reflection needs an id`));
    expect(output).toMatch(new RegExp(`${file}:\\d+: question "q1" has no right answer`));
    expect(output).toMatch(new RegExp(`${file}:\\d+: unknown component <Keyidea>`));
    expect(output).toContain('hours-course/course.mdx: cpdHours is 2 but the modules add up to 30 minutes (0.5 hours)');
  });

  test('names the file with an MDX syntax error and bad frontmatter', async () => {
    const { code, output } = await coursesCheck('tests/fixtures/courses', ['--no-editorial']);
    expect(code).toBe(1);
    expect(output).toMatch(/flawed-course\/02-bad-frontmatter\.mdx: frontmatter minutes/);
    expect(output).toMatch(/flawed-course\/03-bad-syntax\.mdx:12: MDX syntax error: Expected a closing tag for `<Callout>`/);
    expect(output).not.toMatch(/sample-course/);
  });

  test('warns when a module was last reviewed over 12 months ago and fails at 18', async () => {
    const reviewed = 'tests/fixtures/review-dates';
    const atEleven = await coursesCheck(reviewed, ['--no-editorial', '--as-of', '2027-10-24']);
    expect(atEleven.output).not.toMatch(/dated-course\/01-[^:]*: .*reviewed/);
    const atThirteen = await coursesCheck(reviewed, ['--no-editorial', '--as-of', '2027-12-26']);
    expect(atThirteen.output).toMatch(/warning: tests\/fixtures\/review-dates\/dated-course\/01-[a-z-]+\.mdx: last reviewed 2026-11-25, over 12 months ago/);
    expect(atThirteen.code).toBe(0);
    const atNineteen = await coursesCheck(reviewed, ['--no-editorial', '--as-of', '2028-06-26']);
    expect(atNineteen.output).toMatch(/dated-course\/01-[a-z-]+\.mdx: last reviewed 2026-11-25, over 18 months ago/);
    expect(atNineteen.code).toBe(1);
  });

  test('passes the real courses, with the editorial rules', async () => {
    const { code, output } = await coursesCheck('courses');
    expect(output).toContain('Checked 5 courses and 25 modules: no problems.');
    expect(code).toBe(0);
  });
});
