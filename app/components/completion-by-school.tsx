import type { CourseSummary } from '#app/models/reports.server.ts';

export interface SchoolCourseFigures {
  organisationName: string;
  summary: CourseSummary;
}

/** Completed out of those assigned; a school where the course is not assigned has no bar. */
function share(summary: CourseSummary): number | null {
  return summary.assigned ? Math.round((100 * summary.assignedCompleted) / summary.assigned) : null;
}

/**
 * One course across a trust's schools: a horizontal bar per school, drawn on the server as SVG
 * (attributes only, for the CSP). Long school names wrap in the table, not the picture, so the
 * picture keeps short labels and the table below carries every number for screen readers.
 */
export function CompletionBySchoolChart({ title, schools }: { title: string; schools: SchoolCourseFigures[] }) {
  const row = 18;
  const labelWidth = 110;
  const barWidth = 150;
  const height = schools.length * row + 4;
  const shortName = (name: string) => (name.length > 20 ? `${name.slice(0, 19)}…` : name);
  return (
    <figure className="trend">
      <svg className="trend__chart" viewBox={`0 0 ${labelWidth + barWidth + 36} ${height}`} aria-hidden="true" focusable="false">
        {schools.map((s, i) => {
          const percent = share(s.summary);
          const y = i * row + 2;
          return (
            <g key={s.organisationName}>
              <text x={labelWidth - 4} y={y + 11} textAnchor="end" className="trend__label">
                {shortName(s.organisationName)}
              </text>
              <rect x={labelWidth} y={y + 2} width={barWidth} height={row - 6} className="trend__track" />
              {percent === null ? null : <rect x={labelWidth} y={y + 2} width={(barWidth * percent) / 100} height={row - 6} className="trend__bar" />}
              <text x={labelWidth + barWidth + 4} y={y + 11} className="trend__label">
                {percent === null ? '–' : `${percent}%`}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>{title}: completed, of those it is assigned to, by school</figcaption>
      <details>
        <summary>
          The numbers
          <span className="visually-hidden"> for {title} by school</span>
        </summary>
        <table>
          <caption className="visually-hidden">{title}: completion by school</caption>
          <thead>
            <tr>
              <th scope="col">School</th>
              <th scope="col" className="numeric">
                Assigned to
              </th>
              <th scope="col" className="numeric">
                Completed
              </th>
              <th scope="col" className="numeric">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {schools.map((s) => (
              <tr key={s.organisationName}>
                <th scope="row">{s.organisationName}</th>
                <td className="numeric">{s.summary.assigned.toLocaleString('en-GB')}</td>
                <td className="numeric">{s.summary.assignedCompleted.toLocaleString('en-GB')}</td>
                <td className="numeric">{share(s.summary) === null ? 'Not assigned' : `${share(s.summary)}%`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** One chart per course, each across the schools (the dashboard and the governors' summary). */
export function CompletionBySchoolCharts({ courses, bySchool }: { courses: { slug: string; title: string }[]; bySchool: { organisationName: string; courses: CourseSummary[] }[] }) {
  return (
    <ul className="trend-list">
      {courses.map((c) => (
        <li key={c.slug}>
          <CompletionBySchoolChart title={c.title} schools={bySchool.map((s) => ({ organisationName: s.organisationName, summary: s.courses.find((x) => x.slug === c.slug)! }))} />
        </li>
      ))}
    </ul>
  );
}
