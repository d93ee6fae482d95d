import type { Role } from '#db/schema.ts';
import { getDb } from '#app/utils/db.server.ts';
import { cachedUntilWrite, type WriteCache } from '#app/utils/cached-until-write.server.ts';
import { memoForRequest } from '#app/utils/request-scope.server.ts';
import { forbidden, notFound } from '#app/utils/http.server.ts';
import { requireUser, type Membership, type SessionUser } from './session.server.ts';

// Who may see and do what, in one place (docs/decisions/011-hardening.md). Routes use the
// require* helpers to pick the page's audience; model functions take the viewer and ask the
// may*/can* rules here before they read or write, so a route cannot forget.

/** Thrown by a model function when the viewer may not do what was asked; routes answer 404. */
export class AccessDenied extends Error {
  constructor(what: string) {
    super(`not allowed: ${what}`);
    this.name = 'AccessDenied';
  }
}

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

export function assertPlatformAdmin(viewer: SessionUser): void {
  if (!viewer.isPlatformAdmin) throw new AccessDenied('platform admins only');
}

/**
 * Erasure is done by a platform admin at the school's request (the school is the controller).
 * Nobody erases themselves or another platform admin: that would lock the platform out of itself.
 */
export async function mayErasePerson(viewer: SessionUser, personId: number): Promise<boolean> {
  if (!viewer.isPlatformAdmin || viewer.id === personId) return false;
  const admin = await getDb().selectFrom('platform_admins').select('user_id').where('user_id', '=', personId).executeTakeFirst();
  return !admin;
}

// ---------------------------------------------------------------------------------------------
// Leaders

/**
 * The organisations whose people a leader may see: the ones they lead, and every school of a trust
 * they lead.
 */
export function ledOrganisationIds(user: SessionUser): Promise<number[]> {
  const led = membershipsWithRole(user, 'leader').map((m) => m.organisationId);
  if (led.length === 0) return Promise.resolve([]);
  // A leader's page asks several times (the dashboard, its groups, its schools): once per request.
  return memoForRequest(`led-organisations:${user.id}:${led.join(',')}`, async () => {
    const schools = await getDb().selectFrom('organisations').select('id').where('trust_id', 'in', led).execute();
    return [...new Set([...led, ...schools.map((s) => s.id)])];
  });
}

export async function leadsOrganisation(viewer: SessionUser, organisationId: number): Promise<boolean> {
  return (await ledOrganisationIds(viewer)).includes(organisationId);
}

export async function assertLeads(viewer: SessionUser, organisationId: number): Promise<void> {
  if (!(await leadsOrganisation(viewer, organisationId))) throw new AccessDenied('not a leader of this organisation');
}

/** Leadership of one organisation (directly or through its trust); 404 otherwise, so ids reveal nothing. */
export async function requireLeaderOf(user: SessionUser, organisationId: number): Promise<void> {
  if (!(await leadsOrganisation(user, organisationId))) throw notFound();
}

/** Whether `viewer` leads an organisation `personId` belongs to (active or not). */
export async function canLeaderSeePerson(viewer: SessionUser, personId: number): Promise<boolean> {
  const orgIds = await ledOrganisationIds(viewer);
  if (orgIds.length === 0) return false;
  const row = await getDb().selectFrom('memberships').select('id').where('user_id', '=', personId).where('organisation_id', 'in', orgIds).executeTakeFirst();
  return row !== undefined;
}

export async function requireLeaderOfPerson(viewer: SessionUser, personId: number): Promise<void> {
  if (!(await canLeaderSeePerson(viewer, personId))) throw notFound();
}

/**
 * Roles and deactivation: a leader of the organisation or a platform admin, and never on oneself
 * (another leader or an admin does it), so nobody can give themselves a way into others' data.
 */
export async function mayManageMembership(viewer: SessionUser, organisationId: number, personId: number): Promise<boolean> {
  if (viewer.id === personId) return false;
  return viewer.isPlatformAdmin || (await leadsOrganisation(viewer, organisationId));
}

// ---------------------------------------------------------------------------------------------
// Coaches: the one coach rule

/**
 * `coachId` coaches `personId` when, now, the coach holds the coach role in an organisation, coaches
 * a group of that organisation, and the person is an active member of it and in that group.
 */
function coachingPairs() {
  return getDb()
    .selectFrom('groups as g')
    .innerJoin('group_members as gm', 'gm.group_id', 'g.id')
    .innerJoin('memberships as pm', (join) => join.onRef('pm.user_id', '=', 'gm.user_id').onRef('pm.organisation_id', '=', 'g.organisation_id'))
    .innerJoin('memberships as cm', (join) => join.onRef('cm.user_id', '=', 'g.coach_user_id').onRef('cm.organisation_id', '=', 'g.organisation_id'))
    .innerJoin('membership_roles as cr', (join) => join.onRef('cr.membership_id', '=', 'cm.id').on('cr.role', '=', 'coach'))
    .where('pm.deactivated_at', 'is', null)
    .where('cm.deactivated_at', 'is', null)
    .whereRef('gm.user_id', '!=', 'g.coach_user_id');
}

export async function isCoachOf(coachId: number, personId: number): Promise<boolean> {
  if (coachId === personId) return false;
  const row = await coachingPairs().select('g.id').where('g.coach_user_id', '=', coachId).where('gm.user_id', '=', personId).executeTakeFirst();
  return row !== undefined;
}

/** Everyone who coaches `personId` now: who a reflection is shared with at the moment of sharing. */
export function coachesOf(personId: number): Promise<{ userId: number; name: string }[]> {
  // Every module page asks; kept until a group, membership, role or name changes.
  return cachedUntilWrite(coachesCache, String(personId), () =>
    coachingPairs().innerJoin('users as c', 'c.id', 'g.coach_user_id').select(['c.id as userId', 'c.name']).where('gm.user_id', '=', personId).distinct().orderBy('c.name').execute(),
  );
}

const coachesCache: WriteCache = { name: "a person's coaches", tables: ['groups', 'group_members', 'memberships', 'membership_roles', 'users'], maxEntries: 5_000 };

/** The people `coachId` coaches now (with the organisation and the groups they share). */
export function coachedPeopleQuery(coachId: number) {
  return coachingPairs().innerJoin('users as u', 'u.id', 'gm.user_id').where('g.coach_user_id', '=', coachId);
}

/**
 * The one rule for what a teacher writes and may share with coaches (a reflection, a classroom
 * action step): the author may always read it; a coach only if it was shared with them and they
 * still coach its author. `sharedWithViewer` says whether the viewer is among those it was shared with.
 */
async function authorOrCoachSharedWith(
  viewer: SessionUser,
  item: { user_id: number; shared_at: string | null } | undefined,
  sharedWithViewer: () => Promise<boolean>,
): Promise<{ ownerId: number } | null> {
  if (!item) return null;
  if (item.user_id === viewer.id) return { ownerId: item.user_id };
  if (item.shared_at === null) return null;
  if (!(await sharedWithViewer()) || !(await isCoachOf(viewer.id, item.user_id))) return null;
  return { ownerId: item.user_id };
}

/** Whether `viewer` may read (and answer) a reflection: the rule of authorOrCoachSharedWith. */
export async function mayReadReflection(viewer: SessionUser, reflectionId: number): Promise<{ ownerId: number } | null> {
  const reflection = await getDb().selectFrom('reflection_responses').select(['user_id', 'shared_at']).where('id', '=', reflectionId).executeTakeFirst();
  return authorOrCoachSharedWith(viewer, reflection, async () =>
    Boolean(await getDb().selectFrom('reflection_shares').select('coach_user_id').where('reflection_id', '=', reflectionId).where('coach_user_id', '=', viewer.id).executeTakeFirst()),
  );
}

/** The same rule for a classroom action step and its thread (docs/decisions/019-practice-cycles.md). */
export async function mayReadActionStep(viewer: SessionUser, stepId: number): Promise<{ ownerId: number } | null> {
  const step = await getDb().selectFrom('action_steps').select(['user_id', 'shared_at']).where('id', '=', stepId).executeTakeFirst();
  return authorOrCoachSharedWith(viewer, step, async () =>
    Boolean(await getDb().selectFrom('action_step_shares').select('coach_user_id').where('step_id', '=', stepId).where('coach_user_id', '=', viewer.id).executeTakeFirst()),
  );
}

// ---------------------------------------------------------------------------------------------
// Certificates

/** The learner, and leaders of the learner's organisation, may have the PDF. */
export async function canDownloadCertificate(viewer: SessionUser, ownerId: number): Promise<boolean> {
  return viewer.id === ownerId || (await canLeaderSeePerson(viewer, ownerId));
}

/** Leaders of the learner's organisation and platform admins may revoke. */
export async function canRevokeCertificate(viewer: SessionUser, ownerId: number): Promise<boolean> {
  return viewer.isPlatformAdmin || (await canLeaderSeePerson(viewer, ownerId));
}

/** The audit trail: leaders (of their organisations) and platform admins; 403 for anyone else. */
export async function requireAuditReader(request: Request): Promise<SessionUser> {
  const user = await requireUser(request);
  if (!user.isPlatformAdmin && !hasRole(user, 'leader')) throw forbidden();
  return user;
}
