import * as client from 'openid-client';
import { getDb, now, nowIso } from '#app/utils/db.server.ts';
import { getEnv, type Env } from '#app/utils/env.server.ts';
import { hashToken, randomToken, readTokenCookie, tokenCookie } from './tokens.server.ts';

// Single sign-on through OpenID Connect (docs/decisions/014-single-sign-on.md): authorisation
// code with PKCE (S256), state and nonce kept server-side for one use, and the ID token checked
// for issuer, audience, expiry and signature (the provider's JWKS).

export type ProviderId = 'microsoft' | 'google' | 'oidc';

export interface SsoProvider {
  id: ProviderId;
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Microsoft's multi-tenant endpoint: the ID token's issuer names the person's tenant (`tid`). */
  multiTenant: boolean;
}

const MICROSOFT_ISSUER = 'https://login.microsoftonline.com/organizations/v2.0';
const GOOGLE_ISSUER = 'https://accounts.google.com';

/** The providers configured in the environment, in the order the sign-in page shows them. */
export function configuredProviders(env: Env = getEnv()): SsoProvider[] {
  const providers: SsoProvider[] = [];
  if (env.MICROSOFT_CLIENT_ID && env.MICROSOFT_CLIENT_SECRET) {
    providers.push({ id: 'microsoft', label: 'Microsoft', issuer: MICROSOFT_ISSUER, clientId: env.MICROSOFT_CLIENT_ID, clientSecret: env.MICROSOFT_CLIENT_SECRET, multiTenant: true });
  }
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) {
    providers.push({ id: 'google', label: 'Google', issuer: GOOGLE_ISSUER, clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET, multiTenant: false });
  }
  if (env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET && env.OIDC_NAME) {
    providers.push({ id: 'oidc', label: env.OIDC_NAME, issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET, multiTenant: false });
  }
  return providers;
}

export function findProvider(id: string): SsoProvider | null {
  return configuredProviders().find((p) => p.id === id) ?? null;
}

export function callbackUrl(provider: SsoProvider): string {
  return `${getEnv().PUBLIC_URL}/auth/${provider.id}/callback`;
}

/**
 * Microsoft's multi-tenant metadata names its issuer `https://login.microsoftonline.com/{tenantid}/v2.0`:
 * an ID token is from Microsoft only when its `iss` is that template with its own `tid` filled in.
 */
export function microsoftIssuerMatches(issuerTemplate: string, claims: { iss?: unknown; tid?: unknown }): boolean {
  if (typeof claims.tid !== 'string' || !/^[0-9a-f-]{36}$/i.test(claims.tid)) return false;
  return typeof claims.iss === 'string' && claims.iss === issuerTemplate.replace('{tenantid}', claims.tid);
}

export class SsoUnavailable extends Error {}

// Discovery runs on first use, not at start-up, so `npm start` works without network; a failure
// is not cached, so the next attempt tries again.
const configurations = new Map<ProviderId, Promise<client.Configuration>>();

function allowsPlainHttp(issuer: string): boolean {
  return !getEnv().isProduction && issuer.startsWith('http://');
}

async function discover(provider: SsoProvider): Promise<client.Configuration> {
  const options: client.DiscoveryRequestOptions = {
    execute: [client.enableNonRepudiationChecks, ...(allowsPlainHttp(provider.issuer) ? [client.allowInsecureRequests] : [])],
    timeout: 10,
  };
  try {
    // Kindred's own clock (which tests move outside production) also judges the ID token's expiry.
    const clockSkewSeconds = Math.round((now().getTime() - Date.now()) / 1000);
    return await client.discovery(new URL(provider.issuer), provider.clientId, { client_secret: provider.clientSecret, [client.clockSkew]: clockSkewSeconds }, undefined, options);
  } catch (error) {
    throw new SsoUnavailable(`${provider.label} discovery at ${provider.issuer} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function configurationFor(provider: SsoProvider): Promise<client.Configuration> {
  let pending = configurations.get(provider.id);
  if (!pending) {
    pending = discover(provider);
    configurations.set(provider.id, pending);
    pending.catch(() => configurations.delete(provider.id));
  }
  return pending;
}

export const SSO_COOKIE = 'kindred_sso';
const ATTEMPT_TTL_MS = 10 * 60 * 1000;

function ssoCookieName(): string {
  return getEnv().isProduction ? `__Host-${SSO_COOKIE}` : SSO_COOKIE;
}

function serializeSsoCookie(value: string, maxAgeSeconds: number): string {
  return tokenCookie(ssoCookieName(), value, maxAgeSeconds);
}

/** Starts a sign-in: the provider's address to send the browser to, and the cookie that ties the return to it. */
export async function beginSignIn(provider: SsoProvider, redirectTo: string): Promise<{ location: string; cookie: string }> {
  const configuration = await configurationFor(provider);
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const token = randomToken();
  const db = getDb();
  await db.deleteFrom('sso_attempts').where('expires_at', '<=', nowIso()).execute();
  await db
    .insertInto('sso_attempts')
    .values({ id: hashToken(token), provider: provider.id, state, nonce, code_verifier: codeVerifier, redirect_to: redirectTo, expires_at: new Date(now().getTime() + ATTEMPT_TTL_MS).toISOString() })
    .execute();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: callbackUrl(provider),
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { location: url.href, cookie: serializeSsoCookie(token, ATTEMPT_TTL_MS / 1000) };
}

export interface VerifiedClaims {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  tenantId: string | null;
}

export type CallbackResult = { ok: true; claims: VerifiedClaims; redirectTo: string } | { ok: false; reason: 'expired' | 'invalid' | 'unavailable'; detail: string };

/** The cookie that forgets the sign-in under way. */
export function clearSsoCookie(): string {
  return serializeSsoCookie('', 0);
}

/**
 * The provider sent the browser back: the attempt this browser started is taken (once), and the
 * code is exchanged and the ID token checked against its state, nonce and PKCE verifier.
 */
export async function completeSignIn(provider: SsoProvider, request: Request): Promise<CallbackResult> {
  const token = readTokenCookie(request, ssoCookieName());
  if (!token) return { ok: false, reason: 'expired', detail: 'no sign-in under way in this browser' };
  const attempt = await getDb().deleteFrom('sso_attempts').where('id', '=', hashToken(token)).where('provider', '=', provider.id).returningAll().executeTakeFirst();
  if (!attempt || attempt.expires_at <= nowIso()) return { ok: false, reason: 'expired', detail: 'sign-in attempt unknown, used or expired' };
  let configuration: client.Configuration;
  try {
    configuration = await configurationFor(provider);
  } catch (error) {
    return { ok: false, reason: 'unavailable', detail: error instanceof Error ? error.message : String(error) };
  }
  // The address the provider redirected to, as registered: behind a proxy request.url is internal.
  const current = new URL(callbackUrl(provider));
  current.search = new URL(request.url).search;
  try {
    const tokens = await client.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: attempt.code_verifier,
      expectedState: attempt.state,
      expectedNonce: attempt.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) return { ok: false, reason: 'invalid', detail: 'no ID token' };
    // openid-client checks this for Entra ID too; checked here as well so the rule is ours and tested.
    if (provider.multiTenant && !microsoftIssuerMatches(configuration.serverMetadata().issuer, claims)) {
      return { ok: false, reason: 'invalid', detail: 'issuer does not match the tenant' };
    }
    return {
      ok: true,
      redirectTo: attempt.redirect_to,
      claims: {
        issuer: claims.iss,
        subject: claims.sub,
        email: emailOf(provider, claims),
        emailVerified: claims.email_verified === true,
        name: typeof claims.name === 'string' ? claims.name : null,
        tenantId: typeof claims.tid === 'string' ? claims.tid : null,
      },
    };
  } catch (error) {
    return { ok: false, reason: 'invalid', detail: describeFailure(error) };
  }
}

/**
 * Microsoft sends `email` only when the account has a mailbox address; otherwise its sign-in name
 * (`preferred_username`, whose domain the tenant must have verified) is the school address.
 */
function emailOf(provider: SsoProvider, claims: client.IDToken): string | null {
  if (typeof claims.email === 'string') return claims.email;
  if (provider.multiTenant && typeof claims.preferred_username === 'string' && claims.preferred_username.includes('@')) return claims.preferred_username;
  return null;
}

/** For the audit log: the library's messages down its chain of causes, and the claim or parameter that failed. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parts = [`${error.name}: ${error.message}`];
  // openid-client wraps oauth4webapi's error, whose own cause names what failed (`exp`, `nonce`, `state`).
  for (let cause: unknown = error.cause, depth = 0; cause && typeof cause === 'object' && depth < 4; cause = (cause as { cause?: unknown }).cause, depth += 1) {
    const { message, claim, attribute } = cause as { message?: unknown; claim?: unknown; attribute?: unknown };
    if (typeof message === 'string' && message) parts.push(message);
    if (typeof claim === 'string') parts.push(`claim ${claim}`);
    if (typeof attribute === 'string') parts.push(`parameter ${attribute}`);
  }
  return parts.join('; ');
}
