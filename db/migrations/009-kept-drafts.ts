import type { Kysely } from 'kysely';

// Frozen in time. What a person posted after their session ended, kept for an hour under the
// hash of a random cookie token until they sign in again (docs/decisions/013-teacher-evening.md).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('kept_drafts')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('path', 'text', (col) => col.notNull())
    .addColumn('fields', 'text', (col) => col.notNull())
    .addColumn('user_id', 'integer', (col) => col.references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('kept_drafts_expires_at').on('kept_drafts').column('expires_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('kept_drafts').execute();
}
