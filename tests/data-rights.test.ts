import crypto from 'node:crypto';
import { Migrator } from 'kysely';
import { describe, expect, test } from 'vitest';
import { openDatabase } from '#db/database.server.ts';
import { migrations } from '#db/migrations/index.ts';
import { TEST_ROOT } from '#tests/setup/paths.ts';
import { loader as exportLoader } from '#app/routes/account.export.ts';
import { action as dataAction, loader as dataLoader } from '#app/routes/admin.data.tsx';
import { loader as certificateLoader } from '#app/routes/certificates.$code.tsx';
import { credentialFor } from '#app/credentials/open-badge.server.ts';
import { eraseExpiredPeople } from '#app/models/personal-data.server.ts';
import { getDb } from '#app/utils/db.server.ts';
import { completeCourse } from '#db/learning-factories.ts';
import { cookieFor, getRequest, postRequest, run, userIdByEmail } from './utils.ts';

const now = () => new Date().toISOString();

async function addReflection(userId: number, body: string): Promise<number> {
  const row = await getDb()
    .insertInto('reflection_responses')
    .values({ user_id: userId, course_slug: 'sample-course', module_slug: 'first-steps', item_id: 'data-rights-test', content_version: '1', body, saved_at: now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function addEmail(userId: number, address: string, subject: string): Promise<void> {
  await getDb()
    .insertInto('outbox')
    .values({ template: 'password-changed', to_user_id: userId, to_address: address, to_name: 'x', params: '{"link":"https://secret.example/token"}', next_attempt_at: now(), claimed_until: null, claimed_by: null, last_error: null, dedupe_key: null, subject, created_at: now(), sent_at: null })
    .execute();
}

describe('the export of a person’s own data', () => {
  test('holds their reflections with comments, certificates, emails and sessions, and nothing of anyone else', async () => {
    const me = await userIdByEmail('teacher@oakfield.example');
    const other = await userIdByEmail('tom.brennan@oakfield.example');
    const coach = await userIdByEmail('coach@oakfield.example');
    const mine = await addReflection(me, 'My reflection about phonics');
    await addReflection(other, 'Tom private reflection text');
    await getDb().insertInto('reflection_comments').values({ reflection_id: mine, author_user_id: coach, body: 'Coach reply to me', created_at: now(), read_by_owner_at: null, submission_key: null }).execute();
    await addEmail(me, 'teacher@oakfield.example', 'Subject for me');
    await addEmail(other, 'tom.brennan@oakfield.example', 'Subject for Tom');
    await completeCourse(me, 'sample-course');
    const cookie = await cookieFor('teacher@oakfield.example');

    const response = await run(exportLoader, getRequest('/account/export', cookie));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="kindred-my-data-/);
    const text = await response.text();
    const data = JSON.parse(text) as { profile: { email: string }; reflections: { body: string; comments: { body: string; author: string }[] }[]; certificates: unknown[]; emails: { subject: string }[]; sessions: unknown[] };
    expect(data.profile.email).toBe('teacher@oakfield.example');
    expect(data.reflections.find((r) => r.body === 'My reflection about phonics')?.comments).toEqual([expect.objectContaining({ body: 'Coach reply to me' })]);
    expect(data.certificates.length).toBeGreaterThan(0);
    expect(data.emails.map((e) => e.subject)).toContain('Subject for me');
    expect(data.sessions.length).toBeGreaterThan(0);
    // Nobody else's data, and no secrets.
    expect(text).not.toContain('Tom private reflection text');
    expect(text).not.toContain('Subject for Tom');
    expect(text).not.toContain('tom.brennan');
    expect(text).not.toContain('secret.example');
    expect(text).not.toMatch(/\$argon2|\$scrypt|password_hash|token_hash/);
    const sessionIds = (await getDb().selectFrom('sessions').select('id').where('user_id', '=', me).execute()).map((s) => s.id);
    for (const id of sessionIds) expect(text).not.toContain(id);
  });

  test('needs a signed-in person', async () => {
    const response = await run(exportLoader, getRequest('/account/export'));
    expect(response.status).toBe(302);
  });
});

describe('erasure by a platform admin', () => {
  test('pseudonymises the person, deletes what they wrote, keeps ids in the audit trail, and their certificate still verifies', async () => {
    const personId = await userIdByEmail('grace.okafor@oakfield.example');
    await addReflection(personId, 'Grace wrote this');
    await completeCourse(personId, 'sample-course');
    const code = (await getDb().selectFrom('certificates').select('code').where('user_id', '=', personId).executeTakeFirstOrThrow()).code;
    const admin = await cookieFor('admin@kindred.example');

    const found = await run(dataLoader, getRequest('/admin/data?email=grace.okafor%40oakfield.example', admin));
    expect(await found.text()).toContain('Grace Okafor');
    const refused = await run(dataAction, postRequest('/admin/data', { intent: 'erase', userId: String(personId) }, admin));
    expect(refused.status).toBe(400);
    expect((await getDb().selectFrom('users').select('erased_at').where('id', '=', personId).executeTakeFirstOrThrow()).erased_at).toBeNull();

    const response = await run(dataAction, postRequest('/admin/data', { intent: 'erase', userId: String(personId), confirm: 'yes' }, admin));
    expect(response.status).toBe(302);

    const user = await getDb().selectFrom('users').selectAll().where('id', '=', personId).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ name: `Erased person ${personId}`, email: `erased-${personId}@erased.invalid`, password_hash: null });
    expect(user.erased_at).not.toBeNull();
    expect(await getDb().selectFrom('reflection_responses').select('id').where('user_id', '=', personId).execute()).toEqual([]);
    expect(await getDb().selectFrom('sessions').select('id').where('user_id', '=', personId).execute()).toEqual([]);
    const audit = await getDb().selectFrom('audit_log').selectAll().where('subject_user_id', '=', personId).execute();
    expect(audit.some((a) => a.event === 'person_erased')).toBe(true);
    expect(JSON.stringify(audit)).not.toMatch(/Grace|grace\.okafor/);

    const page = await run(certificateLoader, getRequest(`/certificates/${code}`), { code });
    expect(page.status).toBe(200);
    const pageText = await page.text();
    expect(pageText).toContain("Name withheld at the holder's request");
    expect(pageText).not.toContain('Grace');
    expect((await credentialFor(code))?.credentialSubject.identifier).toHaveLength(1);
  });

  test('nobody else may erase, and an admin may not erase themselves', async () => {
    const personId = await userIdByEmail('hannah.lewis@oakfield.example');
    for (const email of ['leader@oakfield.example', 'trust.leader@northfield.example', 'teacher@oakfield.example']) {
      const response = await run(dataAction, postRequest('/admin/data', { intent: 'erase', userId: String(personId), confirm: 'yes' }, await cookieFor(email)));
      expect(response.status, email).toBe(403);
    }
    const adminId = await userIdByEmail('admin@kindred.example');
    const self = await run(dataAction, postRequest('/admin/data', { intent: 'erase', userId: String(adminId), confirm: 'yes' }, await cookieFor('admin@kindred.example')));
    expect(self.status).toBe(404);
    const names = await getDb().selectFrom('users').select('erased_at').where('id', 'in', [personId, adminId]).execute();
    expect(names.every((n) => n.erased_at === null)).toBe(true);
  });
});

describe('retention', () => {
  test('erases people deactivated longer than their organisation keeps them, and no one else', async () => {
    const admin = await cookieFor('admin@kindred.example');
    const oakfield = (await getDb().selectFrom('organisations').select('id').where('name', '=', 'Oakfield Primary School').executeTakeFirstOrThrow()).id;
    const bad = await run(dataAction, postRequest('/admin/data', { intent: 'retention', organisationId: String(oakfield), months: '5' }, admin));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ fieldErrors: { months: 'Choose a period from the list' }, organisationId: oakfield });
    const saved = await run(dataAction, postRequest('/admin/data', { intent: 'retention', organisationId: String(oakfield), months: '12' }, admin));
    expect(saved.status).toBe(200);

    const longGone = await userIdByEmail('tom.brennan@oakfield.example');
    const recentlyGone = await userIdByEmail('coach2@oakfield.example');
    const thirteenMonthsAgo = new Date(Date.now() - 400 * 86_400_000).toISOString();
    await getDb().updateTable('memberships').set({ deactivated_at: thirteenMonthsAgo }).where('user_id', '=', longGone).execute();
    await getDb().updateTable('memberships').set({ deactivated_at: new Date(Date.now() - 30 * 86_400_000).toISOString() }).where('user_id', '=', recentlyGone).execute();

    expect(await eraseExpiredPeople()).toBe(1);
    const rows = await getDb().selectFrom('users').select(['id', 'erased_at']).where('id', 'in', [longGone, recentlyGone]).execute();
    expect(rows.find((r) => r.id === longGone)?.erased_at).not.toBeNull();
    expect(rows.find((r) => r.id === recentlyGone)?.erased_at).toBeNull();
    // A second run finds nothing left to do.
    expect(await eraseExpiredPeople()).toBe(0);
  });
});

describe('migration 011', () => {
  test('gives certificates issued before it a salted hash of the holder’s email', async () => {
    const db = openDatabase(`${TEST_ROOT}/migration-011-${Date.now()}.db`);
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '011'));
    await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest();
    const at = now();
    const user = await db.insertInto('users').values({ email: 'Old.Holder@school.example', name: 'Old Holder', password_hash: null, created_at: at }).returning('id').executeTakeFirstOrThrow();
    await db
      .insertInto('certificates')
      .values({ code: 'OLD234-OLD567-OLD789', user_id: user.id, course_slug: 'c', course_title: 'C', content_version: '1', cpd_hours: 1, learner_name: 'Old Holder', organisation_id: null, organisation_name: 'Kindred', completed_at: at, revoked_at: null, revoked_by: null, revocation_reason: null, revocation_note: null })
      .execute();
    await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
    const row = await db.selectFrom('certificates').select(['recipient_salt', 'recipient_hash']).executeTakeFirstOrThrow();
    expect(row.recipient_hash).toBe(`sha256$${crypto.createHash('sha256').update(`old.holder@school.example${row.recipient_salt}`).digest('hex')}`);
    await db.destroy();
  });
});
