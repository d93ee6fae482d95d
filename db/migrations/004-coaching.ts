import { sql, type Kysely } from 'kysely';
import { identity } from './portable.ts';

// Frozen in time. Groups, assignments, shared reflections and their comment threads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('groups')
    .addColumn('id', 'integer', identity(db))
    .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('coach_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('groups_organisation_name', ['organisation_id', 'name'])
    .execute();
  await db.schema.createIndex('groups_coach').on('groups').column('coach_user_id').execute();

  await db.schema
    .createTable('group_members')
    .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
    .execute();
  await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();

  // An assignment names its target (a person, a group or everyone with a role in the organisation);
  // who it covers is worked out when it is read, so people who join a group later are covered.
  await db.schema
    .createTable('assignments')
    .addColumn('id', 'integer', identity(db))
    .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id'))
    .addColumn('course_slug', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull().check(sql`target_kind in ('person', 'group', 'role')`))
    .addColumn('target_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('target_group_id', 'integer', (c) => c.references('groups.id').onDelete('cascade'))
    .addColumn('target_role', 'text', (c) => c.check(sql`target_role is null or target_role in ('teacher', 'coach', 'leader')`))
    .addColumn('due_date', 'text')
    .addColumn('assigned_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('withdrawn_at', 'text')
    .execute();
  await db.schema.createIndex('assignments_organisation').on('assignments').columns(['organisation_id', 'withdrawn_at']).execute();
  await db.schema.createIndex('assignments_target_user').on('assignments').column('target_user_id').execute();
  await db.schema.createIndex('assignments_target_group').on('assignments').column('target_group_id').execute();

  await db.schema.alterTable('reflection_responses').addColumn('shared_at', 'text').execute();

  await db.schema
    .createTable('reflection_comments')
    .addColumn('id', 'integer', identity(db))
    .addColumn('reflection_id', 'integer', (c) => c.notNull().references('reflection_responses.id').onDelete('cascade'))
    .addColumn('author_user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_by_owner_at', 'text')
    .execute();
  await db.schema.createIndex('reflection_comments_reflection').on('reflection_comments').columns(['reflection_id', 'created_at']).execute();

  // For the dashboard: progress by learner without scanning every row.
  await db.schema.createIndex('module_progress_user_course_done').on('module_progress').columns(['user_id', 'course_slug', 'completed_at']).execute();
  await db.schema.createIndex('enrolments_user').on('enrolments').column('user_id').execute();
  await db.schema.createIndex('certificates_user').on('certificates').column('user_id').execute();
  await db.schema.createIndex('external_cpd_user').on('external_cpd').column('user_id').execute();
  await db.schema.createIndex('membership_roles_role').on('membership_roles').columns(['role', 'membership_id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['module_progress_user_course_done', 'enrolments_user', 'certificates_user', 'external_cpd_user', 'membership_roles_role']) {
    await db.schema.dropIndex(index).execute();
  }
  await db.schema.dropTable('reflection_comments').execute();
  await db.schema.alterTable('reflection_responses').dropColumn('shared_at').execute();
  await db.schema.dropTable('assignments').execute();
  await db.schema.dropTable('group_members').execute();
  await db.schema.dropTable('groups').execute();
}
