import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { getDb } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { inviteMember } from '#app/models/accounts.server.ts';
import { assignCourse } from '#app/models/assignments.server.ts';
import { loadViewer } from '#app/auth/session.server.ts';
import { requestPasswordReset, MAX_RESETS_PER_HOUR } from '#app/models/password-resets.server.ts';
import { mailbox, oneLine } from '#app/mail/addresses.ts';
import { newWorkerId, queueEmail, queueEmails, sendDue, claimDue } from '#app/mail/outbox.server.ts';
import { readUnsubscribeToken, unsubscribeToken } from '#app/mail/preferences.server.ts';
import { reminderKind, runSchedule } from '#app/mail/schedule.server.ts';
import { createMailer, type Mailer } from '#app/mail/transport.server.ts';
import { action as unsubscribeAction, loader as unsubscribeLoader } from '#app/routes/unsubscribe.$token.tsx';
import { headerOf, startTestSmtp, type TestSmtp } from './support/smtp.ts';
import { flashOf, getRequest, postRequest, run, userIdByEmail } from './utils.ts';

// The outbox against a real SMTP server (smtp-server), in process: the worker's one step (sendDue)
// is called directly, and the clock is moved with KINDRED_CLOCK_OFFSET_MS.

let smtp: TestSmtp;
let mailer: Mailer;
const workerId = newWorkerId();
const DAY = 86_400_000;

beforeAll(async () => {
  smtp = await startTestSmtp();
  process.env.SMTP_URL = smtp.url;
  process.env.MAIL_RETRY_MS = '100';
  process.env.MAIL_FROM = 'Kindred <cpd@kindred.example.org>';
  mailer = createMailer(getEnv());
  // The demo seed queued messages of its own; send them out of the way first.
  while ((await sendDue(mailer, workerId, 50)) > 0);
  smtp.received.length = 0;
});

afterAll(async () => {
  mailer.close();
  await smtp.close();
  delete process.env.KINDRED_CLOCK_OFFSET_MS;
});

beforeEach(() => {
  smtp.received.length = 0;
  delete process.env.KINDRED_CLOCK_OFFSET_MS;
});

async function drain(): Promise<void> {
  while ((await sendDue(mailer, workerId, 50)) > 0);
}

async function organisationId(name: string): Promise<number> {
  return (await getDb().selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

describe('the outbox', () => {
  test('an invitation is queued with the person, then sent once with both parts, the school’s name and a stable Message-ID', async () => {
    const orgId = await organisationId('Oakfield Primary School');
    const leaderId = await userIdByEmail('leader@oakfield.example');
    const token = await inviteMember(await loadViewer(leaderId), orgId, { name: 'Nia Adeyemi', email: 'nia.adeyemi@oakfield.example', roles: ['teacher'] });
    const row = await getDb().selectFrom('outbox').selectAll().where('to_address', '=', 'nia.adeyemi@oakfield.example').executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(smtp.received).toHaveLength(0);

    await drain();
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.envelopeTo).toEqual(['nia.adeyemi@oakfield.example']);
    expect(mail!.parsed.subject).toBe('Your invitation to Kindred from Oakfield Primary School');
    expect(mail!.parsed.from?.value).toEqual([{ name: 'Kindred', address: 'cpd@kindred.example.org' }]);
    expect(mail!.parsed.messageId).toBe(`<outbox-${row.id}@localhost>`);
    expect(mail!.parsed.text).toContain(`${getEnv().PUBLIC_URL}/invitations/${token}`);
    expect(mail!.parsed.html).toContain('<html lang="en-GB">');
    expect(mail!.parsed.html).toMatch(/<h1[^>]*>Join Oakfield Primary School on Kindred<\/h1>/);
    expect(mail!.parsed.html).toContain(`href="${getEnv().PUBLIC_URL}/invitations/${token}"`);
    // Invitations are not optional: no unsubscribe.
    expect(headerOf(mail!, 'List-Unsubscribe')).toBeNull();

    const sent = await getDb().selectFrom('outbox').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(sent.status).toBe('sent');
    expect(sent.params).toBe('{}'); // the one-time link is not kept
    await drain();
    expect(smtp.received).toHaveLength(1);
  });

  test('a message queued in a transaction that fails is never sent', async () => {
    await expect(
      getDb()
        .transaction()
        .execute(async (trx) => {
          await queueEmail(trx, { template: 'password-changed', toUserId: null, toAddress: 'rolled.back@example.org', toName: 'Rolled Back', params: { at: new Date().toISOString() } });
          throw new Error('the cause failed');
        }),
    ).rejects.toThrow('the cause failed');
    expect(await getDb().selectFrom('outbox').select('id').where('to_address', '=', 'rolled.back@example.org').execute()).toEqual([]);
  });

  test('after a 4xx answer the message is tried again later and sent once', async () => {
    await queueEmail(getDb(), { template: 'password-changed', toUserId: null, toAddress: 'retry@example.org', toName: 'Retry Person', params: { at: new Date().toISOString() } });
    smtp.failNext(1, 451);
    await sendDue(mailer, workerId);
    const after = await getDb().selectFrom('outbox').selectAll().where('to_address', '=', 'retry@example.org').executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: 'pending', attempts: 1, claimed_by: null });
    expect(after.last_error).toMatch(/451|Try again/);
    expect(after.next_attempt_at > new Date().toISOString()).toBe(true);
    expect(smtp.received).toHaveLength(0);
    // Not before the backoff has passed...
    await sendDue(mailer, workerId);
    expect(smtp.received).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await drain();
    expect(smtp.received.map((m) => m.envelopeTo)).toEqual([['retry@example.org']]);
    expect((await getDb().selectFrom('outbox').select(['status', 'attempts']).where('id', '=', after.id).executeTakeFirstOrThrow())).toEqual({ status: 'sent', attempts: 2 });
  });

  test('a 5xx answer is final: the message is marked failed and not tried again', async () => {
    await queueEmail(getDb(), { template: 'password-changed', toUserId: null, toAddress: 'refused@example.org', toName: 'Refused', params: { at: new Date().toISOString() } });
    smtp.failNext(1, 550);
    await drain();
    const row = await getDb().selectFrom('outbox').selectAll().where('to_address', '=', 'refused@example.org').executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 250));
    await drain();
    expect(smtp.received).toHaveLength(0);
  });

  test('two workers claiming at once take different messages (FOR UPDATE SKIP LOCKED on PostgreSQL), neither waiting empty-handed', async () => {
    const at = new Date().toISOString();
    await queueEmails(getDb(), Array.from({ length: 10 }, (_, i) => ({ template: 'password-changed' as const, toUserId: null, toAddress: `both-${i}@example.org`, toName: 'Both', params: { at } })));
    const [a, b] = await Promise.all([claimDue('worker-a', 5), claimDue('worker-b', 5)]);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(Math.max(a.length, b.length)).toBeLessThanOrEqual(5);
    const ids = [...a, ...b].map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    await getDb().deleteFrom('outbox').where('to_address', 'like', 'both-%').execute();
  });

  test('a claimed row is held by its lease, and claimable again once the lease runs out', async () => {
    await queueEmail(getDb(), { template: 'password-changed', toUserId: null, toAddress: 'lease@example.org', toName: 'Lease', params: { at: new Date().toISOString() } });
    const first = await claimDue('crashed-worker', 50);
    expect(first.map((r) => r.to_address)).toContain('lease@example.org');
    expect(await claimDue('other-worker', 50)).toEqual([]);
    process.env.KINDRED_CLOCK_OFFSET_MS = String(getEnv().MAIL_LEASE_MS + 1000);
    await drain();
    expect(smtp.received.map((m) => m.envelopeTo[0])).toEqual(['lease@example.org']);
  });
});

describe('names cannot inject headers', () => {
  test('line breaks are removed from names and subjects; an address with one is refused', () => {
    expect(oneLine('Eve\r\nBcc: victim@example.org')).toBe('Eve Bcc: victim@example.org');
    expect(mailbox('Eve\nBcc: x@example.org', 'eve@example.org').name).toBe('Eve Bcc: x@example.org');
    expect(() => mailbox('Eve', 'eve@example.org\r\nBcc: x@example.org')).toThrow(/Not a usable email address/);
  });

  test('a hostile display name and a hostile name in the subject reach one recipient and add no header', async () => {
    await queueEmail(getDb(), {
      template: 'reflection-shared',
      toUserId: null,
      toAddress: 'coach.target@example.org',
      toName: 'Coach\r\nBcc: victim@example.org',
      params: { teacherName: 'Mallory\r\nBcc: victim2@example.org\r\n\r\n<b>body</b>', teacherUserId: 1, organisationName: 'Oakfield\nX-Evil: 1' },
    });
    await drain();
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.envelopeTo).toEqual(['coach.target@example.org']);
    expect(mail!.parsed.headers.has('bcc')).toBe(false);
    expect(mail!.parsed.headers.has('x-evil')).toBe(false);
    expect(mail!.raw.split(/\r?\n\r?\n/)[0]).not.toMatch(/^(Bcc|X-Evil):/im);
    expect(mail!.parsed.subject).toBe('Mallory Bcc: victim2@example.org <b>body</b> shared a reflection with you');
    expect(mail!.parsed.html).toContain('Mallory');
    expect(mail!.parsed.html).not.toContain('<b>body</b>');
  });
});

describe('password reset requests', () => {
  test('an unknown address gets no email; a known one gets one, at most three an hour', async () => {
    await requestPasswordReset('nobody.here@example.org', '127.0.0.1');
    expect(await getDb().selectFrom('outbox').select('id').where('to_address', '=', 'nobody.here@example.org').execute()).toEqual([]);
    for (let i = 0; i < MAX_RESETS_PER_HOUR + 2; i += 1) await requestPasswordReset(' Grace.Okafor@oakfield.example ', '127.0.0.1');
    const rows = await getDb().selectFrom('outbox').select('template').where('to_address', '=', 'grace.okafor@oakfield.example').where('template', '=', 'password-reset').execute();
    expect(rows).toHaveLength(MAX_RESETS_PER_HOUR);
    await drain();
    expect(smtp.received.every((m) => m.parsed.subject === 'Reset your Kindred password')).toBe(true);
    expect(headerOf(smtp.received[0]!, 'List-Unsubscribe')).toBeNull();
  });
});

describe('assignment emails and reminders', () => {
  const today = () => new Date().toISOString().slice(0, 10);
  const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

  test('reminder kinds by date', () => {
    expect(reminderKind('2026-03-01', '2026-03-20', '2026-02-01')).toBeNull();
    expect(reminderKind('2026-03-13', '2026-03-20', '2026-02-01')).toEqual({ kind: 'due-7', days: 7 });
    expect(reminderKind('2026-03-19', '2026-03-20', '2026-02-01')).toEqual({ kind: 'due-1', days: 1 });
    expect(reminderKind('2026-03-21', '2026-03-20', '2026-02-01')).toEqual({ kind: 'overdue', days: -1 });
    // Assigned with five days' notice: no "due in a week".
    expect(reminderKind('2026-03-16', '2026-03-20', '2026-03-15')).toBeNull();
    expect(reminderKind('2026-05-20', '2026-03-20', '2026-02-01')).toBeNull();
  });

  test('assigned, due in a week, due tomorrow, overdue: each once per person, however often the schedule runs', async () => {
    const orgId = await organisationId('Brookside Academy');
    const leaderId = await userIdByEmail('leader@brookside.example');
    const teacherId = await userIdByEmail('teacher@brookside.example');
    expect(today()).toBeTruthy();
    const assignmentId = (await assignCourse(await loadViewer(leaderId), 'leader', { target: `person:${teacherId}:${orgId}`, courseSlug: 'sample-course', dueDate: inDays(10) })).id;
    await drain();
    expect(smtp.received.map((m) => [m.envelopeTo[0], m.parsed.subject])).toEqual([['teacher@brookside.example', 'New course to complete: Sample course']]);
    expect(headerOf(smtp.received[0]!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

    const notices = () => getDb().selectFrom('assignment_notices').select('kind').where('assignment_id', '=', assignmentId).orderBy('created_at').execute();
    const step = async (days: number) => {
      process.env.KINDRED_CLOCK_OFFSET_MS = String(days * DAY);
      await runSchedule();
      await runSchedule();
      await drain();
    };
    await step(3);
    await step(9);
    await step(11);
    await step(12);
    expect((await notices()).map((n) => n.kind)).toEqual(['assigned', 'due-7', 'due-1', 'overdue']);
    const subjects = smtp.received.filter((m) => m.envelopeTo[0] === 'teacher@brookside.example').map((m) => m.parsed.subject);
    expect(subjects).toEqual(['New course to complete: Sample course', 'Due in a week: Sample course', 'Due tomorrow: Sample course', 'Overdue: Sample course']);
    const reminder = smtp.received[1]!;
    expect(headerOf(reminder, 'List-Unsubscribe')).toBe(`<${getEnv().PUBLIC_URL}/unsubscribe/${unsubscribeToken(teacherId, 'reminders')}>`);
    expect(headerOf(reminder, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(reminder.parsed.html).toContain(`/unsubscribe/${unsubscribeToken(teacherId, 'reminders')}`);

    // A week after the overdue email the course comes in one digest, once a week.
    smtp.received.length = 0;
    await step(19);
    await step(19);
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['A course is overdue']);
    await step(26);
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['A course is overdue', 'A course is overdue']);

    // The database itself refuses a second notice of a kind.
    await expect(getDb().insertInto('assignment_notices').values({ assignment_id: assignmentId, user_id: teacherId, kind: 'due-7', created_at: new Date().toISOString() }).execute()).rejects.toThrow(/UNIQUE|PRIMARY|duplicate key/);
  });
});

describe('one-click unsubscribe', () => {
  test('GET only asks; POST turns the category off, signed out; a forged token is 404', async () => {
    const userId = await userIdByEmail('teacher@oakfield.example');
    const token = unsubscribeToken(userId, 'reminders');
    expect(readUnsubscribeToken(token)).toEqual({ userId, category: 'reminders' });
    expect(readUnsubscribeToken(token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBeNull();
    expect(readUnsubscribeToken(`${userId + 1}.reminders.${token.split('.')[2]}`)).toBeNull();
    const prefs = () => getDb().selectFrom('email_preferences').select('reminders').where('user_id', '=', userId).executeTakeFirst();

    const page = await run(unsubscribeLoader, getRequest(`/unsubscribe/${token}`), { token });
    expect(page.status).toBe(200);
    expect(await prefs()).toBeUndefined();

    const forged = await run(unsubscribeAction, postRequest('/unsubscribe/x', { 'List-Unsubscribe': 'One-Click' }), { token: `${userId}.reminders.AAAA` });
    expect(forged.status).toBe(404);
    expect(await prefs()).toBeUndefined();

    const done = await run(unsubscribeAction, postRequest(`/unsubscribe/${token}`, { 'List-Unsubscribe': 'One-Click' }), { token });
    expect(done.status).toBe(200);
    expect(await prefs()).toEqual({ reminders: 0 });
  });
});

describe('what each action sends', () => {
  test('roster import, a platform admin’s new organisation and a resend each email an invitation; the resent link replaces the old one', async () => {
    const { applyRoster } = await import('#app/models/roster.server.ts');
    const { createOrganisationWithLeader } = await import('#app/models/organisations.server.ts');
    const { renewInvitation } = await import('#app/models/accounts.server.ts');
    const { pendingInvitations } = await import('#app/models/invitation-status.server.ts');
    const orgId = await organisationId('Oakfield Primary School');
    const leaderId = await userIdByEmail('leader@oakfield.example');
    const applied = await applyRoster(await loadViewer(leaderId), orgId, 'name,email,roles\nRoster One,roster.one@oakfield.example,teacher\nRoster Two,roster.two@oakfield.example,coach');
    const created = await createOrganisationWithLeader({ name: 'Hillcrest School', kind: 'school', trustId: null }, { name: 'Hana Head', email: 'head@hillcrest.example' }, await loadViewer(await userIdByEmail('admin@kindred.example')));
    await drain();
    expect(smtp.received.map((m) => [m.envelopeTo[0], m.parsed.subject]).sort()).toEqual([
      ['head@hillcrest.example', 'Your invitation to Kindred from Hillcrest School'],
      ['roster.one@oakfield.example', 'Your invitation to Kindred from Oakfield Primary School'],
      ['roster.two@oakfield.example', 'Your invitation to Kindred from Oakfield Primary School'],
    ]);
    const one = smtp.received.find((m) => m.envelopeTo[0] === 'roster.one@oakfield.example')!;
    expect(one.parsed.text).toContain(applied.invitations.find((i) => i.email === 'roster.one@oakfield.example')!.token);
    expect(one.parsed.text).toMatch(/^.+ has invited you to Kindred/m);
    expect(smtp.received.find((m) => m.envelopeTo[0] === 'head@hillcrest.example')!.parsed.text).toContain(created.token);

    smtp.received.length = 0;
    const rosterOne = await userIdByEmail('roster.one@oakfield.example');
    const fresh = await renewInvitation(await loadViewer(leaderId), rosterOne, orgId);
    await drain();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.parsed.text).toContain(`/invitations/${fresh}`);
    const pending = await pendingInvitations([orgId], { userId: rosterOne });
    expect(pending).toHaveLength(1);
    expect(pending[0]!.emailedAt).not.toBeNull();
    expect(Date.parse(pending[0]!.expiresAt) - Date.now()).toBeGreaterThan(6.9 * DAY);
  });

  test('a coach hears when a teacher shares a reflection (once, not on re-sharing) and when the teacher replies; not when they reply themselves', async () => {
    const { makeGroup } = await import('./support/coaching.ts');
    const { setReflectionShared, addComment } = await import('#app/models/coaching.server.ts');
    await makeGroup('Oakfield Primary School', 'Mail group', 'coach2@oakfield.example', ['tom.brennan@oakfield.example']);
    const tom = await userIdByEmail('tom.brennan@oakfield.example');
    const coach = await userIdByEmail('coach2@oakfield.example');
    const now = new Date().toISOString();
    const reflectionId = Number(
      (await getDb().insertInto('reflection_responses').values({ user_id: tom, course_slug: 'sample-course', module_slug: 'first-steps', item_id: 'first-thoughts', content_version: '1', body: 'Thoughts', saved_at: now }).returning('id').executeTakeFirstOrThrow()).id,
    );
    const tomViewer = await loadViewer(tom);
    expect(await setReflectionShared(tomViewer, 'sample-course', 'first-steps', 'first-thoughts', true)).toEqual([expect.any(String)]);
    expect(await setReflectionShared(tomViewer, 'sample-course', 'first-steps', 'first-thoughts', true)).not.toBeNull();
    await addComment(await loadViewer(coach), reflectionId, 'What did you notice?', null);
    await addComment(tomViewer, reflectionId, 'That the quiet ones answered.', null);
    await drain();
    expect(smtp.received.map((m) => [m.envelopeTo[0], m.parsed.subject])).toEqual([
      ['coach2@oakfield.example', 'Tom Brennan shared a reflection with you'],
      ['coach2@oakfield.example', 'Tom Brennan replied on a shared reflection'],
    ]);
    expect(headerOf(smtp.received[0]!, 'List-Unsubscribe')).toContain(`/unsubscribe/${unsubscribeToken(coach, 'coaching')}`);
  });

  test('a leader can email someone a reset link; people who turned coaching emails off get none', async () => {
    const { sendPasswordResetFor } = await import('#app/models/password-resets.server.ts');
    const { setPreferences } = await import('#app/mail/preferences.server.ts');
    const leader = await loadViewer(await userIdByEmail('leader@oakfield.example'));
    expect(await sendPasswordResetFor(leader, await userIdByEmail('coach@oakfield.example'))).toBe('sent');
    await expect(sendPasswordResetFor(leader, await userIdByEmail('teacher@brookside.example'))).rejects.toThrow(/not allowed/);
    const admin = await loadViewer(await userIdByEmail('admin@kindred.example'));
    expect(await sendPasswordResetFor(admin, 999_999)).toBe('not-found');
    await drain();
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['Reset your Kindred password']);
    expect(smtp.received[0]!.parsed.text).toContain('Oakfield Head has sent you a link');

    smtp.received.length = 0;
    const { queueCoachNotice } = await import('#app/mail/messages.server.ts');
    await setPreferences(await userIdByEmail('coach2@oakfield.example'), { coaching: false });
    const tom = await userIdByEmail('tom.brennan@oakfield.example');
    // Tom's coach (coach2, from the test above) turned coaching emails off.
    const coach2 = await userIdByEmail('coach2@oakfield.example');
    expect(await getDb().transaction().execute((trx) => queueCoachNotice(trx, tom, 'reflection-reply', [coach2]))).toBe(0);
    await setPreferences(coach2, { coaching: true });
    expect(await getDb().transaction().execute((trx) => queueCoachNotice(trx, tom, 'reflection-reply', [coach2]))).toBe(1);
  });
});

describe('a password changed on /account', () => {
  test('ends the other sessions and emails the person, in the same transaction', async () => {
    const { changePassword } = await import('#app/models/accounts.server.ts');
    const { createSession, getSessionUser } = await import('#app/auth/session.server.ts');
    const email = 'gethin.jenkins@brookside.example';
    const userId = await userIdByEmail(email);
    const other = (await createSession(userId)).split(';')[0]!;
    const current = (await createSession(userId)).split(';')[0]!;
    const viewer = (await getSessionUser(getRequest('/account', current)))!;
    const weak = await changePassword(viewer, 'kindred-demo-2026', 'password1234', '127.0.0.1');
    expect(weak.ok).toBe(false);
    expect(await getDb().selectFrom('outbox').select('id').where('to_address', '=', email).where('template', '=', 'password-changed').execute()).toEqual([]);

    expect(await changePassword(viewer, 'kindred-demo-2026', 'Sheep-harbour-quietly-37', '127.0.0.1')).toEqual({ ok: true });
    expect(await getSessionUser(getRequest('/account', other))).toBeNull();
    expect(await getSessionUser(getRequest('/account', current))).not.toBeNull();
    await drain();
    const sent = smtp.received.filter((m) => m.envelopeTo[0] === email);
    expect(sent.map((m) => m.parsed.subject)).toEqual(['Your Kindred password was changed']);
    expect(sent[0]!.parsed.text).toMatch(/reset|forgot/i);
  });
});

describe('the outbox is pruned', () => {
  test('sent and failed messages older than half a year go; pending ones and recent ones stay', async () => {
    const { pruneOutbox, OUTBOX_KEEP_DAYS } = await import('#app/mail/schedule.server.ts');
    const old = new Date(Date.now() - (OUTBOX_KEEP_DAYS + 2) * DAY).toISOString();
    const recent = new Date(Date.now() - (OUTBOX_KEEP_DAYS - 2) * DAY).toISOString();
    const row = (status: 'sent' | 'failed' | 'pending', at: string, n: number) => ({
      template: 'password-changed', to_user_id: null, to_address: `prune${n}@example.org`, to_name: 'Prune', params: JSON.stringify({ at }), status, next_attempt_at: status === 'pending' ? '9999-01-01T00:00:00.000Z' : at, created_at: at,
    });
    await getDb().insertInto('outbox').values([row('sent', old, 1), row('failed', old, 2), row('pending', old, 3), row('sent', recent, 4)]).execute();
    const today = new Date().toISOString().slice(0, 10);
    expect(await pruneOutbox(today)).toBeGreaterThanOrEqual(2);
    const left = await getDb().selectFrom('outbox').select('to_address').where('to_address', 'like', 'prune%').orderBy('to_address').execute();
    expect(left.map((r) => r.to_address)).toEqual(['prune3@example.org', 'prune4@example.org']);
  });
});

describe('choices on /account and the leaders’ digest', () => {
  test('a leader who turns the weekly summary on gets one a week, with their school’s figures', async () => {
    const { action: accountAction, loader: accountLoader } = await import('#app/routes/account.tsx');
    const { cookieFor, jsonOf } = await import('./utils.ts');
    const cookie = await cookieFor('leader@brookside.example');
    const before = await jsonOf<{ emails: Record<string, boolean>; isLeader: boolean }>(await run(accountLoader, getRequest('/account', cookie)));
    expect(before).toMatchObject({ isLeader: true, emails: { assignments: true, reminders: true, coaching: true, leader_digest: false } });
    const saved = await run(accountAction, postRequest('/account', { intent: 'emails', reminders: 'on', leader_digest: 'on' }, cookie));
    expect(saved.status).toBe(302);
    expect((await flashOf(saved)).message).toBe('Your email choices are saved.');
    const bad = await run(accountAction, postRequest('/account', { intent: 'emails', reminders: 'yes please' }, cookie));
    expect(bad.status).toBe(400);
    const after = await jsonOf<{ emails: Record<string, boolean> }>(await run(accountLoader, getRequest('/account', cookie)));
    expect(after.emails).toEqual({ assignments: false, reminders: true, coaching: false, leader_digest: true });

    await runSchedule();
    await runSchedule();
    await drain();
    const digests = smtp.received.filter((m) => m.parsed.subject === 'Your weekly Kindred summary');
    expect(digests.map((m) => m.envelopeTo[0])).toEqual(['leader@brookside.example']);
    expect(digests[0]!.parsed.text).toMatch(/Brookside Academy: \d+ people, \d+ course completions in the last 7 days, \d+ invitations not yet accepted/);
    expect(headerOf(digests[0]!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  });
});

describe('a platform admin', () => {
  test('sees leaders who have not accepted their invitation, with its expiry, and can email a new one', async () => {
    const { action: adminAction, loader: adminLoader } = await import('#app/routes/admin._index.tsx');
    const { createOrganisationWithLeader } = await import('#app/models/organisations.server.ts');
    const { cookieFor, jsonOf } = await import('./utils.ts');
    const adminId = await userIdByEmail('admin@kindred.example');
    const { organisationId: orgId, token: oldToken } = await createOrganisationWithLeader({ name: 'Meadow School', kind: 'school', trustId: null }, { name: 'Mo Meadow', email: 'mo@meadow.example' }, await loadViewer(adminId));
    const cookie = await cookieFor('admin@kindred.example');
    const page = await jsonOf<{ invitations: { name: string; userId: number; organisationId: number; expiresText: string | null }[] }>(await run(adminLoader, getRequest('/admin', cookie)));
    const mo = page.invitations.find((i) => i.name === 'Mo Meadow')!;
    expect(mo).toMatchObject({ organisationId: orgId });
    expect(mo.expiresText).toMatch(/\d{4}$/);
    await drain();
    smtp.received.length = 0;

    const resent = await run(adminAction, postRequest('/admin', { intent: 'resend', userId: String(mo.userId), organisationId: String(orgId) }, cookie));
    expect(resent.status).toBe(302);
    expect((await flashOf(resent)).message).toMatch(/^A new invitation is on its way to Mo Meadow/);
    await drain();
    expect(smtp.received.map((m) => [m.envelopeTo[0], m.parsed.subject])).toEqual([['mo@meadow.example', 'Your invitation to Kindred from Meadow School']]);
    expect(smtp.received[0]!.parsed.text).not.toContain(oldToken);
    // Someone who is not a leader with a pending invitation there: 404.
    const teacherId = await userIdByEmail('teacher@oakfield.example');
    expect((await run(adminAction, postRequest('/admin', { intent: 'resend', userId: String(teacherId), organisationId: String(orgId) }, cookie))).status).toBe(404);
    // Not an admin: 403.
    expect((await run(adminAction, postRequest('/admin', { intent: 'resend', userId: String(mo.userId), organisationId: String(orgId) }, await cookieFor('leader@oakfield.example')))).status).toBe(403);
  });
});
