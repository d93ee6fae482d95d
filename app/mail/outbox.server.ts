import crypto from 'node:crypto';
import os from 'node:os';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { isPostgres } from '#db/dialect.ts';
import type { Database, OutboxTable } from '#db/schema.ts';
import { findCourse } from '#app/content/catalogue.server.ts';
import { getDb, now, nowIso } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { singleton } from '#app/utils/singleton.server.ts';
import { mailbox, oneLine, UnsafeAddressError } from './addresses.ts';
import { unsubscribeUrl } from './preferences.server.ts';
import { renderMessage, TEMPLATES, type RenderedMessage } from './templates.tsx';
import { PermanentSendError, type Mailer } from './transport.server.ts';

// The outbox (docs/decisions/012-email-outbox.md). A message is a row written in the same
// transaction as what causes it; the worker in the server process claims due rows with a lease,
// sends them and marks them sent. All state is in the table, so a restart, a crash or a second
// process carries on where the last one stopped.

type Db = Kysely<Database> | Transaction<Database>;
export type OutboxRow = Selectable<OutboxTable>;

export interface NewMessage {
  template: keyof typeof TEMPLATES;
  toUserId: number | null;
  toAddress: string;
  toName: string;
  params: Record<string, unknown>;
  /** For messages that must exist at most once (a digest per person and week). */
  dedupeKey?: string;
}

export const MAX_ATTEMPTS = 10;
const MAX_BACKOFF_MS = 60 * 60 * 1000;
// Statements stay well under SQLite's limit on bound values.
const INSERT_CHUNK = 500;

function toRow(message: NewMessage, at: string) {
  return {
    template: message.template,
    to_user_id: message.toUserId,
    to_address: message.toAddress,
    to_name: message.toName,
    params: JSON.stringify(message.params),
    next_attempt_at: at,
    claimed_until: null,
    claimed_by: null,
    last_error: null,
    dedupe_key: message.dedupeKey ?? null,
    subject: null,
    created_at: at,
    sent_at: null,
  };
}

/**
 * Queues messages inside the caller's transaction: they exist if and only if it commits. A
 * message whose dedupe key is already used is skipped. Nothing is sent here.
 */
export async function queueEmails(db: Db, messages: NewMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const at = nowIso();
  for (let i = 0; i < messages.length; i += INSERT_CHUNK) {
    const rows = messages.slice(i, i + INSERT_CHUNK).map((m) => toRow(m, at));
    await db
      .insertInto('outbox')
      .values(rows)
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }
  wakeMailWorker();
}

export function queueEmail(db: Db, message: NewMessage): Promise<void> {
  return queueEmails(db, [message]);
}

// The worker lives in the server bundle; model code that queues lives in the Remix build. Both
// reach the same process-wide holder to nudge the worker (it also polls, so a lost nudge only delays).
const wakeHolder = singleton('mail-wake', () => ({ wake: () => {} }));

export function wakeMailWorker(): void {
  wakeHolder.wake();
}

/**
 * Claims up to `limit` due rows for this worker. A row is due when pending, its next attempt has
 * come, and nobody holds an unexpired lease on it. The conditions are repeated outside the
 * sub-select so that on PostgreSQL a row claimed by another process meanwhile is skipped; there
 * the sub-select also locks what it picks (FOR UPDATE SKIP LOCKED), so two app processes polling
 * at once take different rows instead of queueing behind each other. SQLite has one writer at a
 * time, so the statement alone is enough there.
 */
export async function claimDue(workerId: string, limit: number, db: Kysely<Database> = getDb()): Promise<OutboxRow[]> {
  const at = nowIso();
  // MAIL_LEASE_MS (2 minutes) is longer than the SMTP timeouts of one send (transport.server.ts).
  const leaseUntil = new Date(now().getTime() + getEnv().MAIL_LEASE_MS).toISOString();
  const postgres = isPostgres(db);
  const due = db
    .selectFrom('outbox')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', at)
    .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<=', at)]))
    .orderBy('id')
    .limit(limit)
    .$if(postgres, (q) => q.forUpdate().skipLocked());
  return db
    .updateTable('outbox')
    .set({ claimed_by: workerId, claimed_until: leaseUntil, attempts: sql`outbox.attempts + 1` })
    // On PostgreSQL `id in (…limit … for update)` may run the sub-select again per row and claim
    // more than `limit`; an array is computed once.
    .where((eb) => (postgres ? eb('id', '=', sql<number>`any(array(${due}))`) : eb('id', 'in', due)))
    .where('status', '=', 'pending')
    .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<=', at)]))
    .returningAll()
    .execute();
}

/** Sent: the params (which may hold a one-time link) are emptied; the subject is kept for the record. */
export async function markSent(row: OutboxRow, workerId: string, subject: string, db: Kysely<Database> = getDb()): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ status: 'sent', sent_at: nowIso(), params: '{}', subject, claimed_until: null, claimed_by: null, last_error: null })
    .where('id', '=', row.id)
    .where('claimed_by', '=', workerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function backoffMs(attempts: number): number {
  const base = getEnv().MAIL_RETRY_MS;
  const delay = Math.min(base * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  // Up to 10% jitter, so many rows failing together do not all come back at once.
  return Math.round(delay * (1 + Math.random() * 0.1));
}

/** A failed attempt: tried again later with a longer wait, or given up on after too many or a 5xx. */
export async function markFailed(row: OutboxRow, workerId: string, error: unknown, db: Kysely<Database> = getDb()): Promise<'retry' | 'failed'> {
  const permanent = error instanceof PermanentSendError || row.attempts >= MAX_ATTEMPTS;
  const message = oneLine(error instanceof Error ? error.message : String(error), 500);
  await db
    .updateTable('outbox')
    .set({
      status: permanent ? 'failed' : 'pending',
      next_attempt_at: new Date(now().getTime() + backoffMs(row.attempts)).toISOString(),
      claimed_until: null,
      claimed_by: null,
      last_error: message,
      ...(permanent ? { params: '{}' } : {}),
    })
    .where('id', '=', row.id)
    .where('claimed_by', '=', workerId)
    .execute();
  return permanent ? 'failed' : 'retry';
}

/** Names a message refers to by id (organisationId, inviterUserId), looked up when it is sent. */
async function resolveNames(params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const resolved = { ...params };
  const db = getDb();
  if (typeof params.organisationId === 'number' && params.organisationName === undefined) {
    resolved.organisationName = (await db.selectFrom('organisations').select('name').where('id', '=', params.organisationId).executeTakeFirst())?.name ?? 'your school';
  }
  if (typeof params.inviterUserId === 'number' && params.inviterName === undefined) {
    resolved.inviterName = (await db.selectFrom('users').select('name').where('id', '=', params.inviterUserId).executeTakeFirst())?.name ?? null;
  }
  return resolved;
}

/** The message a row stands for, rendered now (names and course titles as they are today). */
export async function renderRow(row: OutboxRow): Promise<RenderedMessage> {
  const env = getEnv();
  const template = TEMPLATES[row.template];
  if (!template) throw new PermanentSendError(`Unknown email template "${row.template}"`);
  const content = template({
    toName: oneLine(row.to_name, 120),
    params: await resolveNames(JSON.parse(row.params) as Record<string, unknown>),
    publicUrl: env.PUBLIC_URL,
    courseTitle: (slug) => findCourse(slug)?.meta.title ?? slug,
  });
  content.subject = oneLine(content.subject);
  const unsubscribe = content.category && row.to_user_id !== null ? unsubscribeUrl(row.to_user_id, content.category) : undefined;
  return renderMessage(content, { publicUrl: env.PUBLIC_URL, unsubscribeUrl: unsubscribe });
}

/** Stable per row, so a message sent again after a crash can be recognised as the same one. */
export function messageIdFor(rowId: number): string {
  return `<outbox-${rowId}@${new URL(getEnv().PUBLIC_URL).hostname}>`;
}

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
}

/** Claims and sends what is due; returns how many rows it handled (0 when nothing was due). */
export async function sendDue(mailer: Mailer, workerId: string, limit = 10): Promise<number> {
  const rows = await claimDue(workerId, limit);
  const env = getEnv();
  for (const row of rows) {
    try {
      const rendered = await renderRow(row);
      await mailer.send({
        id: row.id,
        from: env.MAIL_FROM,
        to: mailbox(row.to_name, row.to_address),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        messageId: messageIdFor(row.id),
        unsubscribeUrl: rendered.unsubscribeUrl,
      });
      if (!(await markSent(row, workerId, rendered.subject))) console.warn(`[mail] message ${row.id} was sent after its lease ran out`);
    } catch (error) {
      const outcome = await markFailed(row, workerId, error instanceof UnsafeAddressError ? new PermanentSendError(error.message) : error);
      console.warn(`[mail] message ${row.id} (${row.template}) not sent, ${outcome === 'retry' ? 'will retry' : 'gave up'}: ${oneLine(String((error as Error)?.message ?? error), 300)}`);
    }
  }
  return rows.length;
}
