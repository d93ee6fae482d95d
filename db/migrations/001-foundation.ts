import { sql, type Kysely } from 'kysely';
import { identity } from './portable.ts';

// Frozen in time: this file describes the schema as it was when it was written.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organisations')
    .addColumn('id', 'integer', identity(db))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('school', 'trust')`))
    .addColumn('trust_id', 'integer', (c) => c.references('organisations.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organisations_trust_id').on('organisations').column('trust_id').execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', identity(db))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // Null until the person accepts their invitation and chooses a password.
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('id', 'integer', identity(db))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id'))
    .addColumn('deactivated_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('memberships_user_organisation', ['user_id', 'organisation_id'])
    .execute();
  await db.schema.createIndex('memberships_organisation_id').on('memberships').column('organisation_id').execute();

  await db.schema
    .createTable('membership_roles')
    .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('teacher', 'coach', 'leader')`))
    .addPrimaryKeyConstraint('membership_roles_pk', ['membership_id', 'role'])
    .execute();

  await db.schema
    .createTable('platform_admins')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    // The HMAC of the cookie's token; the token itself is never stored.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'integer', identity(db))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id'))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('invitations_user_id').on('invitations').column('user_id').execute();

  await db.schema
    .createTable('failed_sign_ins')
    .addColumn('id', 'integer', identity(db))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('failed_sign_ins_email_at').on('failed_sign_ins').columns(['email', 'at']).execute();
  await db.schema.createIndex('failed_sign_ins_address_at').on('failed_sign_ins').columns(['address', 'at']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'integer', identity(db))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('subject_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('organisation_id', 'integer', (c) => c.references('organisations.id'))
    .addColumn('address', 'text')
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('audit_log_organisation_at').on('audit_log').columns(['organisation_id', 'at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_log', 'failed_sign_ins', 'invitations', 'sessions', 'platform_admins', 'membership_roles', 'memberships', 'users', 'organisations']) {
    await db.schema.dropTable(table).execute();
  }
}
