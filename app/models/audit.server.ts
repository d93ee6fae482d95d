import type { Kysely, Transaction } from 'kysely';
import type { AuditEvent, Database } from '#db/schema.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';

export interface AuditEntry {
  event: AuditEvent;
  actorUserId?: number | null;
  subjectUserId?: number | null;
  organisationId?: number | null;
  address?: string | null;
  detail?: Record<string, unknown>;
}

/** Records a security-relevant event; pass the transaction when the event is part of one. */
export async function recordAudit(entry: AuditEntry, db: Kysely<Database> | Transaction<Database> = getDb()): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: nowIso(),
      event: entry.event,
      actor_user_id: entry.actorUserId ?? null,
      subject_user_id: entry.subjectUserId ?? null,
      organisation_id: entry.organisationId ?? null,
      address: entry.address ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}
