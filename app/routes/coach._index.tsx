import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { requireRole } from '#app/auth/policy.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { assignmentFormOptions, handleAssignmentAction } from '#app/actions/assignment.server.ts';
import { coachReportScope, staffProgress } from '#app/models/reports.server.ts';
import { awaitingAnswer } from '#app/models/coaching.server.ts';
import { listGroups } from '#app/models/groups.server.ts';
import { describeModuleItem } from '#app/models/item-labels.server.ts';
import { coachPractice } from '#app/models/practice.server.ts';
import { StepStateBadge } from '#app/components/action-step.tsx';
import { AssignmentPanel } from '#app/components/assignment-form.tsx';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { formatDate, formatDateTime } from '#app/utils/dates.ts';
import { readForm } from '#app/utils/forms.ts';

export const meta: MetaFunction = () => [{ title: 'My coaching – Kindred' }];

const SORTS = ['behind', 'name', 'activity'] as const;
type Sort = (typeof SORTS)[number];

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'coach');
  const sortParam = new URL(request.url).searchParams.get('sort');
  const sort: Sort = SORTS.includes(sortParam as Sort) ? (sortParam as Sort) : 'behind';
  const { courses } = getCourseIndex();
  const [rows, options, waiting, groups, practiceRows] = await Promise.all([
    staffProgress(coachReportScope(viewer), courses, ukDate(nowIso())),
    assignmentFormOptions(viewer, 'coach'),
    awaitingAnswer(viewer),
    listGroups(viewer, 'coach'),
    coachPractice(viewer),
  ]);
  const practice = await Promise.all(
    practiceRows.map(async (p) => ({ ...p, ...(await describeModuleItem(p.ref.courseSlug, p.ref.moduleSlug, p.ref.itemId)), followUpOnText: formatDate(`${p.followUpOn}T12:00:00Z`) })),
  );
  const awaiting = await Promise.all(
    waiting.map(async (w) => ({ ...w, ...(await describeModuleItem(w.courseSlug, w.moduleSlug, w.itemId)), sinceText: formatDateTime(w.since) })),
  );
  const teachers = rows.map((row) => {
    const assigned = courses.filter((c) => row.cells[c.slug]!.assigned).map((c) => ({ slug: c.slug, title: c.meta.title, ...row.cells[c.slug]! }));
    const overdue = assigned.filter((a) => a.overdue).length;
    const assignedProgress = assigned.length ? assigned.reduce((sum, a) => sum + a.percent, 0) / assigned.length : 100;
    return {
      userId: row.userId,
      name: row.name,
      overdue,
      assignedProgress,
      lastActivityAt: row.lastActivityAt,
      lastActivityText: row.lastActivityAt ? formatDate(row.lastActivityAt) : 'No activity yet',
      assigned: assigned.map((a) => ({ slug: a.slug, title: a.title, percent: a.percent, state: a.state, overdue: a.overdue, dueText: a.dueDate ? `due ${formatDate(`${a.dueDate}T12:00:00Z`)}` : 'no due date' })),
    };
  });
  // Most behind first: overdue courses, then progress on what is assigned, then the least recent activity.
  teachers.sort((a, b) => {
    if (sort === 'name') return a.name.localeCompare(b.name);
    if (sort === 'activity') return (a.lastActivityAt ?? '').localeCompare(b.lastActivityAt ?? '') || a.name.localeCompare(b.name);
    return b.overdue - a.overdue || a.assignedProgress - b.assignedProgress || (a.lastActivityAt ?? '').localeCompare(b.lastActivityAt ?? '') || a.name.localeCompare(b.name);
  });
  return { teachers, sort, awaiting, practice, groups: groups.map((g) => ({ id: g.id, name: g.name, organisationName: g.organisationName, memberCount: g.memberCount })), ...options };
}

export async function action({ request }: ActionFunctionArgs) {
  const viewer = await requireRole(request, 'coach');
  return handleAssignmentAction(viewer, 'coach', await readForm(request), '/coach');
}

const SORT_LABELS: Record<Sort, string> = { behind: 'Most behind first', name: 'Name', activity: 'Least recent activity' };

export default function CoachHome() {
  const { teachers, sort, awaiting, practice, groups, ...options } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  return (
    <div>
      <h1>My coaching</h1>
      <section aria-labelledby="awaiting-title">
        <h2 id="awaiting-title">Waiting for your answer</h2>
        {awaiting.length === 0 ? (
          <p>Nothing waits for you: every reflection shared with you has your reply as its last word.</p>
        ) : (
          <ul className="stack">
            {awaiting.map((w) => (
              <li key={w.reflectionId}>
                <Link to={`/coach/people/${w.ownerId}#reflections`}>
                  {w.ownerName} {w.kind === 'shared' ? 'shared a reflection' : 'replied'}
                </Link>{' '}
                on {w.courseTitle}: {w.moduleTitle} <span className="muted">({w.sinceText})</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="practice-title">
        <h2 id="practice-title">Classroom practice</h2>
        {practice.length === 0 ? (
          <p>No open action steps have been shared with you. When a teacher you coach shares one, it appears here with its follow-up date.</p>
        ) : (
          <>
            <p>
              Open action steps your teachers shared with you: {practice.filter((p) => p.state === 'overdue').length} follow-ups overdue,{' '}
              {practice.filter((p) => p.state === 'due').length} due today, {practice.filter((p) => p.awaitingCoach).length} waiting for your feedback.
            </p>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Open action steps shared with you, overdue and due follow-ups first</caption>
                <thead>
                  <tr>
                    <th scope="col">Teacher</th>
                    <th scope="col">Action step</th>
                    <th scope="col">Follow-up</th>
                    <th scope="col">Waiting for you</th>
                  </tr>
                </thead>
                <tbody>
                  {practice.map((p) => (
                    <tr key={p.stepId}>
                      <th scope="row">
                        <Link to={`/coach/people/${p.ownerId}#practice`}>{p.ownerName}</Link>
                      </th>
                      <td>
                        <Link to={`/practice/${p.stepId}`}>{p.what}</Link>
                        <br />
                        <span className="muted">
                          {p.courseTitle}: {p.moduleTitle}
                        </span>
                      </td>
                      <td>
                        <StepStateBadge state={p.state} /> {p.followUpOnText}
                      </td>
                      <td>{p.awaitingCoach ? 'Yes: they wrote last' : 'No'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      <section aria-labelledby="groups-title">
        <h2 id="groups-title">Your groups</h2>
        {groups.length === 0 ? (
          <p>You do not coach a group yet.</p>
        ) : (
          <ul>
            {groups.map((g) => (
              <li key={g.id}>
                {g.name} ({g.organisationName}): {g.memberCount === 1 ? '1 member' : `${g.memberCount} members`}
              </li>
            ))}
          </ul>
        )}
      </section>
      <h2 id="teachers-title">Your teachers’ progress</h2>
      <nav aria-label="Sort teachers" className="page-actions">
        <span>Sort:</span>
        {SORTS.map((s) => (
          <Link key={s} to={`?${new URLSearchParams({ ...Object.fromEntries(searchParams), sort: s })}`} aria-current={s === sort ? 'true' : undefined}>
            {SORT_LABELS[s]}
          </Link>
        ))}
      </nav>
      {teachers.length === 0 ? (
        <p>You do not coach anyone yet. A leader at your school adds people to your coaching group.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">The teachers you coach, sorted by {SORT_LABELS[sort].toLowerCase()}</caption>
            <thead>
              <tr>
                <th scope="col" aria-sort={sort === 'name' ? 'ascending' : undefined}>
                  Name
                </th>
                <th scope="col">Assigned courses</th>
                <th scope="col" aria-sort={sort === 'behind' ? 'descending' : undefined}>
                  Overdue
                </th>
                <th scope="col" aria-sort={sort === 'activity' ? 'ascending' : undefined}>
                  Last activity
                </th>
              </tr>
            </thead>
            <tbody>
              {teachers.map((t) => (
                <tr key={t.userId}>
                  <th scope="row">
                    <Link to={`/coach/people/${t.userId}`}>{t.name}</Link>
                  </th>
                  <td>
                    {t.assigned.length === 0 ? (
                      <span className="muted">Nothing assigned</span>
                    ) : (
                      <ul className="plain-list">
                        {t.assigned.map((a) => (
                          <li key={a.slug} className={a.overdue ? 'cell--overdue' : undefined}>
                            {a.title}: {a.state === 'completed' ? 'completed' : `${a.percent}%`}, {a.dueText}
                            {a.overdue ? ' (overdue)' : ''}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td className={t.overdue ? 'cell--overdue' : undefined}>{t.overdue ? `${t.overdue} overdue` : 'None'}</td>
                  <td>{t.lastActivityText}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AssignmentPanel {...options} errors={actionData && 'fieldErrors' in actionData ? actionData.fieldErrors : {}} />
    </div>
  );
}
