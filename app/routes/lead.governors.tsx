import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Link, useLoaderData } from '@remix-run/react';
import { ledOrganisationIds, requireRole } from '#app/auth/policy.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { ledOrganisations } from '#app/models/organisations.server.ts';
import { completionTrend, cpdHoursInYear, staffProgress, summariseByCourse, summariseBySchool } from '#app/models/reports.server.ts';
import { CompletionTrendCharts } from '#app/components/completion-trend.tsx';
import { CompletionBySchoolCharts } from '#app/components/completion-by-school.tsx';
import { PracticeCounts } from '#app/components/practice-counts.tsx';
import { practiceCountRows } from '#app/models/practice.server.ts';
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
  const [organisations, rows, hours] = await Promise.all([ledOrganisations(viewer), staffProgress({ organisationIds }, courses, today), cpdHoursInYear({ organisationIds }, yearStart, yearEnd)]);
  const practice = await practiceCountRows(courses, organisations);
  const round = (n: number) => Math.round(n * 100) / 100;
  const people = rows
    .filter((row) => !row.deactivated)
    .map((row) => {
      const h = hours.get(row.userId) ?? { kindred: 0, external: 0 };
      return {
        userId: row.userId,
        name: row.name,
        school: row.organisationName,
        kindred: h.kindred,
        external: h.external,
        total: round(h.kindred + h.external),
      };
    });
  // Governors see the picture, not a list of names: the list is there only when a leader asks.
  const withNames = new URL(request.url).searchParams.get('names') === '1';
  const bySchool = new Map<string, { school: string; staff: number; hours: number }>();
  for (const p of people) {
    const entry = bySchool.get(p.school) ?? {
      school: p.school,
      staff: 0,
      hours: 0,
    };
    entry.staff += 1;
    entry.hours = round(entry.hours + p.total);
    bySchool.set(p.school, entry);
  }
  const totalHours = round(people.reduce((sum, p) => sum + p.total, 0));
  const schools = organisations.filter((o) => o.kind === 'school');
  return {
    organisationNames: organisations.map((o) => o.name),
    year,
    generatedOn: formatDate(nowIso()),
    summary: summariseByCourse(rows, courses),
    hoursBySchool: [...bySchool.values()].sort((a, b) => a.school.localeCompare(b.school, 'en-GB', { numeric: true })),
    staff: people.length,
    totalHours,
    averageHours: people.length ? round(totalHours / people.length) : 0,
    withNames,
    people: withNames ? people : [],
    multiSchool: schools.length > 1,
    courses: courses.map((c) => ({ slug: c.slug, title: c.meta.title })),
    trends: completionTrend(courses, rows, today),
    bySchool: schools.length > 1 ? summariseBySchool(rows, courses, new Set(schools.map((o) => o.id))) : [],
    practice,
  };
}

export default function GovernorsSummary() {
  const data = useLoaderData<typeof loader>();
  return (
    <div className="report">
      <p className="no-print">
        <Link to="/lead">Staff progress</Link> · Use your browser’s Print to make a PDF or paper copy.{' '}
        {data.withNames ? <Link to="/lead/governors">Without names</Link> : <Link to="/lead/governors?names=1">With each person’s hours (names)</Link>}
      </p>
      <h1>Professional development: summary for governors</h1>
      <p>
        {data.organisationNames.join(', ')}. Academic year {data.year}. Produced on {data.generatedOn}.
      </p>
      <h2>Completion by course</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Course</th>
              <th scope="col" className="numeric">
                Assigned to
              </th>
              <th scope="col" className="numeric">
                Completed (of those assigned)
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
                Completed, not assigned
              </th>
            </tr>
          </thead>
          <tbody>
            {data.summary.map((s) => (
              <tr key={s.slug}>
                <th scope="row">{s.title}</th>
                <td className="numeric">{s.assigned.toLocaleString('en-GB')}</td>
                <td className="numeric">{s.assigned ? `${s.assignedCompleted.toLocaleString('en-GB')} (${Math.round((100 * s.assignedCompleted) / s.assigned)}%)` : '–'}</td>
                <td className="numeric">{s.assignedInProgress.toLocaleString('en-GB')}</td>
                <td className="numeric">{s.assignedNotStarted.toLocaleString('en-GB')}</td>
                <td className="numeric">{s.overdue}</td>
                <td className="numeric">{s.notAssignedCompleted.toLocaleString('en-GB')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Completion over the school year</h2>
      <CompletionTrendCharts trends={data.trends} />
      {data.bySchool.length > 0 ? (
        <>
          <h2>Completion by school</h2>
          <CompletionBySchoolCharts courses={data.courses} bySchool={data.bySchool} />
        </>
      ) : null}
      <PracticeCounts byCourse={data.practice.byCourse} bySchool={data.practice.bySchool} />
      <h2>CPD hours, {data.year}</h2>
      <p>
        Kindred courses completed this academic year, and other CPD that staff recorded themselves: {data.totalHours.toLocaleString('en-GB')} hours across {data.staff.toLocaleString('en-GB')} staff,{' '}
        {data.averageHours} hours each on average.
      </p>
      {data.multiSchool ? (
        <div className="table-wrap">
          <table>
            <caption>CPD hours by school</caption>
            <thead>
              <tr>
                <th scope="col">School</th>
                <th scope="col" className="numeric">
                  Staff
                </th>
                <th scope="col" className="numeric">
                  Hours
                </th>
                <th scope="col" className="numeric">
                  Hours per person
                </th>
              </tr>
            </thead>
            <tbody>
              {data.hoursBySchool.map((s) => (
                <tr key={s.school}>
                  <th scope="row">{s.school}</th>
                  <td className="numeric">{s.staff.toLocaleString('en-GB')}</td>
                  <td className="numeric">{s.hours.toLocaleString('en-GB')}</td>
                  <td className="numeric">{s.staff ? Math.round((100 * s.hours) / s.staff) / 100 : 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {data.withNames ? (
        <div className="table-wrap">
          <table>
            <caption>CPD hours per person</caption>
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
      ) : null}
    </div>
  );
}
