import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { estimatePasswordStrength } from './password-strength.server.ts';

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane (docs/decisions/001-password-hashing.md).
const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

/** Length only; how guessable a password is depends on who chooses it (passwordWeakness). */
export const newPasswordSchema = z
  .string({ message: 'Enter a password' })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'Use at most 200 characters');

/** The demo password is printed in the README: nobody may choose it, and production refuses it. */
export const PUBLISHED_DEMO_PASSWORD = 'kindred-demo-2026';

/** Score 3 of 4: "safely unguessable: moderate protection from offline slow-hash scenario". */
const MIN_SCORE = 3;

/**
 * Why a new password is too easy to guess, or null. The person's own name and email count as
 * known words, so "Amina Khan 2026" is weak for Amina Khan.
 */
export async function passwordWeakness(password: string, person: { name?: string; email?: string }): Promise<string | null> {
  if (password.trim() === '') return 'A password of only spaces is too easy to guess; choose another';
  if (password === PUBLISHED_DEMO_PASSWORD) return 'That is the published demo password; choose another';
  const personal = [person.name ?? '', ...(person.name ?? '').split(/\s+/), person.email ?? '', ...(person.email ?? '').split(/[@.+_-]/)].filter((word) => word.length >= 3);
  const result = await estimatePasswordStrength(password.slice(0, 100), personal, ['kindred', PUBLISHED_DEMO_PASSWORD, 'kindred-demo']);
  if (result.score >= MIN_SCORE) return null;
  const hint = result.warning ? ` (${result.warning.replace(/\.$/, '').toLowerCase()})` : '';
  return `That password is too easy to guess${hint}. Try a few unrelated words together`;
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
