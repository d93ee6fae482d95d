import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { ledOrganisationIds, requireRole } from '#app/auth/policy.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { ledOrganisations } from '#app/models/organisations.server.ts';
import { cpdHoursInYear, staffProgress, summariseByCourse } from '#app/models/reports.server.ts';
import { academicYear, ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { formatDate } from '#app/utils/dates.ts';

export const meta: MetaFunction = () => [{ title: 'Governors’ summary – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const organisationIds = await ledOrganisationIds(viewer);
  const { courses } = getCourseIndex();
  const today = ukDate(nowIso());
  const year = academicYear(today);
  const startYear = Number(year.slice(0, 4));
  // 1 September in the UK is still summer time: midnight there is 23:00 UTC the day before.
  const yearStart = new Date(`${startYear}-09-01T00:00:00+01:00`).toISOString();
  const yearEnd = new Date(`${startYear + 1}-09-01T00:00:00+01:00`).toISOString();
  const [organisations, rows, hours] = await Promise.all([
    ledOrganisations(viewer),
    staffProgress({ organisationIds }, courses, today),
    cpdHoursInYear({ organisationIds }, yearStart, yearEnd),
  ]);
  const people = rows.map((row) => {
    const h = hours.get(row.userId) ?? { kindred: 0, external: 0 };
    return { userId: row.userId, name: row.name, school: row.organisationName, kindred: h.kindred, external: h.external, total: Math.round((h.kindred + h.external) * 100) / 100 };
  });
  return json({
    organisationNames: organisations.map((o) => o.name),
    year,
    generatedOn: formatDate(nowIso()),
    summary: summariseByCourse(rows, courses),
    people,
    totalHours: Math.round(people.reduce((sum, p) => sum + p.total, 0) * 100) / 100,
    multiSchool: organisations.filter((o) => o.kind === 'school').length > 1,
  });
}

export default function GovernorsSummary() {
  const data = useLoaderData<typeof loader>();
  return (
    <div className="report">
      <p className="no-print">
        <Link to="/lead">Staff progress</Link> · Use your browser’s Print to make a PDF or paper copy.
      </p>
      <h1>Professional development: summary for governors</h1>
      <p>
        {data.organisationNames.join(', ')}. Academic year {data.year}. Produced on {data.generatedOn}.
      </p>
      <h2>Completion by course</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Course</th>
            <th scope="col" className="numeric">
              Completed
            </th>
            <th scope="col" className="numeric">
              In progress
            </th>
            <th scope="col" className="numeric">
              Not started
            </th>
            <th scope="col" className="numeric">
              Overdue
            </th>
            <th scope="col" className="numeric">
              Staff
            </th>
          </tr>
        </thead>
        <tbody>
          {data.summary.map((s) => (
            <tr key={s.slug}>
              <th scope="row">{s.title}</th>
              <td className="numeric">
                {s.completed} ({s.total ? Math.round((100 * s.completed) / s.total) : 0}%)
              </td>
              <td className="numeric">{s.inProgress}</td>
              <td className="numeric">{s.notStarted}</td>
              <td className="numeric">{s.overdue}</td>
              <td className="numeric">{s.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>CPD hours per person, {data.year}</h2>
      <p>Kindred courses completed this academic year, and other CPD that staff recorded themselves. Total: {data.totalHours} hours.</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {data.multiSchool ? <th scope="col">School</th> : null}
            <th scope="col" className="numeric">
              Kindred courses
            </th>
            <th scope="col" className="numeric">
              Other CPD
            </th>
            <th scope="col" className="numeric">
              Total hours
            </th>
          </tr>
        </thead>
        <tbody>
          {data.people.map((p) => (
            <tr key={`${p.userId}-${p.school}`}>
              <th scope="row">{p.name}</th>
              {data.multiSchool ? <td>{p.school}</td> : null}
              <td className="numeric">{p.kindred}</td>
              <td className="numeric">{p.external}</td>
              <td className="numeric">{p.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
