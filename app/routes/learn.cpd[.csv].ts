import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server.ts';
import { cpdLog } from '#app/models/cpd.server.ts';
import { csvResponse, toCsv } from '#app/utils/csv.ts';

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const log = await cpdLog(user.id);
  const rows: (string | number)[][] = [['Learner', 'Academic year', 'Date', 'Activity', 'Provider', 'Hours', 'Counted', 'Certificate', 'Note', 'Link']];
  for (const year of log) {
    for (const e of year.entries) {
      rows.push([user.name, year.year, e.date, e.title, e.provider, e.hours, e.counted ? 'yes' : 'no', e.certificateCode ?? '', e.note, e.link ?? '']);
    }
    rows.push([user.name, year.year, '', `Total for ${year.year}`, '', year.totalHours, '', '', '', '']);
  }
  return csvResponse(toCsv(rows), 'kindred-cpd-log.csv');
}
