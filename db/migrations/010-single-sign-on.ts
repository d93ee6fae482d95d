import type { Kysely } from 'kysely';

// Frozen in time. Single sign-on through OpenID Connect (docs/decisions/014-single-sign-on.md):
// the email domains a platform admin has verified for an organisation, its Microsoft tenant,
// whether its members may still use passwords, and the one-time state of sign-ins under way.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organisations').addColumn('sso_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('organisations').addColumn('microsoft_tenant_id', 'text').execute();
  // Someone who signs in through single sign-on has joined, password or not (no invitation pending).
  await db.schema.alterTable('users').addColumn('sso_linked_at', 'text').execute();

  // A domain belongs to one organisation at most: it decides where new people are created.
  await db.schema
    .createTable('organisation_domains')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organisation_domains_organisation').on('organisation_domains').column('organisation_id').execute();

  await db.schema
    .createTable('sso_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('redirect_to', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sso_attempts_expires_at').on('sso_attempts').column('expires_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_attempts').execute();
  await db.schema.dropTable('organisation_domains').execute();
  await db.schema.alterTable('organisations').dropColumn('microsoft_tenant_id').execute();
  await db.schema.alterTable('organisations').dropColumn('sso_only').execute();
  await db.schema.alterTable('users').dropColumn('sso_linked_at').execute();
}
