import crypto from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { runServerExpectingExit, signInOverHttp, startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';
import { serverDatabase, type ServerDatabase } from '#tests/support/server-database.ts';

// The credentials are checked by code that did not sign them: jose verifies each token against the
// JWKS fetched over HTTP from the built server, and the credential's shape is checked against a
// schema written from the Open Badges 3.0 data model (VCDM 1.1 edition, as Kindred issues it).

const uri = z.string().regex(/^(https?:\/\/|urn:)\S+$/, 'must be a URI');
const typeIncluding = (...names: string[]) =>
  z.union([z.string(), z.array(z.string())]).refine((type) => names.every((name) => (Array.isArray(type) ? type : [type]).includes(name)), `type must include ${names.join(', ')}`);

const identityObject = z.object({ type: z.literal('IdentityObject'), hashed: z.boolean(), identityHash: z.string().min(1), identityType: z.string().min(1), salt: z.string().optional() });
const alignment = z.object({ type: typeIncluding('Alignment'), targetName: z.string().min(1), targetUrl: uri });
const achievement = z.object({
  id: uri,
  type: typeIncluding('Achievement'),
  name: z.string().min(1),
  description: z.string().min(1),
  criteria: z.object({ id: uri.optional(), narrative: z.string().optional() }).refine((c) => c.id !== undefined || c.narrative !== undefined, 'criteria needs an id or a narrative'),
  alignment: z.array(alignment).optional(),
  creditsAvailable: z.number().optional(),
});
const openBadgeCredential = z.object({
  '@context': z
    .array(z.string())
    .refine((contexts) => contexts[0] === 'https://www.w3.org/2018/credentials/v1', 'the first context must be the VC 1.1 context')
    .refine((contexts) => contexts.some((c) => /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.0\.\d+)?\.json$/.test(c)), 'the OB 3.0 context is required'),
  id: uri,
  type: typeIncluding('VerifiableCredential', 'OpenBadgeCredential'),
  name: z.string().min(1),
  issuer: z.object({ id: uri, type: typeIncluding('Profile'), name: z.string().optional() }),
  issuanceDate: z.iso.datetime(),
  credentialSubject: z
    .object({ id: uri.optional(), type: typeIncluding('AchievementSubject'), identifier: z.array(identityObject).optional(), achievement, creditsEarned: z.number().optional() })
    .refine((s) => s.id !== undefined || (s.identifier?.length ?? 0) > 0, 'the subject needs an id or an identifier'),
  credentialStatus: z.object({ id: uri, type: z.string().min(1) }),
});

async function ed25519Key(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
}

const COURSE = 'closing-the-gap';
let database: ServerDatabase;
let code = '';
let revokedCode = '';
let holderEmail = '';
let server: RunningServer | undefined;

beforeAll(async () => {
  database = await serverDatabase();
  const { db } = database;
  const holder = await db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .select(['u.id', 'u.email', 'u.name', 'm.organisation_id'])
    .where('u.email', '=', 'teacher@oakfield.example')
    .executeTakeFirstOrThrow();
  holderEmail = holder.email;
  code = 'CRD234-CRD567-CRD789';
  revokedCode = 'REV234-REV567-REV789';
  const salt = crypto.randomBytes(16).toString('hex');
  const hash = `sha256$${crypto.createHash('sha256').update(`${holder.email}${salt}`).digest('hex')}`;
  const certificate = { user_id: holder.id, content_version: '1.0.0', cpd_hours: 1.5, learner_name: holder.name, organisation_id: holder.organisation_id, organisation_name: 'Oakfield Primary School', recipient_salt: salt, recipient_hash: hash };
  await db
    .insertInto('certificates')
    .values([
      { ...certificate, code, course_slug: COURSE, course_title: 'Closing the gap', completed_at: '2026-11-20T10:00:00.000Z', revoked_at: null, revocation_reason: null },
      { ...certificate, code: revokedCode, course_slug: 'another-course', course_title: 'Another course', completed_at: '2026-11-21T10:00:00.000Z', revoked_at: new Date().toISOString(), revocation_reason: 'issued-in-error' },
    ])
    .execute();
});

afterAll(async () => {
  await server?.stop();
});

async function fetchToken(base: string, certificateCode: string): Promise<string> {
  const response = await fetch(`${base}/certificates/${certificateCode}/credential.jwt`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/jwt');
  return (await response.text()).trim();
}

describe('Open Badges 3.0 credentials', () => {
  let firstKey: Awaited<ReturnType<typeof ed25519Key>>;
  let tokenFromFirstKey = '';

  test('a credential verifies against the JWKS served over HTTP, and has the OB 3.0 shape', async () => {
    firstKey = await ed25519Key();
    server = await startBuiltServer({ database, env: { CREDENTIAL_SIGNING_KEY: JSON.stringify(firstKey.privateJwk) } });
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    tokenFromFirstKey = await fetchToken(server.url, code);

    const header = decodeProtectedHeader(tokenFromFirstKey);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    expect(typeof header.kid).toBe('string');

    const { payload } = await jwtVerify(tokenFromFirstKey, jwks, { algorithms: ['EdDSA'] });
    const credential = openBadgeCredential.parse(payload.vc);
    expect(payload.iss).toBe(credential.issuer.id);
    expect(payload.jti).toBe(credential.id);
    expect(payload.nbf).toBe(Math.floor(Date.parse(credential.issuanceDate) / 1000));
    expect(credential.id).toBe(`${server.url}/certificates/${code}`);
    expect(credential.credentialSubject.achievement.alignment?.length).toBeGreaterThan(0);

    // The subject is a salted hash of the holder's email, which anyone holding the email can check.
    const identity = credential.credentialSubject.identifier![0]!;
    expect(identity.identityHash).toBe(`sha256$${crypto.createHash('sha256').update(`${holderEmail.toLowerCase()}${identity.salt}`).digest('hex')}`);
    expect(JSON.stringify(payload)).not.toContain(holderEmail);

    // The JSON download is the same credential.
    const asJson = (await (await fetch(`${server.url}/certificates/${code}/credential.json`)).json()) as unknown;
    expect(openBadgeCredential.parse(asJson).id).toBe(credential.id);

    // The issuer profile and the status resolve.
    const profile = await fetch(credential.issuer.id);
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as { type: string[] }).type).toContain('Profile');
    const status = (await (await fetch(credential.credentialStatus.id)).json()) as { status: string; revoked: boolean };
    expect(status).toMatchObject({ status: 'active', revoked: false });
  });

  test('a tampered token is refused', async () => {
    const jwks = createRemoteJWKSet(new URL(`${server!.url}/.well-known/jwks.json`));
    const [header, payload, signature] = tokenFromFirstKey.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { vc: { credentialSubject: { creditsEarned: number } } };
    claims.vc.credentialSubject.creditsEarned = 100;
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expect(jwtVerify(tampered, jwks, { algorithms: ['EdDSA'] })).rejects.toThrow(/signature verification failed/);
    // Signed by someone else's key with Kindred's kid: still refused.
    const stranger = await ed25519Key();
    const { SignJWT, importJWK } = await import('jose');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: decodeProtectedHeader(tokenFromFirstKey).kid!, typ: 'JWT' }).sign(await importJWK(stranger.privateJwk, 'EdDSA'));
    await expect(jwtVerify(forged, jwks, { algorithms: ['EdDSA'] })).rejects.toThrow(/signature verification failed/);
  });

  test("a revoked certificate's status says so", async () => {
    const token = await fetchToken(server!.url, revokedCode);
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${server!.url}/.well-known/jwks.json`)), { algorithms: ['EdDSA'] });
    const credential = openBadgeCredential.parse(payload.vc);
    const response = await fetch(credential.credentialStatus.id);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'revoked', revoked: true, reason: 'issued-in-error' });
    expect((await fetch(`${server!.url}/certificates/AAA234-AAA567-AAA789/status`)).status).toBe(404);
    expect((await fetch(`${server!.url}/certificates/AAA234-AAA567-AAA789/credential.jwt`)).status).toBe(404);
  });

  test('after a key rotation, tokens signed with the old key still verify and new ones use the new key', async () => {
    await server!.stop();
    const secondKey = await ed25519Key();
    server = await startBuiltServer({
      database,
      env: { CREDENTIAL_SIGNING_KEY: JSON.stringify(secondKey.privateJwk), CREDENTIAL_PREVIOUS_KEYS: JSON.stringify([firstKey.publicJwk]) },
    });
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    await expect(jwtVerify(tokenFromFirstKey, jwks, { algorithms: ['EdDSA'] })).resolves.toBeTruthy();
    const fresh = await fetchToken(server.url, code);
    expect(decodeProtectedHeader(fresh).kid).not.toBe(decodeProtectedHeader(tokenFromFirstKey).kid);
    await expect(jwtVerify(fresh, jwks, { algorithms: ['EdDSA'] })).resolves.toBeTruthy();
    const { keys } = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key.d).toBeUndefined();
  });

  test('the certificate page links the downloads, and offers the holder "Add to LinkedIn profile"', async () => {
    const page = await (await fetch(`${server!.url}/certificates/${code}`)).text();
    expect(page).toContain(`/certificates/${code}/credential.jwt`);
    expect(page).toContain(`/certificates/${code}/credential.json`);
    expect(page).not.toContain('Add to LinkedIn profile');
    const cookie = await signInOverHttp(server!.url, holderEmail, DEMO_PASSWORD);
    const own = await (await fetch(`${server!.url}/certificates/${code}`, { headers: { cookie } })).text();
    const href = /href="(https:\/\/www\.linkedin\.com\/profile\/add\?[^"]+)"/.exec(own)?.[1];
    expect(href).toBeDefined();
    const params = new URL(href!.replaceAll('&amp;', '&')).searchParams;
    expect(Object.fromEntries(params)).toMatchObject({
      startTask: 'CERTIFICATION_NAME',
      name: 'Closing the gap',
      organizationName: 'Oakfield Primary School',
      issueYear: '2026',
      issueMonth: '11',
      certUrl: `${server!.url}/certificates/${code}`,
      certId: code,
    });
  });

  test('a signing key whose public half does not match its private half stops the server at start', async () => {
    const one = await ed25519Key();
    const two = await ed25519Key();
    const { code: exitCode, output } = await runServerExpectingExit({ PORT: '3997', DATABASE_PATH: tempDatabasePath(), CREDENTIAL_SIGNING_KEY: JSON.stringify({ ...one.privateJwk, x: two.publicJwk.x }) });
    expect(exitCode).toBe(1);
    expect(output).toContain('CREDENTIAL_SIGNING_KEY: "x" is not the public key of "d"');
  });
});
