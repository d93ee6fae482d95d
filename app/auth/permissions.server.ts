import type { Role } from '#db/schema.ts';
import { getDb } from '#app/utils/db.server.ts';
import { forbidden, notFound } from '#app/utils/http.server.ts';
import { requireUser, type Membership, type SessionUser } from './session.server.ts';

// Who may see and do what, in one place. Loaders and actions call these; model functions take the
// ids these return and scope their queries to them.

export function hasRole(user: SessionUser, role: Role): boolean {
  return user.memberships.some((m) => m.roles.includes(role));
}

export function membershipsWithRole(user: SessionUser, role: Role): Membership[] {
  return user.memberships.filter((m) => m.roles.includes(role));
}

/** A signed-in user with `role` somewhere; 403 for anyone else signed in. */
export async function requireRole(request: Request, role: Role): Promise<SessionUser> {
  const user = await requireUser(request);
  if (!hasRole(user, role)) throw forbidden();
  return user;
}

export async function requirePlatformAdmin(request: Request): Promise<SessionUser> {
  const user = await requireUser(request);
  if (!user.isPlatformAdmin) throw forbidden();
  return user;
}

/**
 * The organisations whose people a leader may see: the ones they lead, and every school of a trust
 * they lead.
 */
export async function ledOrganisationIds(user: SessionUser): Promise<number[]> {
  const led = membershipsWithRole(user, 'leader').map((m) => m.organisationId);
  if (led.length === 0) return [];
  const schools = await getDb().selectFrom('organisations').select('id').where('trust_id', 'in', led).execute();
  return [...new Set([...led, ...schools.map((s) => s.id)])];
}

/** Leadership of one organisation (directly or through its trust); 404 otherwise, so ids reveal nothing. */
export async function requireLeaderOf(user: SessionUser, organisationId: number): Promise<void> {
  const ids = await ledOrganisationIds(user);
  if (!ids.includes(organisationId)) throw notFound();
}

/** Whether `viewer` may see `personId`'s progress: themselves, or a leader of one of their organisations. */
export async function canLeaderSeePerson(viewer: SessionUser, personId: number): Promise<boolean> {
  const orgIds = await ledOrganisationIds(viewer);
  if (orgIds.length === 0) return false;
  const row = await getDb()
    .selectFrom('memberships')
    .select('id')
    .where('user_id', '=', personId)
    .where('organisation_id', 'in', orgIds)
    .executeTakeFirst();
  return row !== undefined;
}

export async function requireLeaderOfPerson(viewer: SessionUser, personId: number): Promise<void> {
  if (!(await canLeaderSeePerson(viewer, personId))) throw notFound();
}
