import type { Transaction } from 'kysely';
import type { Database } from '#db/schema.ts';
import { hashToken, randomToken } from '#app/auth/tokens.server.ts';
import { queueInvitations } from '#app/mail/messages.server.ts';
import { now } from '#app/utils/db.server.ts';
import { DuplicateEmailError, INVITATION_TTL_MS, INVITATION_TOKEN_BYTES, normaliseEmail, type NewMember } from './accounts.server.ts';

// What insertInvitedMember does for one person, for many at once: a few multi-row statements in
// place of eight per person, so a 2,000-row import holds the database for a fraction of the time
// and other requests are not kept waiting (docs/decisions/012-email-outbox.md). The caller has
// checked that none of the emails is taken; the unique index on users.email still refuses one that is.

const CHUNK = 400;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export async function insertInvitedMembers(trx: Transaction<Database>, organisationId: number, members: NewMember[], invitedBy: number | null): Promise<{ userId: number; name: string; email: string; token: string }[]> {
  if (members.length === 0) return [];
  const created = now().toISOString();
  const expiresAt = new Date(Date.parse(created) + INVITATION_TTL_MS).toISOString();
  const people = members.map((m) => ({ name: m.name.trim(), email: normaliseEmail(m.email), roles: m.roles, token: randomToken(INVITATION_TOKEN_BYTES), userId: 0, membershipId: 0 }));
  const byEmail = new Map(people.map((p) => [p.email, p]));
  for (const part of chunks(people)) {
    // Someone added since the caller looked (another leader's import): a clear error, not a 500.
    const taken = await trx.selectFrom('users').select('email').where('email', 'in', part.map((p) => p.email)).executeTakeFirst();
    if (taken) throw new DuplicateEmailError(taken.email);
    const users = await trx.insertInto('users').values(part.map((p) => ({ email: p.email, name: p.name, password_hash: null, created_at: created }))).returning(['id', 'email']).execute();
    for (const u of users) byEmail.get(u.email)!.userId = u.id;
  }
  const byUser = new Map(people.map((p) => [p.userId, p]));
  for (const part of chunks(people)) {
    const memberships = await trx.insertInto('memberships').values(part.map((p) => ({ user_id: p.userId, organisation_id: organisationId, deactivated_at: null, created_at: created }))).returning(['id', 'user_id']).execute();
    for (const m of memberships) byUser.get(m.user_id)!.membershipId = m.id;
  }
  const roles = people.flatMap((p) => p.roles.map((role) => ({ membership_id: p.membershipId, role })));
  for (const part of chunks(roles)) await trx.insertInto('membership_roles').values(part).execute();
  for (const part of chunks(people)) {
    await trx
      .insertInto('invitations')
      .values(part.map((p) => ({ token_hash: hashToken(p.token), user_id: p.userId, organisation_id: organisationId, created_by: invitedBy, created_at: created, expires_at: expiresAt, used_at: null })))
      .execute();
    await trx
      .insertInto('audit_log')
      .values(part.map((p) => ({ at: created, event: 'invitation_created' as const, actor_user_id: invitedBy, subject_user_id: p.userId, organisation_id: organisationId, address: null, detail: JSON.stringify({ roles: p.roles }) })))
      .execute();
  }
  await queueInvitations(trx, people.map((p) => ({ userId: p.userId, name: p.name, email: p.email, organisationId, token: p.token, invitedBy, expiresAt })));
  return people.map((p) => ({ userId: p.userId, name: p.name, email: p.email, token: p.token }));
}
