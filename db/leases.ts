import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

// Leases for work that one process at a time should do when several share a database (issue 15,
// docs/decisions/016-postgresql-and-scale-out.md): a row per job, claimed by one statement so two
// processes asking at once cannot both get it, and free again when its holder stops renewing it
// (a process killed mid-job does not hold the job for ever).

/**
 * Takes the lease `name` for `holder` until `ms` after `at`, when it is free, expired or already
 * the holder's (then it is renewed). Returns whether the holder now has it.
 */
export async function takeLease(db: Kysely<Database>, name: string, holder: string, ms: number, at = new Date()): Promise<boolean> {
  const now = at.toISOString();
  const expiresAt = new Date(at.getTime() + ms).toISOString();
  // One INSERT … ON CONFLICT DO UPDATE … WHERE: atomic on both databases. PostgreSQL makes a
  // concurrent claimant wait for the row and then re-checks the WHERE against the winner's row.
  const taken = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: expiresAt })
        .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.holder', '=', holder)])),
    )
    .returning('holder')
    .executeTakeFirst();
  return taken?.holder === holder;
}

/** Gives the lease up early, if `holder` has it. */
export async function releaseLease(db: Kysely<Database>, name: string, holder: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
