import type { Kysely } from 'kysely';

// Frozen in time. Covering indexes for the staff reports: each reads only the index.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('enrolments_report').on('enrolments').columns(['user_id', 'course_slug', 'completed_at', 'last_activity_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('enrolments_report').execute();
}
