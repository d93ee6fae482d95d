import crypto from 'node:crypto';
import type { Kysely } from 'kysely';

// Frozen in time. Open Badges credentials and data rights (docs/decisions/015-credentials-and-data-rights.md):
// the salted hash that identifies a certificate's holder in its credential (kept when the person is
// erased, so the credential still verifies), when a holder's name was withheld, when a person was
// erased, and how long each organisation keeps people after they are deactivated.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('certificates').addColumn('recipient_salt', 'text').execute();
  await db.schema.alterTable('certificates').addColumn('recipient_hash', 'text').execute();
  await db.schema.alterTable('certificates').addColumn('holder_withheld_at', 'text').execute();
  await db.schema.alterTable('users').addColumn('erased_at', 'text').execute();
  await db.schema.alterTable('organisations').addColumn('retention_months', 'integer').execute();
  const rows = (await db.selectFrom('certificates as c').innerJoin('users as u', 'u.id', 'c.user_id').select(['c.id', 'u.email']).execute()) as { id: number; email: string }[];
  for (const row of rows) {
    const salt = crypto.randomBytes(16).toString('hex');
    const hash = crypto.createHash('sha256').update(`${row.email.toLowerCase()}${salt}`).digest('hex');
    await db.updateTable('certificates').set({ recipient_salt: salt, recipient_hash: `sha256$${hash}` }).where('id', '=', row.id).execute();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organisations').dropColumn('retention_months').execute();
  await db.schema.alterTable('users').dropColumn('erased_at').execute();
  await db.schema.alterTable('certificates').dropColumn('holder_withheld_at').execute();
  await db.schema.alterTable('certificates').dropColumn('recipient_hash').execute();
  await db.schema.alterTable('certificates').dropColumn('recipient_salt').execute();
}
