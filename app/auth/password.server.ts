import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { COMMON_PASSWORDS } from './common-passwords.ts';

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane (docs/decisions/001-password-hashing.md).
const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

export const newPasswordSchema = z
  .string({ message: 'Enter a password' })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'Use at most 200 characters')
  .refine((value) => !isCommonPassword(value), 'That password is too common; choose another');

export function isCommonPassword(password: string): boolean {
  const lowered = password.toLowerCase();
  // "password1234!" is a common word with digits or symbols stuck on either end.
  const stem = lowered.replace(/^[^a-z]+|[^a-z]+$/g, '');
  return COMMON_PASSWORDS.has(lowered) || COMMON_PASSWORDS.has(stem);
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Checked when the email is unknown, so a wrong email costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('dummy password for timing only');
  await verifyPassword(await dummyHash, password);
  return false;
}
