import type { Kysely } from 'kysely';

// Frozen in time. Lets sign-in's housekeeping delete old failed attempts without a full scan.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('failed_sign_ins_at').on('failed_sign_ins').column('at').execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('failed_sign_ins_at').execute();
  await db.schema.dropIndex('sessions_expires_at').execute();
}
