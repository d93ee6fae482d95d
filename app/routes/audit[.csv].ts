import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireAuditReader } from '#app/auth/policy.server.ts';
import { AUDIT_EVENT_LABELS, describeAuditDetail, readAuditTrail } from '#app/models/audit.server.ts';
import { readAuditQuery } from '#app/models/audit-query.ts';
import { csvResponse, toCsv } from '#app/utils/csv.ts';
import { orNotFound } from '#app/utils/http.server.ts';

// The filtered audit trail as CSV (up to 10,000 rows), with ISO times for spreadsheets.
export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireAuditReader(request);
  const query = readAuditQuery(new URL(request.url), Object.keys(AUDIT_EVENT_LABELS));
  const { rows } = await orNotFound(readAuditTrail(viewer, query, { all: true }));
  const header = ['When (UTC)', 'What', 'Who', 'About whom', 'Organisation', ...(viewer.isPlatformAdmin ? ['Address'] : []), 'Details'];
  const body = rows.map((r) => [r.at, AUDIT_EVENT_LABELS[r.event] ?? r.event, r.actorName, r.subjectName, r.organisationName, ...(viewer.isPlatformAdmin ? [r.address] : []), describeAuditDetail(r.detail)]);
  return csvResponse(toCsv([header, ...body]), 'kindred-audit-trail.csv');
}
