import { describe, expect, test } from 'vitest';
import { configuredProviders, microsoftIssuerMatches } from '#app/auth/sso.server.ts';
import { emailTrust } from '#app/models/sso.server.ts';
import { parseEnv } from '#app/utils/env.server.ts';

// The rules of single sign-on that the HTTP test cannot reach: Microsoft's multi-tenant issuer
// (no network here) and the configuration. The flow itself is tests/http/sso.test.ts.

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0';

describe('Microsoft multi-tenant issuer', () => {
  test('matches only the template filled with the token’s own tenant', () => {
    expect(microsoftIssuerMatches(TEMPLATE, { iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, tid: TENANT })).toBe(true);
    expect(microsoftIssuerMatches(TEMPLATE, { iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, tid: '11111111-2222-4333-8444-555555555555' })).toBe(false);
    expect(microsoftIssuerMatches(TEMPLATE, { iss: 'https://evil.example/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0', tid: TENANT })).toBe(false);
    expect(microsoftIssuerMatches(TEMPLATE, { iss: `https://login.microsoftonline.com/${TENANT}/v2.0` })).toBe(false);
    expect(microsoftIssuerMatches(TEMPLATE, { iss: 'https://login.microsoftonline.com/x/v2.0', tid: 'x' })).toBe(false);
  });
});

describe('whose email is believed', () => {
  const microsoft = { multiTenant: true };
  const other = { multiTenant: false };
  const school = { organisationId: 1, microsoftTenantId: TENANT };

  test('Microsoft: only from the tenant of the organisation that owns the domain', () => {
    expect(emailTrust(microsoft, { emailVerified: false, tenantId: TENANT }, school)).toBe('trusted');
    expect(emailTrust(microsoft, { emailVerified: true, tenantId: TENANT.toUpperCase() }, school)).toBe('trusted');
    expect(emailTrust(microsoft, { emailVerified: true, tenantId: '11111111-2222-4333-8444-555555555555' }, school)).toBe('wrong-tenant');
    expect(emailTrust(microsoft, { emailVerified: true, tenantId: TENANT }, null)).toBe('wrong-tenant');
    expect(emailTrust(microsoft, { emailVerified: true, tenantId: TENANT }, { organisationId: 1, microsoftTenantId: null })).toBe('wrong-tenant');
  });

  test('other providers: email_verified, and a tenant claim must not contradict the organisation’s', () => {
    expect(emailTrust(other, { emailVerified: true, tenantId: null }, school)).toBe('trusted');
    expect(emailTrust(other, { emailVerified: false, tenantId: null }, school)).toBe('unverified');
    expect(emailTrust(other, { emailVerified: true, tenantId: null }, null)).toBe('trusted');
    expect(emailTrust(other, { emailVerified: true, tenantId: '11111111-2222-4333-8444-555555555555' }, school)).toBe('wrong-tenant');
  });
});

describe('provider configuration', () => {
  test('each provider appears only when configured', () => {
    expect(configuredProviders(parseEnv({}))).toEqual([]);
    const all = configuredProviders(
      parseEnv({ MICROSOFT_CLIENT_ID: 'm', MICROSOFT_CLIENT_SECRET: 's', GOOGLE_CLIENT_ID: 'g', GOOGLE_CLIENT_SECRET: 's', OIDC_ISSUER: 'https://id.example.org', OIDC_CLIENT_ID: 'o', OIDC_CLIENT_SECRET: 's', OIDC_NAME: 'Trust login' }),
    );
    expect(all.map((p) => [p.id, p.label, p.issuer])).toEqual([
      ['microsoft', 'Microsoft', 'https://login.microsoftonline.com/organizations/v2.0'],
      ['google', 'Google', 'https://accounts.google.com'],
      ['oidc', 'Trust login', 'https://id.example.org'],
    ]);
  });

  test.each([
    [{ MICROSOFT_CLIENT_ID: 'm' }, 'Invalid configuration: MICROSOFT_CLIENT_SECRET: is required with MICROSOFT_CLIENT_ID'],
    [{ GOOGLE_CLIENT_SECRET: 's' }, 'Invalid configuration: GOOGLE_CLIENT_ID: is required with GOOGLE_CLIENT_SECRET'],
    [{ OIDC_ISSUER: 'https://id.example.org', OIDC_CLIENT_ID: 'o', OIDC_CLIENT_SECRET: 's' }, 'Invalid configuration: OIDC_NAME: is required with OIDC_ISSUER and OIDC_CLIENT_ID'],
    [{ OIDC_ISSUER: 'not a url' }, /^Invalid configuration: OIDC_ISSUER: /],
    [{ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), OIDC_ISSUER: 'http://id.example.org', OIDC_CLIENT_ID: 'o', OIDC_CLIENT_SECRET: 's', OIDC_NAME: 'X' }, 'Invalid configuration: OIDC_ISSUER: must start with https:// in production'],
  ])('a half-configured provider stops start-up with one line (%o)', (source, message) => {
    expect(() => parseEnv(source)).toThrow(message);
  });
});
