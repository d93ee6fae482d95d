import { sql, type Kysely } from 'kysely';
import { identity } from './portable.ts';

// Frozen in time. The email outbox, reset links, what each person wants emailed, and the notices
// about assignments that must go at most once (docs/decisions/012-email-outbox.md).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // One row per message, written in the same transaction as what causes it; a worker sends it.
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'integer', identity(db))
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('to_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('to_name', 'text', (c) => c.notNull())
    // What the template needs (JSON). It can hold a one-time link, so it is emptied once sent.
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'sent', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    // A worker that claims a row holds it until then; a row whose lease ran out is claimable again.
    .addColumn('claimed_until', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('last_error', 'text')
    // Digests: at most one per person and period.
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('subject', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('outbox_to_user').on('outbox').columns(['to_user_id', 'template']).execute();

  await db.schema
    .createTable('password_resets')
    .addColumn('id', 'integer', identity(db))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // Null when the person asked for it themselves; otherwise the leader or admin who sent it.
    .addColumn('requested_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('password_resets_user').on('password_resets').columns(['user_id', 'created_at']).execute();

  // No row means the defaults: everything on except the leaders' weekly digest.
  await db.schema
    .createTable('email_preferences')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('assignments', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('reminders', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('coaching', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('leader_digest', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // "Assigned", "due in 7 days", "due tomorrow", "overdue": each at most once per assignment and person.
  await db.schema
    .createTable('assignment_notices')
    .addColumn('assignment_id', 'integer', (c) => c.notNull().references('assignments.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('assigned', 'due-7', 'due-1', 'overdue')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('assignment_notices_pk', ['assignment_id', 'user_id', 'kind'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('assignment_notices').execute();
  await db.schema.dropTable('email_preferences').execute();
  await db.schema.dropTable('password_resets').execute();
  await db.schema.dropTable('outbox').execute();
}
