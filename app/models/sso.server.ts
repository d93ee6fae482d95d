import type { Transaction } from 'kysely';
import type { Database } from '#db/schema.ts';
import { assertPlatformAdmin } from '#app/auth/policy.server.ts';
import { loadMemberships, type SessionUser } from '#app/auth/session.server.ts';
import type { SsoProvider, VerifiedClaims } from '#app/auth/sso.server.ts';
import { getDb, isUniqueViolation, nowIso } from '#app/utils/db.server.ts';
import { normaliseEmail } from './accounts.server.ts';
import { recordAudit } from './audit.server.ts';

// Who a verified ID token signs in as (docs/decisions/014-single-sign-on.md): an active account
// with the same verified email, or, when the email's domain is verified for an organisation, a
// new teacher there. Microsoft emails count as verified only from the organisation's own tenant.

export type SsoRefusal = 'no-email' | 'unverified' | 'wrong-tenant' | 'no-account' | 'inactive';

export type SsoAccountResult = { ok: true; userId: number; created: boolean } | { ok: false; reason: SsoRefusal };

interface DomainOwner {
  organisationId: number;
  microsoftTenantId: string | null;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

async function domainOwner(domain: string): Promise<DomainOwner | null> {
  const row = await getDb()
    .selectFrom('organisation_domains as d')
    .innerJoin('organisations as o', 'o.id', 'd.organisation_id')
    .select(['o.id', 'o.microsoft_tenant_id'])
    .where('d.domain', '=', domain)
    .executeTakeFirst();
  return row ? { organisationId: row.id, microsoftTenantId: row.microsoft_tenant_id } : null;
}

/**
 * Whether the token's email may be believed. Most providers say so with `email_verified`; a
 * Microsoft tenant's administrator sets its users' emails, so a Microsoft email is believed only
 * when it comes from the tenant of the organisation that owns its domain. A token that names a
 * tenant (`tid`) is refused when the domain's organisation has a different one, whoever issued it.
 */
export function emailTrust(provider: Pick<SsoProvider, 'multiTenant'>, claims: Pick<VerifiedClaims, 'emailVerified' | 'tenantId'>, owner: DomainOwner | null): 'trusted' | 'unverified' | 'wrong-tenant' {
  if (provider.multiTenant) {
    if (!owner?.microsoftTenantId || claims.tenantId?.toLowerCase() !== owner.microsoftTenantId.toLowerCase()) return 'wrong-tenant';
    return 'trusted';
  }
  if (owner?.microsoftTenantId && claims.tenantId !== null && claims.tenantId.toLowerCase() !== owner.microsoftTenantId.toLowerCase()) return 'wrong-tenant';
  return claims.emailVerified ? 'trusted' : 'unverified';
}

export async function resolveSsoAccount(provider: SsoProvider, claims: VerifiedClaims, address: string): Promise<SsoAccountResult> {
  const refuse = async (reason: SsoRefusal, userId: number | null = null): Promise<SsoAccountResult> => {
    await recordAudit({ event: 'sso_sign_in_refused', subjectUserId: userId, address, detail: { provider: provider.id, reason, email: claims.email, tenant: claims.tenantId } });
    return { ok: false, reason };
  };
  if (!claims.email || !claims.email.includes('@')) return refuse('no-email');
  const email = normaliseEmail(claims.email);
  const owner = await domainOwner(emailDomain(email));
  const trust = emailTrust(provider, claims, owner);
  if (trust !== 'trusted') return refuse(trust);

  const user = await getDb().selectFrom('users as u').leftJoin('platform_admins as a', 'a.user_id', 'u.id').select(['u.id', 'a.user_id as adminId']).where('u.email', '=', email).executeTakeFirst();
  if (user) {
    const active = user.adminId !== null || (await loadMemberships(user.id)).length > 0;
    if (!active) return refuse('inactive', user.id);
    await getDb().updateTable('users').set({ sso_linked_at: nowIso() }).where('id', '=', user.id).where('sso_linked_at', 'is', null).execute();
    await recordAudit({ event: 'sso_sign_in', actorUserId: user.id, subjectUserId: user.id, address, detail: { provider: provider.id } });
    return { ok: true, userId: user.id, created: false };
  }
  if (!owner) return refuse('no-account');
  try {
    const userId = await getDb()
      .transaction()
      .execute((trx) => createMember(trx, owner.organisationId, email, claims.name?.trim() || email.slice(0, email.indexOf('@')), provider, address));
    return { ok: true, userId, created: true };
  } catch (error) {
    // The same person arriving twice at once: the first created the account, the second uses it.
    if (isUniqueViolation(error)) return resolveSsoAccount(provider, claims, address);
    throw error;
  }
}

async function createMember(trx: Transaction<Database>, organisationId: number, email: string, name: string, provider: SsoProvider, address: string): Promise<number> {
  const created = nowIso();
  const user = await trx.insertInto('users').values({ email, name: name.slice(0, 120), password_hash: null, created_at: created, sso_linked_at: created }).returning('id').executeTakeFirstOrThrow();
  const membership = await trx.insertInto('memberships').values({ user_id: user.id, organisation_id: organisationId, deactivated_at: null, created_at: created }).returning('id').executeTakeFirstOrThrow();
  await trx.insertInto('membership_roles').values({ membership_id: membership.id, role: 'teacher' }).execute();
  await recordAudit({ event: 'sso_member_created', actorUserId: user.id, subjectUserId: user.id, organisationId, address, detail: { provider: provider.id, roles: ['teacher'] } }, trx);
  await recordAudit({ event: 'sso_sign_in', actorUserId: user.id, subjectUserId: user.id, address, detail: { provider: provider.id } }, trx);
  return user.id;
}

/**
 * Whether this person's passwords are off: an active member of an organisation that signs in only
 * through single sign-on, or an email whose domain belongs to one. The domain rule answers the
 * same for addresses with and without accounts.
 */
export async function passwordsTurnedOff(email: string): Promise<boolean> {
  const db = getDb();
  const byDomain = await db
    .selectFrom('organisation_domains as d')
    .innerJoin('organisations as o', 'o.id', 'd.organisation_id')
    .select('o.id')
    .where('d.domain', '=', emailDomain(email))
    .where('o.sso_only', '=', 1)
    .executeTakeFirst();
  if (byDomain) return true;
  const byMembership = await db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .select('o.id')
    .where('u.email', '=', email)
    .where('m.deactivated_at', 'is', null)
    .where('o.sso_only', '=', 1)
    .executeTakeFirst();
  return byMembership !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Settings per organisation: platform admins only.

export interface OrganisationSsoSettings {
  organisationId: number;
  domains: string[];
  microsoftTenantId: string | null;
  ssoOnly: boolean;
}

export async function listSsoSettings(viewer: SessionUser): Promise<OrganisationSsoSettings[]> {
  assertPlatformAdmin(viewer);
  const db = getDb();
  const [organisations, domains] = await Promise.all([
    db.selectFrom('organisations').select(['id', 'microsoft_tenant_id', 'sso_only']).execute(),
    db.selectFrom('organisation_domains').select(['domain', 'organisation_id']).orderBy('domain').execute(),
  ]);
  return organisations.map((o) => ({
    organisationId: o.id,
    domains: domains.filter((d) => d.organisation_id === o.id).map((d) => d.domain),
    microsoftTenantId: o.microsoft_tenant_id,
    ssoOnly: o.sso_only === 1,
  }));
}

export class DomainTakenError extends Error {
  constructor(readonly domain: string) {
    super(`domain already verified for another organisation: ${domain}`);
  }
}

/** Replaces an organisation's verified domains, tenant and "single sign-on only", together. */
export async function saveSsoSettings(viewer: SessionUser, organisationId: number, settings: Omit<OrganisationSsoSettings, 'organisationId'>): Promise<boolean> {
  assertPlatformAdmin(viewer);
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const updated = await trx
        .updateTable('organisations')
        .set({ microsoft_tenant_id: settings.microsoftTenantId, sso_only: settings.ssoOnly ? 1 : 0 })
        .where('id', '=', organisationId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      if (settings.domains.length > 0) {
        const taken = await trx.selectFrom('organisation_domains').select('domain').where('domain', 'in', settings.domains).where('organisation_id', '!=', organisationId).executeTakeFirst();
        if (taken) throw new DomainTakenError(taken.domain);
      }
      await trx.deleteFrom('organisation_domains').where('organisation_id', '=', organisationId).execute();
      if (settings.domains.length > 0) {
        await trx.insertInto('organisation_domains').values(settings.domains.map((domain) => ({ domain, organisation_id: organisationId, created_at: nowIso() }))).execute();
      }
      await recordAudit({ event: 'sso_settings_changed', actorUserId: viewer.id, organisationId, detail: { domains: settings.domains, microsoftTenantId: settings.microsoftTenantId, ssoOnly: settings.ssoOnly } }, trx);
      return true;
    });
}
