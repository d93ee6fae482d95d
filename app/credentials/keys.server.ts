import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { ConfigError, getEnv } from '#app/utils/env.server.ts';
import { singleton } from '#app/utils/singleton.server.ts';

// The Ed25519 key that signs Open Badges credentials, and every public key a verifier may still
// need. Without CREDENTIAL_SIGNING_KEY a key is generated once and kept beside the database, so a
// development machine's credentials keep verifying across restarts.

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

interface KeyRing {
  signing: SigningKey;
  /** Current and previous public keys, each with its kid: what /.well-known/jwks.json serves. */
  publicKeys: JWK[];
}

export const GENERATED_KEY_FILE = 'credential-signing-key.json';

async function publicJwk(jwk: JWK): Promise<JWK> {
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
}

/** Reads the generated key, creating it first if no process has yet; exclusive create avoids two keys. */
async function generatedPrivateJwk(): Promise<JWK> {
  const file = path.join(path.dirname(path.resolve(getEnv().DATABASE_PATH)), GENERATED_KEY_FILE);
  if (!fs.existsSync(file)) {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(privateKey);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${crypto.randomUUID()}`;
    fs.writeFileSync(temp, JSON.stringify(jwk), { mode: 0o600 });
    try {
      fs.linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
}

async function loadKeyRing(): Promise<KeyRing> {
  const env = getEnv();
  // A production server must not make its own: every process has to sign with the same key, and a
  // key made on one machine's disk is lost with it. Checked when the server starts, not by the
  // database commands, which sign nothing.
  if (env.isProduction && !env.CREDENTIAL_SIGNING_KEY) throw new ConfigError('Invalid configuration: CREDENTIAL_SIGNING_KEY: is required in production (a private Ed25519 JWK; the README says how to make one)');
  const privateJwk: JWK = env.CREDENTIAL_SIGNING_KEY ?? (await generatedPrivateJwk());
  const current = await publicJwk(privateJwk);
  const previous = await Promise.all((env.CREDENTIAL_PREVIOUS_KEYS ?? []).map((jwk) => publicJwk(jwk)));
  // Web Crypto refuses a JWK whose x is not the public half of its d: such a key would sign
  // tokens no one can verify.
  const privateKey = (await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA').catch(() => {
    throw new Error('CREDENTIAL_SIGNING_KEY: "x" is not the public key of "d"');
  })) as CryptoKey;
  const seen = new Set<string>();
  const publicKeys = [current, ...previous].filter((key) => !seen.has(key.kid!) && seen.add(key.kid!));
  return { signing: { kid: current.kid!, privateKey }, publicKeys };
}

export function keyRing(): Promise<KeyRing> {
  return singleton('credential-key-ring', () => loadKeyRing());
}
