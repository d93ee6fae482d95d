import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireRole } from '#app/auth/policy.server.ts';
import { cellText, leaderDashboard, readDashboardQuery } from '#app/models/dashboard.server.ts';
import { csvResponse, toCsv } from '#app/utils/csv.ts';

// Exactly the rows and cells the filtered dashboard shows (every page of them).
export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const { courses, rows } = await leaderDashboard(viewer, readDashboardQuery(new URL(request.url)));
  const header = ['Name', 'School', 'Roles', 'Groups', 'Account', ...courses.map((c) => c.meta.title)];
  const body = rows.map((row) => [
    row.name,
    row.organisationName,
    row.roles.join(', '),
    row.groups.join(', '),
    row.deactivated ? 'Deactivated' : 'Active',
    ...courses.map((c) => cellText(row.cells[c.slug]!)),
  ]);
  return csvResponse(toCsv([header, ...body]), 'kindred-staff-progress.csv');
}
