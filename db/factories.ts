import type { Kysely } from 'kysely';
import { hashPassword } from '#app/auth/password.server.ts';
import type { Database, Role } from './schema.ts';

// One set of factories for the seed, vitest and the browser tests.

type Db = Kysely<Database>;
const stamp = () => new Date().toISOString();

export async function createOrganisation(db: Db, values: { name: string; kind?: 'school' | 'trust'; trustId?: number | null }): Promise<number> {
  const row = await db
    .insertInto('organisations')
    .values({ name: values.name, kind: values.kind ?? 'school', trust_id: values.trustId ?? null, created_at: stamp() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface UserValues {
  name: string;
  email: string;
  /** A password to hash, or a ready hash (faster when many users share one). */
  password?: string;
  passwordHash?: string | null;
}

export async function createUser(db: Db, values: UserValues): Promise<number> {
  const passwordHash = values.passwordHash !== undefined ? values.passwordHash : values.password ? await hashPassword(values.password) : null;
  const row = await db
    .insertInto('users')
    .values({ name: values.name, email: values.email.toLowerCase(), password_hash: passwordHash, created_at: stamp() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addMembership(db: Db, userId: number, organisationId: number, roles: Role[]): Promise<number> {
  const membership = await db
    .insertInto('memberships')
    .values({ user_id: userId, organisation_id: organisationId, deactivated_at: null, created_at: stamp() })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('membership_roles')
    .values(roles.map((role) => ({ membership_id: membership.id, role })))
    .execute();
  return membership.id;
}

export async function makePlatformAdmin(db: Db, userId: number): Promise<void> {
  await db.insertInto('platform_admins').values({ user_id: userId, created_at: stamp() }).execute();
}

export async function createMember(db: Db, organisationId: number, roles: Role[], values: UserValues): Promise<number> {
  const userId = await createUser(db, values);
  await addMembership(db, userId, organisationId, roles);
  return userId;
}
