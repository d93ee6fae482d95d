import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '#db/schema.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import type { PreferenceCategory } from './templates.tsx';

// Which optional emails each person wants. Invitations, reset links and "your password was
// changed" are not optional. The one-click link in an optional email carries a signed token, so it
// works signed out (RFC 8058).

export const CATEGORIES: readonly PreferenceCategory[] = ['assignments', 'reminders', 'coaching', 'leader_digest'];

export type EmailPreferences = Record<PreferenceCategory, boolean>;

export const DEFAULT_PREFERENCES: EmailPreferences = { assignments: true, reminders: true, coaching: true, leader_digest: false };

export async function getPreferences(userId: number): Promise<EmailPreferences> {
  const row = await getDb().selectFrom('email_preferences').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (!row) return { ...DEFAULT_PREFERENCES };
  return { assignments: row.assignments === 1, reminders: row.reminders === 1, coaching: row.coaching === 1, leader_digest: row.leader_digest === 1 };
}

export async function setPreferences(userId: number, preferences: Partial<EmailPreferences>): Promise<void> {
  const merged = { ...(await getPreferences(userId)), ...preferences };
  const values = {
    assignments: merged.assignments ? 1 : 0,
    reminders: merged.reminders ? 1 : 0,
    coaching: merged.coaching ? 1 : 0,
    leader_digest: merged.leader_digest ? 1 : 0,
    updated_at: nowIso(),
  } as const;
  await getDb()
    .insertInto('email_preferences')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

/** Of these people, the ones who want emails of a category (no row: the default). */
export async function wantingCategory(db: Kysely<Database> | Transaction<Database>, userIds: number[], category: PreferenceCategory): Promise<Set<number>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.selectFrom('email_preferences').select(['user_id', category]).where('user_id', 'in', userIds).execute();
  const explicit = new Map(rows.map((r) => [r.user_id, (r as unknown as Record<string, number>)[category] === 1]));
  return new Set(userIds.filter((id) => explicit.get(id) ?? DEFAULT_PREFERENCES[category]));
}

function signature(userId: number, category: PreferenceCategory): string {
  return crypto.createHmac('sha256', getEnv().SESSION_SECRET).update(`unsubscribe:${userId}:${category}`).digest('base64url').slice(0, 32);
}

export function unsubscribeToken(userId: number, category: PreferenceCategory): string {
  return `${userId}.${category}.${signature(userId, category)}`;
}

export function unsubscribeUrl(userId: number, category: PreferenceCategory): string {
  return `${getEnv().PUBLIC_URL}/unsubscribe/${unsubscribeToken(userId, category)}`;
}

/** The person and category a token names, or null if it was not made by us. */
export function readUnsubscribeToken(token: string): { userId: number; category: PreferenceCategory } | null {
  const [id, category, mac] = token.split('.');
  const userId = Number(id);
  if (!Number.isSafeInteger(userId) || userId <= 0 || !mac || !(CATEGORIES as readonly string[]).includes(category ?? '')) return null;
  const expected = Buffer.from(signature(userId, category as PreferenceCategory));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  return { userId, category: category as PreferenceCategory };
}
