import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireRole } from '#app/auth/policy.server.ts';
import { cellText, leaderDashboard, readDashboardQuery } from '#app/models/dashboard.server.ts';
import { csvResponse, toCsv } from '#app/utils/csv.ts';

const STATUS_TEXT = { completed: 'Completed', 'in-progress': 'In progress', 'not-started': 'Not started' } as const;

/**
 * Exactly the rows the filtered dashboard shows (every page of them). The default is a person a
 * row with a column per course; `?format=long` is a row per person and course, with each fact in
 * its own column, for pivot tables.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const url = new URL(request.url);
  const { courses, rows } = await leaderDashboard(viewer, readDashboardQuery(url));
  const account = (deactivated: boolean) => (deactivated ? 'Deactivated' : 'Active');
  if (url.searchParams.get('format') === 'long') {
    const header = ['Name', 'Email', 'School', 'Roles', 'Groups', 'Account', 'Course', 'Status', 'Percent', 'Assigned', 'Assigned on', 'Due', 'Overdue', 'Completed on', 'Certificate code'];
    const body = rows.flatMap((row) =>
      courses.map((c) => {
        const cell = row.cells[c.slug]!;
        return [
          row.name,
          row.email,
          row.organisationName,
          row.roles.join(', '),
          row.groups.join(', '),
          account(row.deactivated),
          c.meta.title,
          STATUS_TEXT[cell.state],
          cell.percent,
          cell.assigned ? 'Yes' : 'No',
          cell.assignedOn?.slice(0, 10) ?? '',
          cell.dueDate ?? '',
          cell.overdue ? 'Yes' : 'No',
          cell.completedAt?.slice(0, 10) ?? '',
          cell.certificateCode ?? '',
        ];
      }),
    );
    return csvResponse(toCsv([header, ...body]), 'kindred-staff-progress-by-course.csv');
  }
  const header = ['Name', 'Email', 'School', 'Roles', 'Groups', 'Account', ...courses.map((c) => c.meta.title)];
  const body = rows.map((row) => [row.name, row.email, row.organisationName, row.roles.join(', '), row.groups.join(', '), account(row.deactivated), ...courses.map((c) => cellText(row.cells[c.slug]!))]);
  return csvResponse(toCsv([header, ...body]), 'kindred-staff-progress.csv');
}
