import { z } from 'zod';
import type { AuditEvent } from '#db/schema.ts';

// The audit trail's filters as they arrive in a URL: anything malformed is ignored, not an error.

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)));

export function readAuditQuery(url: URL, events: readonly string[]) {
  const params = Object.fromEntries(url.searchParams);
  const schema = z.object({
    event: z.enum(events as [string, ...string[]]).optional().catch(undefined),
    q: z.string().trim().max(100).optional().catch(undefined),
    from: day.optional().catch(undefined),
    to: day.optional().catch(undefined),
    page: z.coerce.number().int().positive().max(100_000).optional().catch(undefined),
  });
  const parsed = schema.parse(params);
  return { ...parsed, event: parsed.event as AuditEvent | undefined, q: parsed.q || undefined };
}
