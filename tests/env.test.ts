import { describe, expect, test } from 'vitest';
import { ConfigError, parseEnv } from '#app/utils/env.server.ts';

describe('configuration', () => {
  test('has defaults a newcomer can run with', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ PORT: 3000, DATABASE_PATH: './data/kindred.db', NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:3000' });
    expect(env.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  test.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT: /],
    [{ PORT: '70000' }, /^Invalid configuration: PORT: /],
    [{ NODE_ENV: 'staging' }, /^Invalid configuration: NODE_ENV: /],
    [{ NODE_ENV: 'production' }, /^Invalid configuration: SESSION_SECRET: is required in production/],
    [{ SESSION_SECRET: 'short' }, /^Invalid configuration: SESSION_SECRET: must be at least 32 characters/],
    [{ PUBLIC_URL: 'not a url' }, /^Invalid configuration: PUBLIC_URL: /],
    [{ DATABASE_URL: 'mysql://db.example.org/kindred' }, /^Invalid configuration: DATABASE_URL: must start with postgres:\/\//],
    [{ DATABASE_URL: 'kindred' }, /^Invalid configuration: DATABASE_URL: must be a URL/],
    [{ DATABASE_POOL_SIZE: '0' }, /^Invalid configuration: DATABASE_POOL_SIZE: /],
  ])('a bad value stops with one line naming the variable (%o)', (source, message) => {
    expect(() => parseEnv(source)).toThrow(ConfigError);
    expect(() => parseEnv(source)).toThrow(message);
    try {
      parseEnv(source);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  test('DATABASE_URL selects PostgreSQL; without it the SQLite file is used', () => {
    expect(parseEnv({ DATABASE_URL: 'postgres://kindred:secret@db.example.org:5432/kindred' })).toMatchObject({ DATABASE_URL: 'postgres://kindred:secret@db.example.org:5432/kindred', DATABASE_POOL_SIZE: 10 });
    expect(parseEnv({}).DATABASE_URL).toBeUndefined();
  });

  test('production with a secret and a signing key is accepted and marked as production', () => {
    const key = JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), d: 'B'.repeat(43) });
    const env = parseEnv({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), PUBLIC_URL: 'https://cpd.example.org/', CREDENTIAL_SIGNING_KEY: key });
    expect(env.isProduction).toBe(true);
    expect(env.PUBLIC_URL).toBe('https://cpd.example.org');
  });
});

describe('credential signing keys', () => {
  const key = { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), d: 'B'.repeat(43) };

  test('a private Ed25519 JWK and previous public keys are accepted', () => {
    const env = parseEnv({ CREDENTIAL_SIGNING_KEY: JSON.stringify(key), CREDENTIAL_PREVIOUS_KEYS: JSON.stringify([{ kty: 'OKP', crv: 'Ed25519', x: 'C'.repeat(43) }]) });
    expect(env.CREDENTIAL_SIGNING_KEY?.d).toBe('B'.repeat(43));
    expect(env.CREDENTIAL_PREVIOUS_KEYS).toHaveLength(1);
  });

  test.each([
    [{ CREDENTIAL_SIGNING_KEY: 'not json' }, /^Invalid configuration: CREDENTIAL_SIGNING_KEY: must be a private Ed25519 JWK/],
    [{ CREDENTIAL_SIGNING_KEY: JSON.stringify({ ...key, d: undefined }) }, /^Invalid configuration: CREDENTIAL_SIGNING_KEY: /],
    [{ CREDENTIAL_SIGNING_KEY: JSON.stringify({ ...key, crv: 'P-256' }) }, /^Invalid configuration: CREDENTIAL_SIGNING_KEY: /],
    [{ CREDENTIAL_PREVIOUS_KEYS: JSON.stringify(key) }, /^Invalid configuration: CREDENTIAL_PREVIOUS_KEYS: must be a JSON array/],
  ])('a bad key stops with one line naming the variable (%o)', (source, message) => {
    expect(() => parseEnv(source)).toThrow(message);
  });
});
