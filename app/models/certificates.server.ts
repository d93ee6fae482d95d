import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database, RevocationReason } from '#db/schema.ts';
import type { CourseEntry } from '#app/content/catalogue.server.ts';
import { AccessDenied, canRevokeCertificate } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { cachedUntilWrite, type WriteCache } from '#app/utils/cached-until-write.server.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { recordAudit } from './audit.server.ts';

// Certificate codes: 18 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U),
// about 88 bits of randomness, printed in three groups of six.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 18;
export const CODE_PATTERN = /^[2-9A-HJKMNP-TV-Z]{6}-[2-9A-HJKMNP-TV-Z]{6}-[2-9A-HJKMNP-TV-Z]{6}$/;

export function generateCertificateCode(): string {
  const chars: string[] = [];
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % CODE_ALPHABET.length);
  while (chars.length < CODE_LENGTH) {
    for (const byte of crypto.randomBytes(32)) {
      if (byte < limit && chars.length < CODE_LENGTH) chars.push(CODE_ALPHABET[byte % CODE_ALPHABET.length]!);
    }
  }
  return [0, 6, 12].map((start) => chars.slice(start, start + 6).join('')).join('-');
}

/** Accepts a code as typed or printed: any case, with or without spaces and dashes. */
export function normaliseCertificateCode(raw: string): string | null {
  const compact = raw.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== CODE_LENGTH) return null;
  const code = [0, 6, 12].map((start) => compact.slice(start, start + 6)).join('-');
  return CODE_PATTERN.test(code) ? code : null;
}

/**
 * Issues the certificate inside the transaction that completes the course. The unique
 * (user, course) constraint makes a second issue impossible, even from a concurrent request.
 */
export function issueCertificateOnCompletion(userId: number, course: CourseEntry) {
  return async (trx: Transaction<Database>, completedAt: string): Promise<void> => {
    const person = await trx
      .selectFrom('users as u')
      .leftJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'u.id').on('m.deactivated_at', 'is', null))
      .leftJoin('organisations as o', 'o.id', 'm.organisation_id')
      .select(['u.name', 'u.email', 'o.id as organisationId', 'o.name as organisationName', 'o.kind'])
      .where('u.id', '=', userId)
      // A learner in a school and its trust: the school issues.
      .orderBy('o.kind', 'asc')
      .orderBy('m.id', 'asc')
      .executeTakeFirstOrThrow();
    const recipient = recipientIdentity(person.email);
    await trx
      .insertInto('certificates')
      .values({
        recipient_salt: recipient.salt,
        recipient_hash: recipient.hash,
        code: generateCertificateCode(),
        user_id: userId,
        course_slug: course.slug,
        course_title: course.meta.title,
        content_version: course.meta.version,
        cpd_hours: course.meta.cpdHours,
        learner_name: person.name,
        organisation_id: person.organisationId,
        organisation_name: person.organisationName ?? 'Kindred',
        completed_at: completedAt,
        revoked_at: null,
        revoked_by: null,
        revocation_reason: null,
        revocation_note: null,
      })
      .onConflict((oc) => oc.columns(['user_id', 'course_slug']).doNothing())
      .execute();
  };
}

/** How the holder is named in the credential (Open Badges IdentityObject): a salted hash of the email. */
export function recipientIdentity(email: string, salt = crypto.randomBytes(16).toString('hex')): { salt: string; hash: string } {
  return { salt, hash: `sha256$${crypto.createHash('sha256').update(`${email.toLowerCase()}${salt}`).digest('hex')}` };
}

/** What the page and PDF say in place of an erased holder's name. */
export const NAME_WITHHELD = "Name withheld at the holder's request";

export interface PublicCertificate {
  code: string;
  /** Null when the holder was erased: the certificate still verifies, their name is withheld. */
  learnerName: string | null;
  courseTitle: string;
  cpdHours: number;
  completedAt: string;
  organisationName: string;
  contentVersion: string;
  courseSlug: string;
  revokedAt: string | null;
  revocationReason: RevocationReason | null;
}

const PUBLIC_COLUMNS = ['code', 'learner_name', 'holder_withheld_at', 'course_title', 'cpd_hours', 'completed_at', 'organisation_name', 'content_version', 'course_slug', 'revoked_at', 'revocation_reason'] as const;

function toPublic(row: Pick<Database['certificates'], (typeof PUBLIC_COLUMNS)[number]> & { cpd_hours: number }): PublicCertificate {
  return {
    code: row.code,
    learnerName: row.holder_withheld_at ? null : row.learner_name,
    courseTitle: row.course_title,
    cpdHours: row.cpd_hours,
    completedAt: row.completed_at,
    organisationName: row.organisation_name,
    contentVersion: row.content_version,
    courseSlug: row.course_slug,
    revokedAt: row.revoked_at,
    revocationReason: row.revocation_reason,
  };
}

/** What anyone may see with the code: no email, no ids, no other personal data. */
export async function findPublicCertificate(code: string): Promise<PublicCertificate | null> {
  const row = await getDb().selectFrom('certificates').select(PUBLIC_COLUMNS).where('code', '=', code).executeTakeFirst();
  return row ? toPublic(row) : null;
}

export async function listCertificatesOf(userId: number): Promise<PublicCertificate[]> {
  const rows = await getDb().selectFrom('certificates').select(PUBLIC_COLUMNS).where('user_id', '=', userId).orderBy('completed_at', 'desc').execute();
  return rows.map(toPublic);
}

const courseCertificateCache: WriteCache = { name: "a learner's certificate for a course", tables: ['certificates'], maxEntries: 5_000 };

/**
 * The learner's own certificate for a course they finished (the newest, if issued again), or null.
 * Shared with later callers until a write: callers must not change what they get.
 */
export function certificateForCourse(userId: number, courseSlug: string): Promise<PublicCertificate | null> {
  // Every module page shows it; kept until a certificate is issued, revoked or changed.
  return cachedUntilWrite(courseCertificateCache, JSON.stringify([userId, courseSlug]), async () => {
    const row = await getDb().selectFrom('certificates').select(PUBLIC_COLUMNS).where('user_id', '=', userId).where('course_slug', '=', courseSlug).orderBy('completed_at', 'desc').executeTakeFirst();
    return row ? toPublic(row) : null;
  });
}

/** What the Open Badges credential needs beyond the public facts: who issued it and the holder's hashed identity. */
export async function findCredentialFacts(code: string): Promise<(PublicCertificate & { organisationId: number | null; recipientSalt: string | null; recipientHash: string | null }) | null> {
  const row = await getDb()
    .selectFrom('certificates')
    .select([...PUBLIC_COLUMNS, 'organisation_id', 'recipient_salt', 'recipient_hash'])
    .where('code', '=', code)
    .executeTakeFirst();
  return row ? { ...toPublic(row), organisationId: row.organisation_id, recipientSalt: row.recipient_salt, recipientHash: row.recipient_hash } : null;
}

/** An organisation by id, only if it has issued a certificate: issuer profiles are public, other organisations are not. */
export async function findIssuingOrganisation(id: number): Promise<{ id: number; name: string } | null> {
  const row = await getDb()
    .selectFrom('organisations as o')
    .select(['o.id', 'o.name'])
    .where('o.id', '=', id)
    .where(({ exists, selectFrom }) => exists(selectFrom('certificates as c').select('c.id').whereRef('c.organisation_id', '=', 'o.id')))
    .executeTakeFirst();
  return row ?? null;
}

/** The certificate behind a code with its owner, for access checks on PDFs and revocation. */
export async function findCertificateOwner(code: string): Promise<{ id: number; userId: number; organisationId: number | null } | null> {
  const row = await getDb().selectFrom('certificates').select(['id', 'user_id', 'organisation_id']).where('code', '=', code).executeTakeFirst();
  return row ? { id: row.id, userId: row.user_id, organisationId: row.organisation_id } : null;
}

export const REVOCATION_REASONS: Record<RevocationReason, string> = {
  'issued-in-error': 'Issued in error',
  misconduct: 'Academic misconduct',
  duplicate: 'Duplicate certificate',
  other: 'Other reason',
};

export async function revokeCertificate(viewer: SessionUser, code: string, reason: RevocationReason, note: string): Promise<boolean> {
  const owner = await findCertificateOwner(code);
  if (!owner || !(await canRevokeCertificate(viewer, owner.userId))) throw new AccessDenied('certificate');
  const certificateId = owner.id;
  const revokedBy = viewer.id;
  const organisationId = owner.organisationId;
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const at = nowIso();
      const updated = await trx
        .updateTable('certificates')
        .set({ revoked_at: at, revoked_by: revokedBy, revocation_reason: reason, revocation_note: note })
        .where('id', '=', certificateId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      const cert = await trx.selectFrom('certificates').select(['user_id', 'code']).where('id', '=', certificateId).executeTakeFirstOrThrow();
      await recordAudit({ event: 'certificate_revoked', actorUserId: revokedBy, subjectUserId: cert.user_id, organisationId, detail: { code: cert.code, reason } }, trx);
      return true;
    });
}
