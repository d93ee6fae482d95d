import { SignJWT } from 'jose';
import { courseStandards, findCourse } from '#app/content/catalogue.server.ts';
import { describeStandard } from '#app/content/schemas.ts';
import { findCredentialFacts, type PublicCertificate } from '#app/models/certificates.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { keyRing } from './keys.server.ts';

// A certificate as an Open Badges 3.0 OpenBadgeCredential, secured as a VC-JWT (EdDSA). Which
// version of the spec this follows, and why, is in docs/decisions/015-credentials-and-data-rights.md.

export const CREDENTIAL_CONTEXTS = ['https://www.w3.org/2018/credentials/v1', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json'] as const;
export const STATUS_TYPE = 'KindredCertificateStatus';

const TEACHERS_STANDARDS_URL = 'https://www.gov.uk/government/publications/teachers-standards';

type CredentialFacts = NonNullable<Awaited<ReturnType<typeof findCredentialFacts>>>;

export function issuerId(organisationId: number | null): string {
  return `${getEnv().PUBLIC_URL}/issuers/${organisationId ?? 'kindred'}`;
}

export function credentialUrls(code: string) {
  const base = `${getEnv().PUBLIC_URL}/certificates/${code}`;
  return { page: base, json: `${base}/credential.json`, jwt: `${base}/credential.jwt`, status: `${base}/status` };
}

/** One Achievement per course and content version: what was done to earn it, and what it supports. */
function achievement(certificate: PublicCertificate) {
  const course = findCourse(certificate.courseSlug);
  const outcomes = course?.meta?.outcomes ?? [];
  const narrative = [
    `Completed every module of "${certificate.courseTitle}" (content version ${certificate.contentVersion}) on Kindred: every required reflection written and every knowledge check answered correctly.`,
    ...(outcomes.length > 0 ? ['', 'Outcomes:', ...outcomes.map((outcome) => `- ${outcome}`)] : []),
  ].join('\n');
  return {
    id: `${getEnv().PUBLIC_URL}/courses/${certificate.courseSlug}#version-${encodeURIComponent(certificate.contentVersion)}`,
    type: ['Achievement'],
    achievementType: 'Course',
    name: certificate.courseTitle,
    description: course?.meta?.summary ?? certificate.courseTitle,
    criteria: { narrative },
    creditsAvailable: certificate.cpdHours,
    fieldOfStudy: 'Teacher professional development (CPD)',
    version: certificate.contentVersion,
    alignment: (course ? courseStandards(course) : []).map((code) => ({
      type: ['Alignment'],
      targetName: describeStandard(code),
      targetUrl: TEACHERS_STANDARDS_URL,
      targetCode: code,
      targetFramework: "Teachers' Standards (England) and the Initial Teacher Training and Early Career Framework",
      targetType: 'ext:TeachersStandard',
    })),
  };
}

export function openBadgeCredential(facts: CredentialFacts) {
  const urls = credentialUrls(facts.code);
  const identifier =
    facts.recipientHash && facts.recipientSalt
      ? [{ type: 'IdentityObject', identityHash: facts.recipientHash, identityType: 'emailAddress', hashed: true, salt: facts.recipientSalt }]
      : [];
  return {
    '@context': [...CREDENTIAL_CONTEXTS],
    id: urls.page,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: `${facts.courseTitle} – certificate of completion`,
    issuer: { id: issuerId(facts.organisationId), type: ['Profile'], name: facts.organisationName },
    issuanceDate: facts.completedAt,
    awardedDate: facts.completedAt,
    credentialSubject: { type: ['AchievementSubject'], identifier, achievement: achievement(facts), creditsEarned: facts.cpdHours },
    credentialStatus: { id: urls.status, type: STATUS_TYPE },
  };
}

export type OpenBadgeCredential = ReturnType<typeof openBadgeCredential>;

export async function credentialFor(code: string): Promise<OpenBadgeCredential | null> {
  const facts = await findCredentialFacts(code);
  return facts ? openBadgeCredential(facts) : null;
}

/** Signed on request with the current key; the status endpoint, not the token, says whether it was revoked. */
export async function signCredential(credential: OpenBadgeCredential): Promise<string> {
  const { signing } = await keyRing();
  return new SignJWT({ vc: credential })
    .setProtectedHeader({ alg: 'EdDSA', kid: signing.kid, typ: 'JWT' })
    .setIssuer(credential.issuer.id)
    .setJti(credential.id)
    .setNotBefore(Math.floor(Date.parse(credential.issuanceDate) / 1000))
    .setIssuedAt()
    .sign(signing.privateKey);
}

export interface CredentialStatus {
  id: string;
  type: typeof STATUS_TYPE;
  credential: string;
  status: 'active' | 'revoked';
  revoked: boolean;
  revokedAt: string | null;
  reason: string | null;
}

export async function credentialStatus(code: string): Promise<CredentialStatus | null> {
  const facts = await findCredentialFacts(code);
  if (!facts) return null;
  const urls = credentialUrls(facts.code);
  const revoked = facts.revokedAt !== null;
  return { id: urls.status, type: STATUS_TYPE, credential: urls.page, status: revoked ? 'revoked' : 'active', revoked, revokedAt: facts.revokedAt, reason: facts.revocationReason };
}

/** The issuer's profile (Open Badges Profile) for an organisation id, or Kindred itself. */
export function issuerProfile(organisation: { id: number; name: string } | null) {
  const env = getEnv();
  return {
    '@context': [...CREDENTIAL_CONTEXTS],
    id: issuerId(organisation?.id ?? null),
    type: ['Profile'],
    name: organisation?.name ?? 'Kindred',
    url: env.PUBLIC_URL,
    description: organisation ? `${organisation.name} issues Kindred CPD certificates.` : 'Kindred issues CPD certificates for schools and trusts.',
  };
}

/** LinkedIn's "Add licence or certification" form, filled in: a plain link, so it works without JavaScript. */
export function linkedInAddToProfileUrl(certificate: PublicCertificate): string {
  const [year, month] = ukDate(certificate.completedAt).split('-');
  const params = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: certificate.courseTitle,
    organizationName: certificate.organisationName,
    issueYear: String(Number(year)),
    issueMonth: String(Number(month)),
    certUrl: credentialUrls(certificate.code).page,
    certId: certificate.code,
  });
  return `https://www.linkedin.com/profile/add?${params.toString()}`;
}
