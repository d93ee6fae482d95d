import type { Kysely } from 'kysely';
import { identity } from './portable.ts';

// Frozen in time. Progress is keyed by course slug, module slug and item id, with the content
// version it was made against, so that editing a course never rewrites anybody's history.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('enrolments')
    .addColumn('id', 'integer', identity(db))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_slug', 'text', (c) => c.notNull())
    .addColumn('content_version', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addColumn('last_module_slug', 'text')
    .addColumn('last_activity_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('enrolments_user_course', ['user_id', 'course_slug'])
    .execute();
  await db.schema.createIndex('enrolments_course_user').on('enrolments').columns(['course_slug', 'user_id']).execute();

  await db.schema
    .createTable('module_progress')
    .addColumn('id', 'integer', identity(db))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_slug', 'text', (c) => c.notNull())
    .addColumn('module_slug', 'text', (c) => c.notNull())
    .addColumn('content_version', 'text', (c) => c.notNull())
    .addColumn('first_visited_at', 'text', (c) => c.notNull())
    .addColumn('last_visited_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addUniqueConstraint('module_progress_user_module', ['user_id', 'course_slug', 'module_slug'])
    .execute();

  await db.schema
    .createTable('reflection_responses')
    .addColumn('id', 'integer', identity(db))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_slug', 'text', (c) => c.notNull())
    .addColumn('module_slug', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('content_version', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('reflection_responses_user_item', ['user_id', 'course_slug', 'module_slug', 'item_id'])
    .execute();

  await db.schema
    .createTable('check_attempts')
    .addColumn('id', 'integer', identity(db))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_slug', 'text', (c) => c.notNull())
    .addColumn('module_slug', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('content_version', 'text', (c) => c.notNull())
    .addColumn('answers', 'text', (c) => c.notNull())
    .addColumn('results', 'text', (c) => c.notNull())
    .addColumn('passed', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('check_attempts_user_item', ['user_id', 'course_slug', 'module_slug', 'item_id'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['check_attempts', 'reflection_responses', 'module_progress', 'enrolments']) {
    await db.schema.dropTable(table).execute();
  }
}
