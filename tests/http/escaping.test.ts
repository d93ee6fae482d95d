import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCsv } from '#app/utils/csv.ts';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { signInOverHttp, startBuiltServer, type RunningServer } from '#tests/support/server.ts';
import { organisationIdIn, serverDatabase, userIdByEmailIn } from '#tests/support/server-database.ts';

// Names and reflections with HTML or script in them are text everywhere: pages, CSV and PDF.

const EVIL_NAME = `<script>alert("name")</script><img src=x onerror=alert(1)> O'Neil & "Co"`;
const EVIL_REFLECTION = `</textarea><script>alert("reflection")</script><b onmouseover=alert(2)>bold</b>`;
const CODE = 'ABC234-DEF567-GHJ789';

let server: RunningServer;
let teacherId = 0;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  const database = await serverDatabase();
  const { db } = database;
  const coachId = await userIdByEmailIn(db, 'coach@oakfield.example');
  teacherId = await userIdByEmailIn(db, 'teacher@oakfield.example');
  const oakfield = await organisationIdIn(db, 'Oakfield Primary School');
  const now = new Date().toISOString();
  await db.updateTable('users').set({ name: EVIL_NAME }).where('id', '=', teacherId).execute();
  const groupId = (await db.insertInto('groups').values({ organisation_id: oakfield, name: '<i>Group</i>', coach_user_id: coachId, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
  await db.insertInto('group_members').values({ group_id: groupId, user_id: teacherId, added_at: now }).execute();
  const reflectionId = (
    await db
      .insertInto('reflection_responses')
      .values({ user_id: teacherId, course_slug: 'sample-course', module_slug: 'first-steps', item_id: 'first-thoughts', content_version: '1', body: EVIL_REFLECTION, saved_at: now, shared_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await db.insertInto('reflection_shares').values({ reflection_id: reflectionId, coach_user_id: coachId, shared_at: now }).execute();
  await db.insertInto('enrolments').values({ user_id: teacherId, course_slug: 'sample-course', content_version: '1', started_at: now, completed_at: now, last_module_slug: 'second-steps', last_activity_at: now }).execute();
  await db
    .insertInto('certificates')
    .values({ code: CODE, user_id: teacherId, course_slug: 'sample-course', course_title: 'Sample course', content_version: '1', cpd_hours: 0.5, learner_name: EVIL_NAME, organisation_id: oakfield, organisation_name: 'Oakfield Primary School', completed_at: now })
    .execute();
  server = await startBuiltServer({ database, env: { COURSES_PATH: 'tests/fixtures/courses' } });
  for (const [who, email] of Object.entries({ teacher: 'teacher@oakfield.example', coach: 'coach@oakfield.example', leader: 'leader@oakfield.example' })) {
    cookies[who] = await signInOverHttp(server.url, email, DEMO_PASSWORD);
  }
});

afterAll(async () => {
  await server?.stop();
});

const get = (path: string, who: string) => fetch(server.url + path, { headers: { cookie: cookies[who]! } });

describe('hostile text is shown as text', () => {
  test.each([
    ['/lead', 'leader'],
    ['/lead/people', 'leader'],
    ['/lead/governors?names=1', 'leader'],
    [`/lead/people/${0}`, 'leader'],
    ['/coach', 'coach'],
    [`/coach/people/${0}`, 'coach'],
    ['/learn', 'teacher'],
    ['/courses/sample-course/first-steps', 'teacher'],
    [`/certificates/${CODE}`, 'teacher'],
    ['/account', 'teacher'],
  ])('%s escapes names and reflections', async (rawPath, who) => {
    const path = rawPath.replace('/0', `/${teacherId}`);
    const response = await get(path, who);
    expect(response.status, path).toBe(200);
    const html = await response.text();
    expect(html).not.toContain('<script>alert(');
    expect(html).not.toContain('<img src=x onerror');
    expect(html).not.toContain('<b onmouseover');
    expect(html).not.toContain('</textarea><script>');
    // The text is there, escaped, where the page shows it.
    if (!path.startsWith('/account') && !path.includes('first-steps') && !path.startsWith('/coach/people')) expect(html).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    if (path.startsWith('/coach/people') || path.includes('first-steps')) expect(html).toContain('&lt;/textarea&gt;&lt;script&gt;alert(&quot;reflection&quot;)');
  });

  test('the CSV exports carry the text as it is, with no formula and no markup turned into anything', async () => {
    const rows = parseCsv(await (await get('/lead/export.csv', 'leader')).text());
    expect(rows.some((r) => r[0] === EVIL_NAME)).toBe(true);
    const cpd = parseCsv(await (await get('/learn/cpd.csv', 'teacher')).text());
    expect(cpd[1]![0]).toBe(EVIL_NAME);
  });

  test('the PDF has the name as plain text', async () => {
    const response = await get(`/certificates/${CODE}/pdf`, 'teacher');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(await response.arrayBuffer())), { mergePages: true });
    expect(text).toContain(`<script>alert("name")</script>`);
    expect(text).toContain(`O'Neil & "Co"`);
  });
});
