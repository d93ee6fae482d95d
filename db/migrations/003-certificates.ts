import { sql, type Kysely } from 'kysely';
import { identity, decimal } from './portable.ts';

// Frozen in time. A certificate copies the facts it certifies (name, title, hours, version), so it
// stays true when a course or a person's name changes later.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('certificates')
    .addColumn('id', 'integer', identity(db))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_slug', 'text', (c) => c.notNull())
    .addColumn('course_title', 'text', (c) => c.notNull())
    .addColumn('content_version', 'text', (c) => c.notNull())
    .addColumn('cpd_hours', decimal(db), (c) => c.notNull())
    .addColumn('learner_name', 'text', (c) => c.notNull())
    .addColumn('organisation_id', 'integer', (c) => c.references('organisations.id'))
    .addColumn('organisation_name', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'integer', (c) => c.references('users.id'))
    .addColumn('revocation_reason', 'text', (c) => c.check(sql`revocation_reason is null or revocation_reason in ('issued-in-error', 'misconduct', 'duplicate', 'other')`))
    .addColumn('revocation_note', 'text')
    // One certificate per learner and course, however often completion is triggered.
    .addUniqueConstraint('certificates_user_course', ['user_id', 'course_slug'])
    .execute();
  await db.schema.createIndex('certificates_organisation').on('certificates').column('organisation_id').execute();

  await db.schema
    .createTable('external_cpd')
    .addColumn('id', 'integer', identity(db))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('activity_date', 'text', (c) => c.notNull())
    .addColumn('hours', decimal(db), (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('link', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('external_cpd_user_date').on('external_cpd').columns(['user_id', 'activity_date']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('external_cpd').execute();
  await db.schema.dropTable('certificates').execute();
}
