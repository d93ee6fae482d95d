import SQLite from 'better-sqlite3';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCsv } from '#app/utils/csv.ts';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { TEMPLATE_DB } from '#tests/setup/paths.ts';
import { signInOverHttp, startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';

// Names and reflections with HTML or script in them are text everywhere: pages, CSV and PDF.

const EVIL_NAME = `<script>alert("name")</script><img src=x onerror=alert(1)> O'Neil & "Co"`;
const EVIL_REFLECTION = `</textarea><script>alert("reflection")</script><b onmouseover=alert(2)>bold</b>`;
const CODE = 'ABC234-DEF567-GHJ789';

let server: RunningServer;
let teacherId = 0;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  const databasePath = tempDatabasePath(TEMPLATE_DB);
  const db = new SQLite(databasePath);
  const id = (email: string) => (db.prepare('select id from users where email = ?').get(email) as { id: number }).id;
  teacherId = id('teacher@oakfield.example');
  const oakfield = (db.prepare("select id from organisations where name = 'Oakfield Primary School'").get() as { id: number }).id;
  const now = new Date().toISOString();
  db.prepare('update users set name = ? where id = ?').run(EVIL_NAME, teacherId);
  const groupId = Number(db.prepare('insert into groups (organisation_id, name, coach_user_id, created_at) values (?, ?, ?, ?)').run(oakfield, '<i>Group</i>', id('coach@oakfield.example'), now).lastInsertRowid);
  db.prepare('insert into group_members (group_id, user_id, added_at) values (?, ?, ?)').run(groupId, teacherId, now);
  const reflectionId = db.prepare("insert into reflection_responses (user_id, course_slug, module_slug, item_id, content_version, body, saved_at, shared_at) values (?, 'sample-course', 'first-steps', 'first-thoughts', '1', ?, ?, ?)").run(teacherId, EVIL_REFLECTION, now, now).lastInsertRowid;
  db.prepare('insert into reflection_shares (reflection_id, coach_user_id, shared_at) values (?, ?, ?)').run(reflectionId, id('coach@oakfield.example'), now);
  db.prepare("insert into enrolments (user_id, course_slug, content_version, started_at, completed_at, last_module_slug, last_activity_at) values (?, 'sample-course', '1', ?, ?, 'second-steps', ?)").run(teacherId, now, now, now);
  db.prepare("insert into certificates (code, user_id, course_slug, course_title, content_version, cpd_hours, learner_name, organisation_id, organisation_name, completed_at) values (?, ?, 'sample-course', 'Sample course', '1', 0.5, ?, ?, 'Oakfield Primary School', ?)").run(CODE, teacherId, EVIL_NAME, oakfield, now);
  db.close();
  server = await startBuiltServer({ databasePath, env: { COURSES_PATH: 'tests/fixtures/courses' } });
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
