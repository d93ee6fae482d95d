import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Form, Link, useLoaderData } from '@remix-run/react';
import { requireRole } from '#app/auth/policy.server.ts';
import { cellText, leaderDashboard, readDashboardQuery } from '#app/models/dashboard.server.ts';
import { CompletionBar } from '#app/components/completion-bar.tsx';
import { CompletionTrendCharts } from '#app/components/completion-trend.tsx';
import { CompletionBySchoolCharts } from '#app/components/completion-by-school.tsx';
import { SelectField } from '#app/components/forms.tsx';
import { PracticeCounts } from '#app/components/practice-counts.tsx';
import { practiceCountRows } from '#app/models/practice.server.ts';

export const meta: MetaFunction = () => [{ title: 'Staff progress – Kindred' }];

// 50 rows: the matrix is most of the page, and rendering it most of a request at 2,000 staff.
const PAGE_SIZE = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const url = new URL(request.url);
  const query = readDashboardQuery(url);
  const { courses, rows, summary, bySchool, organisations, groups, trends } = await leaderDashboard(viewer, query);
  const practice = await practiceCountRows(courses, organisations);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(query.page ?? 1, pages);
  const params = new URLSearchParams(url.search);
  params.delete('page');
  const unsorted = new URLSearchParams(params);
  unsorted.delete('sort');
  unsorted.delete('dir');
  return {
    query,
    filterQueryString: params.toString(),
    unsortedQueryString: unsorted.toString(),
    courses: courses.map((c) => ({ slug: c.slug, title: c.meta.title })),
    summary,
    trends,
    bySchool,
    schools: organisations.filter((o) => o.kind === 'school'),
    groups: groups.map((g) => ({ id: g.id, name: organisations.length > 1 ? `${g.name} (${g.organisationName})` : g.name })),
    practice,
    total: rows.length,
    page,
    pages,
    rows: rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((row) => ({
      userId: row.userId,
      name: row.name,
      school: row.organisationName,
      roles: row.roles.join(', '),
      deactivated: row.deactivated,
      cells: courses.map((c) => ({ slug: c.slug, state: row.cells[c.slug]!.overdue ? 'overdue' : row.cells[c.slug]!.state, text: cellText(row.cells[c.slug]!) })),
    })),
  };
}

function count(n: number): string {
  return n.toLocaleString('en-GB');
}

function statusLink(course: string, status: string): string {
  return `/lead?course=${encodeURIComponent(course)}&status=${status}#matrix-title`;
}

/** The page numbers to offer: the first, the last, and two either side of the current one. */
function pageNumbers(page: number, pages: number): (number | 'gap')[] {
  const shown = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  return shown.flatMap((n, i) => (i > 0 && n - shown[i - 1]! > 1 ? (['gap', n] as const) : [n]));
}

function withQuery(queryString: string, extra: Record<string, string>): string {
  const params = new URLSearchParams(queryString);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `/lead?${params.toString()}#matrix-title`;
}

/** A column heading that sorts the table by it; a second click reverses the order. */
function SortableHeading({ label, sortKey, current, dir, queryString, firstDir = 'asc' }: { label: string; sortKey: string; current: string | undefined; dir: 'asc' | 'desc' | undefined; queryString: string; firstDir?: 'asc' | 'desc' }) {
  const active = current === sortKey;
  const activeDir = dir ?? 'asc';
  const nextDir = active ? (activeDir === 'asc' ? 'desc' : 'asc') : firstDir;
  return (
    <th scope="col" aria-sort={active ? (activeDir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <Link to={withQuery(queryString, { sort: sortKey, dir: nextDir })}>
        {label}
        <span className="visually-hidden">{active ? `, sorted ${activeDir === 'asc' ? 'ascending' : 'descending'}; ` : '; '}sort {nextDir === 'asc' ? 'ascending' : 'descending'}</span>
        {active ? <span aria-hidden="true">{activeDir === 'asc' ? ' ▲' : ' ▼'}</span> : null}
      </Link>
    </th>
  );
}

function percentOf(part: number, whole: number): string {
  return whole === 0 ? '–' : `${Math.round((part / whole) * 100)}%`;
}

export default function LeadDashboard() {
  const data = useLoaderData<typeof loader>();
  const { query } = data;
  const multiSchool = data.schools.length > 1;
  return (
    <div>
      <h1>Staff progress</h1>
      <nav aria-label="Leading" className="page-actions no-print">
        <Link to="/lead/people">People</Link>
        <Link to="/lead/groups">Coaching groups</Link>
        <Link to="/lead/assignments">Assign courses</Link>
        <Link to="/lead/import">Import staff list</Link>
        <Link to="/lead/governors">Governors’ summary</Link>
      </nav>

      <section aria-labelledby="by-course">
        <h2 id="by-course">By course</h2>
        <ul className="summary-list">
          {data.summary.map((s) => (
            <li key={s.slug} className="summary-item">
              <h3>{s.title}</h3>
              {s.assigned > 0 ? (
                <>
                  <p className="summary-headline">
                    <strong>{percentOf(s.assignedCompleted, s.assigned)}</strong> of the {count(s.assigned)} it is assigned to have completed it
                  </p>
                  <CompletionBar completed={s.assignedCompleted} inProgress={s.assignedInProgress} total={s.assigned} />
                  <p>
                    <Link to={statusLink(s.slug, 'completed')} className="badge badge--completed">{count(s.assignedCompleted)} completed</Link>{' '}
                    <Link to={statusLink(s.slug, 'in-progress')} className="badge badge--in-progress">{count(s.assignedInProgress)} in progress</Link>{' '}
                    <Link to={statusLink(s.slug, 'not-started')} className="badge badge--not-started">{count(s.assignedNotStarted)} not started</Link>{' '}
                    <Link to={statusLink(s.slug, 'overdue')} className={s.overdue ? 'badge badge--overdue' : 'badge'}>{count(s.overdue)} overdue</Link>
                  </p>
                </>
              ) : (
                <p className="summary-headline">Not assigned to anyone.</p>
              )}
              <p className="muted">
                <Link to={statusLink(s.slug, 'not-assigned')}>Not assigned: {count(s.notAssigned)}</Link>
                {s.notAssignedCompleted ? ` (${count(s.notAssignedCompleted)} completed it anyway)` : ''}.
                {s.notJoined ? ` ${count(s.notJoined)} invited but not joined yet, not counted.` : ''}
              </p>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="over-time">
        <h2 id="over-time">Completion over this school year</h2>
        <CompletionTrendCharts trends={data.trends} />
      </section>

      {data.bySchool.length > 0 ? (
        <section aria-labelledby="by-school">
          <h2 id="by-school">By school</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">School</th>
                  <th scope="col" className="numeric">
                    Staff
                  </th>
                  {data.courses.map((c) => (
                    <th scope="col" key={c.slug}>
                      {c.title}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.bySchool.map((school) => (
                  <tr key={school.organisationId}>
                    <th scope="row">{school.organisationName}</th>
                    <td className="numeric">{school.staff}</td>
                    {school.courses.map((c) => (
                      <td key={c.slug}>
                        <strong>{percentOf(c.completed, c.total)}</strong> completed ({c.completed} of {c.total}){c.inProgress ? `, ${c.inProgress} in progress` : ''}
                        {c.overdue ? `, ${c.overdue} overdue` : ''}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CompletionBySchoolCharts courses={data.courses} bySchool={data.bySchool} />
        </section>
      ) : null}

      <PracticeCounts byCourse={data.practice.byCourse} bySchool={data.practice.bySchool} />

      <section aria-labelledby="matrix-title">
        <h2 id="matrix-title">Everyone, course by course</h2>
        <Form method="get" className="filters no-print" aria-label="Filter staff">
          <div className="field">
            <label htmlFor="q">Name or email</label>
            <input id="q" name="q" type="search" defaultValue={query.q ?? ''} />
          </div>
          <SelectField
            label="Role"
            name="role"
            emptyOption="Any role"
            defaultValue={query.role ?? ''}
            options={[
              { value: 'teacher', label: 'Teacher' },
              { value: 'coach', label: 'Coach' },
              { value: 'leader', label: 'Leader' },
            ]}
          />
          <SelectField label="Group" name="group" emptyOption="Any group" defaultValue={query.group ?? ''} options={data.groups.map((g) => ({ value: g.id, label: g.name }))} />
          {multiSchool ? (
            <SelectField label="School" name="school" emptyOption="All schools" defaultValue={query.school ?? ''} options={data.schools.map((s) => ({ value: s.id, label: s.name }))} />
          ) : null}
          <SelectField label="Course" name="course" emptyOption="Any course" defaultValue={query.course ?? ''} options={data.courses.map((c) => ({ value: c.slug, label: c.title }))} />
          <SelectField
            label="Status"
            name="status"
            emptyOption="Any status"
            defaultValue={query.status ?? ''}
            options={[
              { value: 'overdue', label: 'Overdue' },
              { value: 'not-started', label: 'Assigned, not started' },
              { value: 'in-progress', label: 'In progress' },
              { value: 'completed', label: 'Completed' },
              { value: 'not-assigned', label: 'Not assigned' },
            ]}
          />
          <label className="checkbox-row">
            <input type="checkbox" name="deactivated" value="1" defaultChecked={query.deactivated === '1'} /> Include deactivated people
          </label>
          <div className="page-actions">
            <button type="submit" className="button">
              Filter
            </button>
            <Link to="/lead">Clear</Link>
            <a href={`/lead/export.csv${data.filterQueryString ? `?${data.filterQueryString}` : ''}`} download>
              Download these rows as CSV
            </a>
            <a href={`/lead/export.csv?${data.filterQueryString ? `${data.filterQueryString}&` : ''}format=long`} download>
              CSV with a row per person and course (for pivot tables)
            </a>
          </div>
        </Form>
        <p role="status">
          {count(data.total)} {data.total === 1 ? 'person' : 'people'}
          {data.pages > 1 ? `, page ${data.page} of ${data.pages}` : ''}.
        </p>
        <div className="table-wrap">
          <table className="matrix">
            <caption className="visually-hidden">Each person’s status in each course</caption>
            <thead>
              <tr>
                <SortableHeading label="Name" sortKey="name" current={query.sort} dir={query.dir} queryString={data.unsortedQueryString} />
                {multiSchool ? <SortableHeading label="School" sortKey="school" current={query.sort} dir={query.dir} queryString={data.unsortedQueryString} /> : null}
                <th scope="col">Roles</th>
                {data.courses.map((c) => (
                  <SortableHeading key={c.slug} label={c.title} sortKey={c.slug} current={query.sort} dir={query.dir} queryString={data.unsortedQueryString} />
                ))}
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => (
                <tr key={`${row.userId}-${row.school}`}>
                  <th scope="row">
                    <Link to={`/lead/people/${row.userId}`}>{row.name}</Link>
                    {row.deactivated ? <span className="muted"> (deactivated)</span> : null}
                  </th>
                  {multiSchool ? <td>{row.school}</td> : null}
                  <td>{row.roles}</td>
                  {row.cells.map((cell) => (
                    <td key={cell.slug} className={`cell cell--${cell.state}`}>
                      {cell.text}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {data.pages > 1 ? (
          <nav aria-label="Pages" className="pagination no-print">
            <ul>
              {data.page > 1 ? (
                <li>
                  <Link to={withQuery(data.filterQueryString, { page: String(data.page - 1) })}>Previous<span className="visually-hidden"> page</span></Link>
                </li>
              ) : null}
              {pageNumbers(data.page, data.pages).map((n, i) =>
                n === 'gap' ? (
                  <li key={`gap-${i}`} aria-hidden="true">
                    …
                  </li>
                ) : (
                  <li key={n}>
                    <Link to={withQuery(data.filterQueryString, { page: String(n) })} aria-current={n === data.page ? 'page' : undefined}>
                      <span className="visually-hidden">Page </span>
                      {n}
                    </Link>
                  </li>
                ),
              )}
              {data.page < data.pages ? (
                <li>
                  <Link to={withQuery(data.filterQueryString, { page: String(data.page + 1) })}>Next<span className="visually-hidden"> page</span></Link>
                </li>
              ) : null}
            </ul>
          </nav>
        ) : null}
      </section>
    </div>
  );
}
