import type { Kysely, Transaction } from 'kysely';
import type { AuditEvent, Database } from '#db/schema.ts';
import { AccessDenied, ledOrganisationIds } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { containsIgnoringCase } from '#db/dialect.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';

export interface AuditEntry {
  event: AuditEvent;
  actorUserId?: number | null;
  subjectUserId?: number | null;
  organisationId?: number | null;
  address?: string | null;
  detail?: Record<string, unknown>;
}

/** Records a security-relevant event; pass the transaction when the event is part of one. */
export async function recordAudit(entry: AuditEntry, db: Kysely<Database> | Transaction<Database> = getDb()): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: nowIso(),
      event: entry.event,
      actor_user_id: entry.actorUserId ?? null,
      subject_user_id: entry.subjectUserId ?? null,
      organisation_id: entry.organisationId ?? null,
      address: entry.address ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Reading the trail: leaders see what happened in the organisations they lead, platform admins
// everything. Names come from the users table as they are now.

export const AUDIT_EVENT_LABELS: Record<AuditEvent, string> = {
  sign_in: 'Signed in',
  sign_in_failed: 'Sign-in failed',
  sign_out: 'Signed out',
  session_ended: 'Ended a session',
  password_changed: 'Changed password',
  role_changed: 'Roles changed',
  invitation_created: 'Invited',
  invitation_accepted: 'Accepted invitation',
  organisation_created: 'Organisation created',
  organisation_changed: 'Organisation renamed or moved',
  member_deactivated: 'Deactivated',
  member_reactivated: 'Reactivated',
  certificate_revoked: 'Certificate revoked',
  roster_imported: 'Staff list imported',
  group_changed: 'Group changed',
  group_member_added: 'Added to a group',
  group_member_removed: 'Removed from a group',
  assignment_created: 'Course assigned',
  assignment_updated: 'Assignment due date changed',
  assignment_withdrawn: 'Assignment withdrawn',
  password_reset_requested: 'Password reset asked for',
  password_reset: 'Password reset',
  sso_sign_in: 'Signed in with single sign-on',
  sso_sign_in_refused: 'Single sign-on refused',
  sso_member_created: 'Joined through single sign-on',
  sso_settings_changed: 'Single sign-on settings changed',
  person_erased: 'Personal data erased',
};

export const AUDIT_PAGE_SIZE = 100;
const AUDIT_CSV_LIMIT = 10_000;

export interface AuditQuery {
  event?: AuditEvent;
  /** Part of the name or email of whoever acted or was acted on. */
  q?: string;
  /** YYYY-MM-DD, UK dates, inclusive. */
  from?: string;
  to?: string;
  page?: number;
}

export interface AuditRow {
  id: number;
  at: string;
  event: AuditEvent;
  actorName: string | null;
  subjectName: string | null;
  organisationName: string | null;
  address: string | null;
  detail: Record<string, unknown>;
}

/** The trail the viewer may read, newest first: a page of it, or (for CSV) up to 10,000 rows. */
export async function readAuditTrail(viewer: SessionUser, query: AuditQuery, options: { all?: boolean } = {}): Promise<{ rows: AuditRow[]; total: number }> {
  const organisationIds = viewer.isPlatformAdmin ? null : await ledOrganisationIds(viewer);
  if (organisationIds !== null && organisationIds.length === 0) throw new AccessDenied('audit trail');
  let base = getDb()
    .selectFrom('audit_log as a')
    .leftJoin('users as actor', 'actor.id', 'a.actor_user_id')
    .leftJoin('users as subject', 'subject.id', 'a.subject_user_id')
    .leftJoin('organisations as o', 'o.id', 'a.organisation_id');
  if (organisationIds !== null) base = base.where('a.organisation_id', 'in', organisationIds);
  if (query.event) base = base.where('a.event', '=', query.event);
  if (query.from) base = base.where('a.at', '>=', new Date(`${query.from}T00:00:00Z`).toISOString());
  if (query.to) base = base.where('a.at', '<', new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000).toISOString());
  if (query.q) {
    const q = query.q;
    base = base.where((eb) =>
      eb.or([
        containsIgnoringCase('actor.name', q),
        containsIgnoringCase('actor.email', q),
        containsIgnoringCase('subject.name', q),
        containsIgnoringCase('subject.email', q),
      ]),
    );
  }
  const page = Math.max(1, query.page ?? 1);
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    base
      .select(['a.id', 'a.at', 'a.event', 'actor.name as actorName', 'subject.name as subjectName', 'o.name as organisationName', 'a.address', 'a.detail'])
      .orderBy('a.at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(options.all ? AUDIT_CSV_LIMIT : AUDIT_PAGE_SIZE)
      .offset(options.all ? 0 : (page - 1) * AUDIT_PAGE_SIZE)
      .execute(),
  ]);
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      id: r.id,
      at: r.at,
      event: r.event,
      actorName: r.actorName,
      subjectName: r.subjectName,
      organisationName: r.organisationName,
      // Sign-in addresses are for admins; a leader sees what was done, not where from.
      address: viewer.isPlatformAdmin ? r.address : null,
      detail: safeJson(r.detail),
    })),
  };
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A line a person can read for an entry's details ("course: closing-the-gap; action: deleted"). */
export function describeAuditDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join('; ');
}
