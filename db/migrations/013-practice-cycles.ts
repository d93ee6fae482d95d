import { sql, type Kysely } from 'kysely';
import { identity } from './portable.ts';

// Frozen in time. Practice cycles (docs/decisions/019-practice-cycles.md): an action step a teacher
// plans from a module's <ActionStep>, its thread (follow-ups, a coach's notes, agreed next steps)
// and who it was shared with. A repeat or a next step is a new row pointing at the one before.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('action_steps')
    .addColumn('id', 'integer', identity(db))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_slug', 'text', (c) => c.notNull())
    .addColumn('module_slug', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('previous_step_id', 'integer', (c) => c.references('action_steps.id').onDelete('set null'))
    .addColumn('what', 'text', (c) => c.notNull())
    .addColumn('class_name', 'text', (c) => c.notNull())
    .addColumn('follow_up_on', 'text', (c) => c.notNull())
    .addColumn('success_looks_like', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('planned', 'followed-up', 'closed')`))
    .addColumn('outcome', 'text', (c) => c.check(sql`outcome is null or outcome in ('as-planned', 'adapted', 'not-yet')`))
    .addColumn('followed_up_at', 'text')
    .addColumn('minutes_given', 'integer')
    .addColumn('ended_as', 'text', (c) => c.check(sql`ended_as is null or ended_as in ('closed', 'repeated', 'carried')`))
    .addColumn('shared_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('submission_key', 'text')
    .addUniqueConstraint('action_steps_submission', ['user_id', 'submission_key'])
    .execute();
  await db.schema.createIndex('action_steps_user').on('action_steps').columns(['user_id', 'status', 'follow_up_on']).execute();
  await db.schema.createIndex('action_steps_follow_up').on('action_steps').columns(['status', 'follow_up_on']).execute();

  await db.schema
    .createTable('action_step_shares')
    .addColumn('step_id', 'integer', (c) => c.notNull().references('action_steps.id').onDelete('cascade'))
    .addColumn('coach_user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('shared_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('action_step_shares_pk', ['step_id', 'coach_user_id'])
    .execute();
  await db.schema.createIndex('action_step_shares_coach').on('action_step_shares').column('coach_user_id').execute();

  // The thread: what the teacher recorded after trying it, and what a coach observed or agreed.
  await db.schema
    .createTable('action_step_notes')
    .addColumn('id', 'integer', identity(db))
    .addColumn('step_id', 'integer', (c) => c.notNull().references('action_steps.id').onDelete('cascade'))
    .addColumn('author_user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('follow-up', 'observation', 'feedback', 'agreed-next', 'reply')`))
    .addColumn('outcome', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('next_text', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_by_owner_at', 'text')
    .addColumn('submission_key', 'text')
    .addUniqueConstraint('action_step_notes_submission', ['author_user_id', 'submission_key'])
    .execute();
  await db.schema.createIndex('action_step_notes_step').on('action_step_notes').columns(['step_id', 'created_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('action_step_notes').execute();
  await db.schema.dropTable('action_step_shares').execute();
  await db.schema.dropTable('action_steps').execute();
}
