import { describe, expect, test } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { findCourse } from '#app/content/catalogue.server.ts';
import { CODE_PATTERN, generateCertificateCode, normaliseCertificateCode } from '#app/models/certificates.server.ts';
import { courseStatuses } from '#app/models/progress.server.ts';
import { getDb } from '#app/utils/db.server.ts';
import { parseCsv } from '#app/utils/csv.ts';
import { academicYear, ukDate, ukMonth } from '#app/utils/academic-year.ts';
import { action as certificateAction, loader as certificateLoader } from '#app/routes/certificates.$code.tsx';
import { loader as pdfLoader } from '#app/routes/certificates.$code.pdf.ts';
import { loader as learnLoader } from '#app/routes/learn._index.tsx';
import { action as addCpd } from '#app/routes/learn.cpd._index.tsx';
import { action as editCpd, loader as editCpdLoader } from '#app/routes/learn.cpd.$id.tsx';
import { loader as csvLoader } from '#app/routes/learn.cpd[.csv].ts';
import { completeCourse } from '#db/learning-factories.ts';
import { cookieFor, getRequest, jsonOf, postRequest, run, userIdByEmail } from './utils.ts';

async function certificateFor(email: string): Promise<string> {
  const userId = await userIdByEmail(email);
  await completeCourse(userId, 'sample-course');
  return (await getDb().selectFrom('certificates').select('code').where('user_id', '=', userId).executeTakeFirstOrThrow()).code;
}

describe('certificate codes', () => {
  test('are 18 unambiguous characters in three groups, different every time', () => {
    const codes = new Set(Array.from({ length: 2000 }, generateCertificateCode));
    expect(codes.size).toBe(2000);
    for (const code of [...codes].slice(0, 50)) expect(code).toMatch(CODE_PATTERN);
    expect([...codes].join('')).not.toMatch(/[01ILOU]/);
    // 30 symbols, 18 positions: log2(30^18) ≈ 88 bits of randomness.
    expect(Math.log2(30 ** 18)).toBeGreaterThan(80);
  });

  test('are read as typed: lower case, spaces and missing dashes', () => {
    expect(normaliseCertificateCode('abc234 def567 ghj789')).toBe('ABC234-DEF567-GHJ789');
    expect(normaliseCertificateCode('ABC234DEF567GHJ789')).toBe('ABC234-DEF567-GHJ789');
    expect(normaliseCertificateCode('ABC234-DEF567-GHJ78O')).toBeNull();
    expect(normaliseCertificateCode("'; drop table")).toBeNull();
  });
});

describe('the public verification page', () => {
  test('shows the facts, with no email address or other personal data', async () => {
    const code = await certificateFor('teacher@oakfield.example');
    const response = await run(certificateLoader, getRequest(`/certificates/${code}`), { code });
    expect(response.status).toBe(200);
    const text = await response.text();
    const data = JSON.parse(text);
    expect(data.certificate).toMatchObject({ learnerName: 'Amina Khan', courseTitle: 'Sample course', cpdHours: 0.5, organisationName: 'Oakfield Primary School', contentVersion: '1', code });
    expect(text).not.toMatch(/@/);
    expect(text).not.toContain('oakfield.example');
    expect(Object.keys(data.certificate)).not.toContain('userId');
    expect(data.qr).toContain('<svg');
    expect(data.canDownload).toBe(false);
  });

  test("lists the standards the course's modules support, and none once the course no longer exists", async () => {
    const code = await certificateFor('teacher@brookside.example');
    const standardsOn = async () => (await jsonOf<{ standards: string[] }>(await run(certificateLoader, getRequest(`/certificates/${code}`), { code }))).standards;
    expect(await standardsOn()).toEqual([
      "Teachers' Standard 1 / ITTECF: Set high expectations",
      "Teachers' Standard 2 / ITTECF: Promote good progress (how pupils learn)",
      "Teachers' Standard 5 / ITTECF: Adapt teaching to the strengths and needs of all pupils (adaptive teaching)",
    ]);
    await getDb().updateTable('certificates').set({ course_slug: 'retired-course' }).where('code', '=', code).execute();
    expect(await standardsOn()).toEqual([]);
  });

  test.each(['ABC234-DEF567-GHJ789', 'nonsense', '../../etc/passwd', ''])('an unknown or malformed code (%s) gets a 404 page that says so', async (code) => {
    const response = await run(certificateLoader, getRequest(`/certificates/${code}`), { code });
    expect(response.status).toBe(404);
    expect(await jsonOf(response)).toMatchObject({ found: false });
  });

  test("revocation by a leader of the learner's school shows on the public page and is audited", async () => {
    const code = await certificateFor('tom.brennan@oakfield.example');
    const teacher = await run(certificateAction, postRequest(`/certificates/${code}`, { reason: 'misconduct' }, await cookieFor('grace.okafor@oakfield.example')), { code });
    expect(teacher.status).toBe(404);
    const otherSchool = await run(certificateAction, postRequest(`/certificates/${code}`, { reason: 'misconduct' }, await cookieFor('leader@brookside.example')), { code });
    expect(otherSchool.status).toBe(404);
    const leader = await run(certificateAction, postRequest(`/certificates/${code}`, { reason: 'issued-in-error', note: 'Wrong person' }, await cookieFor('leader@oakfield.example')), { code });
    expect(leader.status).toBe(302);
    const page = await jsonOf<{ certificate: { revokedAtText: string; revocationReasonText: string } }>(await run(certificateLoader, getRequest(`/certificates/${code}`), { code }));
    expect(page.certificate.revocationReasonText).toBe('Issued in error');
    expect(page.certificate.revokedAtText).toBeTruthy();
    expect(JSON.stringify(page)).not.toContain('Wrong person');
    const audit = await getDb().selectFrom('audit_log').select(['actor_user_id', 'detail']).where('event', '=', 'certificate_revoked').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_user_id).toBe(await userIdByEmail('leader@oakfield.example'));
  });

  test('a platform admin can revoke; a bad reason is refused', async () => {
    const code = await certificateFor('daniel.hughes@oakfield.example');
    const cookie = await cookieFor('admin@kindred.example');
    expect((await run(certificateAction, postRequest(`/certificates/${code}`, { reason: 'because' }, cookie), { code })).status).toBe(400);
    expect((await run(certificateAction, postRequest(`/certificates/${code}`, { reason: 'duplicate' }, cookie), { code })).status).toBe(302);
  });
});

describe('the PDF', () => {
  test('has the learner, course, hours, date and code as real text, and an A4 landscape page', async () => {
    const code = await certificateFor('priya.patel@oakfield.example');
    const response = await run(pdfLoader, getRequest(`/certificates/${code}/pdf`, await cookieFor('priya.patel@oakfield.example')), { code });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const pdf = await getDocumentProxy(bytes.slice());
    const { text } = await extractText(pdf, { mergePages: true });
    const completed = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
    for (const fact of ['Priya Patel', 'Sample course', 'CPD hours: 0.5', `Completed on: ${completed}`, code, 'Oakfield Primary School']) expect(text).toContain(fact);
    for (const standard of ["Teachers' Standard 1 / ITTECF: Set high expectations", "Teachers' Standard 2 / ITTECF: Promote good progress"]) expect(text).toContain(standard);
    const page = await pdf.getPage(1);
    const [, , width, height] = page.view;
    expect(Math.round(width!)).toBe(842);
    expect(Math.round(height!)).toBe(595);
    expect(Buffer.from(bytes).toString('latin1')).toMatch(/\/FontFile2/);
  });

  test("a teacher asking for someone else's PDF gets 404; their school's leader gets it; another school's leader does not", async () => {
    const code = await certificateFor('hannah.lewis@oakfield.example');
    const ask = async (email: string) => (await run(pdfLoader, getRequest(`/certificates/${code}/pdf`, await cookieFor(email)), { code })).status;
    expect(await ask('joe.nowak@oakfield.example')).toBe(404);
    expect(await ask('leader@brookside.example')).toBe(404);
    expect(await ask('leader@oakfield.example')).toBe(200);
    expect(await ask('trust.leader@northfield.example')).toBe(200);
    expect((await run(pdfLoader, getRequest(`/certificates/${code}/pdf`), { code })).status).toBe(302);
  });
});

describe('completion and versions', () => {
  test('a course whose version changes after completion stays completed, and the certificate keeps its version', async () => {
    const userId = await userIdByEmail('kwame.mensah@oakfield.example');
    await completeCourse(userId, 'sample-course');
    const course = findCourse('sample-course')!;
    const original = course.meta.version;
    course.meta.version = '2';
    try {
      expect((await courseStatuses(userId, [course]))['sample-course']).toMatchObject({ state: 'completed' });
      const cert = await getDb().selectFrom('certificates').select('content_version').where('user_id', '=', userId).executeTakeFirstOrThrow();
      expect(cert.content_version).toBe('1');
    } finally {
      course.meta.version = original;
    }
  });

  test('/learn lists certificates with their links, and courses in the order of what to do next', async () => {
    const email = 'ellie.thompson@oakfield.example';
    const userId = await userIdByEmail(email);
    await completeCourse(userId, 'sample-course');
    await completeCourse(userId, 'flawed-course', { modules: 1 });
    const data = await jsonOf<{ inProgress: { slug: string; percent: number; continueSlug: string }[]; completed: { slug: string }[]; certificates: { code: string }[] }>(
      await run(learnLoader, getRequest('/learn', await cookieFor(email))),
    );
    // Continue skips the finished module last visited (`fine`) for the next unfinished one (issue 12).
    expect(data.inProgress).toEqual([expect.objectContaining({ slug: 'flawed-course', percent: 33, continueSlug: 'bad-frontmatter' })]);
    expect(data.completed.map((c) => c.slug)).toEqual(['sample-course']);
    expect(data.certificates).toHaveLength(1);
  });
});

describe('the CPD log', () => {
  test('academic years run from 1 September', () => {
    expect(academicYear('2025-08-31')).toBe('2024/25');
    expect(academicYear('2025-09-01')).toBe('2025/26');
    expect(academicYear('2026-01-15')).toBe('2025/26');
    expect(academicYear('1999-09-01')).toBe('1999/00');
  });

  test('an instant falls on its date in the UK: the next day from 23:00 UTC in summer time only', () => {
    expect(ukDate('2026-07-14T22:59:59.999Z')).toBe('2026-07-14');
    expect(ukDate('2026-07-14T23:00:00.000Z')).toBe('2026-07-15');
    expect(ukDate('2026-08-31T23:30:00.000Z')).toBe('2026-09-01');
    expect(ukMonth('2026-08-31T23:30:00.000Z')).toBe('2026-09');
    expect(ukDate('2026-12-31T23:30:00.000Z')).toBe('2026-12-31');
    expect(ukDate('2026-01-01T00:30:00.000Z')).toBe('2026-01-01');
    // Clocks go forward at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25 October 2026.
    expect(ukDate('2026-03-28T23:30:00.000Z')).toBe('2026-03-28');
    expect(ukDate('2026-03-29T23:30:00.000Z')).toBe('2026-03-30');
    expect(ukDate('2026-10-24T23:30:00.000Z')).toBe('2026-10-25');
    expect(ukDate('2026-10-25T23:30:00.000Z')).toBe('2026-10-25');
    // Not in UTC: converted.
    expect(ukDate('2026-07-14T23:30:00.000-02:00')).toBe('2026-07-15');
  });

  test('totals split at 1 September, external CPD and courses together', async () => {
    const email = 'rhys.morgan@oakfield.example';
    const cookie = await cookieFor(email);
    for (const [date, hours] of [['2025-08-31', '2'], ['2025-09-01', '3.5']] as const) {
      const response = await run(addCpd, postRequest('/learn/cpd', { title: `Course on ${date}`, provider: 'Local authority', date, hours, note: '', link: '' }, cookie));
      expect(response.status).toBe(302);
    }
    // A completion at 23:30 UTC on 31 August 2025 is 00:30 on 1 September in the UK.
    const userId = await userIdByEmail(email);
    await completeCourse(userId, 'sample-course');
    await getDb().updateTable('certificates').set({ completed_at: '2025-08-31T23:30:00.000Z' }).where('user_id', '=', userId).execute();
    const data = await jsonOf<{ log: { year: string; totalHours: number }[] }>(await run(learnLoader, getRequest('/learn', cookie)));
    expect(data.log).toEqual([expect.objectContaining({ year: '2025/26', totalHours: 4 }), expect.objectContaining({ year: '2024/25', totalHours: 2 })]);
  });

  test.each([
    [{ title: '', date: '2025-01-01', hours: '1' }, 'title'],
    [{ title: 'X', date: '2025-01-01', hours: '-1' }, 'hours'],
    [{ title: 'X', date: '2025-01-01', hours: '101' }, 'hours'],
    [{ title: 'X', date: '2025-01-01', hours: 'lots' }, 'hours'],
    [{ title: 'X', date: '2999-01-01', hours: '1' }, 'date'],
    [{ title: 'X', date: '2025-02-30', hours: '1' }, 'date'],
    [{ title: 'X', date: '2025-01-01', hours: '1', link: 'javascript:alert(1)' }, 'link'],
  ])('bad external CPD gets a message next to the field and saves nothing (%o)', async (fields, field) => {
    const email = 'zara.ahmed@oakfield.example';
    const response = await run(addCpd, postRequest('/learn/cpd', fields, await cookieFor(email)));
    expect(response.status).toBe(400);
    expect((await jsonOf<{ fieldErrors: Record<string, string> }>(response)).fieldErrors[field]).toBeTruthy();
    const rows = await getDb().selectFrom('external_cpd').select('id').where('user_id', '=', await userIdByEmail(email)).execute();
    expect(rows).toHaveLength(0);
  });

  test("someone else's entry cannot be read, edited or deleted", async () => {
    const owner = await cookieFor('joe.nowak@oakfield.example');
    await run(addCpd, postRequest('/learn/cpd', { title: 'Mine', date: '2025-03-03', hours: '1' }, owner));
    const entry = await getDb().selectFrom('external_cpd').select('id').where('title', '=', 'Mine').executeTakeFirstOrThrow();
    const intruder = await cookieFor('sophie.walsh@oakfield.example');
    const id = String(entry.id);
    expect((await run(editCpdLoader, getRequest(`/learn/cpd/${id}`, intruder), { id })).status).toBe(404);
    expect((await run(editCpd, postRequest(`/learn/cpd/${id}`, { intent: 'delete' }, intruder), { id })).status).toBe(404);
    expect((await run(editCpd, postRequest(`/learn/cpd/${id}`, { intent: 'save', title: 'Hijacked', date: '2025-03-03', hours: '1' }, intruder), { id })).status).toBe(404);
    expect((await getDb().selectFrom('external_cpd').select('title').where('id', '=', entry.id).executeTakeFirstOrThrow()).title).toBe('Mine');
    expect((await run(editCpd, postRequest(`/learn/cpd/${id}`, { intent: 'delete' }, owner), { id })).status).toBe(302);
  });

  test('the CSV survives commas, quotes and accents, and neutralises formulas', async () => {
    const email = 'grace.okafor@oakfield.example';
    const cookie = await cookieFor(email);
    await getDb().updateTable('users').set({ name: 'Zoë O\'Brien-Łukasz, "Jr"' }).where('email', '=', email).execute();
    const awkward = [
      { title: 'Équipe, "SEND" day', provider: '=HYPERLINK("http://evil")' },
      { title: '+44 workshop', provider: '@provider' },
      { title: '-minus start', provider: 'Café Ñandú' },
    ];
    for (const values of awkward) await run(addCpd, postRequest('/learn/cpd', { ...values, date: '2025-05-05', hours: '1.25' }, cookie));
    const response = await run(csvLoader, getRequest('/learn/cpd.csv', cookie));
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['Learner', 'Academic year', 'Date', 'Activity', 'Provider', 'Hours', 'Counted', 'Certificate', 'Note', 'Link']);
    const cells = rows.flat();
    expect(cells).toContain('Équipe, "SEND" day');
    expect(cells).toContain('Café Ñandú');
    expect(rows[1]![0]).toBe('Zoë O\'Brien-Łukasz, "Jr"');
    expect(cells).toContain(`'=HYPERLINK("http://evil")`);
    expect(cells).toContain("'+44 workshop");
    expect(cells).toContain("'@provider");
    expect(cells).toContain("'-minus start");
    expect(cells.some((c) => /^[=+\-@]/.test(c))).toBe(false);
    expect(rows.every((r) => r.length === 10)).toBe(true);
  });
});
