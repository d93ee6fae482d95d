import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server.ts';
import { assignmentsForLearner } from '#app/models/assignments.server.ts';
import { listCertificatesOf } from '#app/models/certificates.server.ts';
import { recentReplies } from '#app/models/coaching.server.ts';
import { describeModuleItem, describeSteps } from '#app/models/item-labels.server.ts';
import { ownSteps } from '#app/models/practice.server.ts';
import { StepStateBadge } from '#app/components/action-step.tsx';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { cpdLog } from '#app/models/cpd.server.ts';
import { learnerCourses } from '#app/models/learning-home.server.ts';
import { CpdLogTables } from '#app/components/cpd-log.tsx';
import { CourseProgress } from '#app/components/course-progress.tsx';
import { formatDate, formatDateTime } from '#app/utils/dates.ts';

export const meta: MetaFunction = () => [{ title: 'My learning – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const [courses, certificates, log, assignments, replies, steps] = await Promise.all([
    learnerCourses(user.id),
    listCertificatesOf(user.id),
    cpdLog(user.id),
    assignmentsForLearner(user.id),
    recentReplies(user.id),
    ownSteps(user.id),
  ]);
  const openSteps = steps.filter((s) => s.state !== 'closed');
  const waiting = openSteps.filter((s) => s.state === 'due' || s.state === 'overdue' || s.unreadNotes > 0);
  const today = ukDate(nowIso());
  const allCourses = [...courses.inProgress, ...courses.notStarted, ...courses.completed];
  const assigned = assignments
    .map((a) => {
      const course = allCourses.find((c) => c.slug === a.courseSlug);
      if (!course) return null;
      const done = course.completedAtText !== null;
      return {
        slug: course.slug,
        title: course.title,
        percent: course.percent,
        continueSlug: course.continueSlug,
        modules: course.modules,
        minutesLeft: course.minutesLeft,
        completedAtText: course.completedAtText,
        assignedBy: a.assignedBy,
        dueText: a.dueDate ? formatDate(`${a.dueDate}T12:00:00Z`) : null,
        overdue: !done && a.dueDate !== null && a.dueDate < today,
      };
    })
    .filter((a): a is NonNullable<typeof a> => a !== null)
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || Number(a.completedAtText !== null) - Number(b.completedAtText !== null));
  const assignedSlugs = new Set(assigned.map((a) => a.slug));
  return {
    name: user.name,
    assigned,
    inProgress: courses.inProgress.filter((c) => !assignedSlugs.has(c.slug)),
    notStarted: courses.notStarted.filter((c) => !assignedSlugs.has(c.slug)),
    completed: courses.completed,
    replies: await Promise.all(
      replies.map(async (r) => ({ ...(await describeModuleItem(r.courseSlug, r.moduleSlug, r.itemId)), authorName: r.authorName, body: r.body, createdAtText: formatDateTime(r.createdAt), unread: r.unread })),
    ),
    certificates: certificates.map((c) => ({ code: c.code, courseTitle: c.courseTitle, completedAtText: formatDate(c.completedAt), revoked: c.revokedAt !== null })),
    log,
    practice: { waiting: await describeSteps(waiting), openCount: openSteps.length, total: steps.length },
  };
}

export default function Learn() {
  const { name, assigned, inProgress, notStarted, completed, certificates, log, replies, practice } = useLoaderData<typeof loader>();
  const unread = replies.filter((r) => r.unread).length;
  return (
    <div>
      <h1>My learning</h1>
      <p>Welcome, {name}.</p>

      {practice.waiting.length > 0 ? (
        <section aria-labelledby="practice-due-title" className="card">
          <h2 id="practice-due-title">How did it go?</h2>
          <p>You planned to try {practice.waiting.length === 1 ? 'this' : 'these'} in class. Say how it went, or choose a new date.</p>
          <ul className="stack plain-list">
            {practice.waiting.map((step) => (
              <li key={step.id}>
                <StepStateBadge state={step.state} /> <Link to={`/practice/${step.id}${step.state === 'due' || step.state === 'overdue' ? '#follow-up' : '#thread'}`}>{step.what}</Link>{' '}
                <span className="muted">
                  (with {step.className}, {step.followUpOnText}
                  {step.unreadNotes > 0 ? '; a new note from your coach' : ''})
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {assigned.length > 0 ? (
        <section aria-labelledby="assigned-title">
          <h2 id="assigned-title">Assigned to you</h2>
          <ul className="card-list">
            {assigned.map((a) => (
              <li key={a.slug} className={a.overdue ? 'card card--overdue' : 'card'}>
                <h3>
                  <Link to={`/courses/${a.slug}`}>{a.title}</Link>
                </h3>
                <p>
                  {a.completedAtText ? (
                    <span className="badge badge--completed">Completed {a.completedAtText}</span>
                  ) : a.overdue ? (
                    <span className="badge badge--overdue">Overdue: was due {a.dueText}</span>
                  ) : (
                    <span className="badge badge--in-progress">{a.dueText ? `Due ${a.dueText}` : 'No due date'}</span>
                  )}
                </p>
                <p className="muted">Assigned by {a.assignedBy}</p>
                <CourseProgress title={a.title} modules={a.modules} minutesLeft={a.minutesLeft} />
                {!a.completedAtText ? (
                  <p>
                    <Link className="button" to={a.continueSlug ? `/courses/${a.slug}/${a.continueSlug}` : `/courses/${a.slug}`}>
                      {a.continueSlug ? 'Continue' : 'Start'}
                      <span className="visually-hidden"> {a.title}</span>
                      {a.continueSlug ? ` (${a.percent}%)` : ''}
                    </Link>
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {replies.length > 0 ? (
        <section aria-labelledby="replies-title">
          <h2 id="replies-title">Replies from your coach{unread ? ` (${unread} new)` : ''}</h2>
          <ul>
            {replies.map((r, i) => (
              <li key={i} className={r.unread ? 'unread' : undefined}>
                {r.unread ? <span className="badge badge--in-progress">New</span> : null} <strong>{r.authorName}</strong> on your reflection in{' '}
                {r.href ? <Link to={r.href}>{r.moduleTitle}</Link> : r.moduleTitle} ({r.createdAtText}): <span className="comment-body">{r.body}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="next-title">
        <h2 id="next-title">What to do next</h2>
        {inProgress.length > 0 ? null : notStarted.length > 0 ? (
          <p>You have no other course in progress. Choose one below to start.</p>
        ) : completed.length > 0 ? (
          <p>You have finished every course you have started, and there is no other course to start yet. Well done: your certificates are below.</p>
        ) : (
          <p>
            Nothing in progress. <Link to="/courses">Browse the courses</Link> to start one.
          </p>
        )}
        <ul className="card-list">
          {inProgress.map((course) => (
            <li key={course.slug} className="card">
              <h3>
                <Link to={`/courses/${course.slug}`}>{course.title}</Link>
              </h3>
              <p>
                <span className="badge badge--in-progress">In progress, {course.percent}%</span>
              </p>
              <CourseProgress title={course.title} modules={course.modules} minutesLeft={course.minutesLeft} />
              <p>
                <Link className="button" to={`/courses/${course.slug}/${course.continueSlug}`}>
                  Continue<span className="visually-hidden"> {course.title}</span> ({course.percent}%)
                </Link>
              </p>
            </li>
          ))}
        </ul>
      </section>

      {notStarted.length > 0 ? (
        <section aria-labelledby="not-started-title">
          <h2 id="not-started-title">Courses you have not started</h2>
          <ul className="card-list">
            {notStarted.map((course) => (
              <li key={course.slug} className="card">
                <h3>
                  <Link to={`/courses/${course.slug}`}>{course.title}</Link>
                </h3>
                <p>{course.summary}</p>
                <p className="muted">
                  {course.moduleCount} modules · {course.cpdHours} CPD hours
                </p>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {completed.length > 0 ? (
        <section aria-labelledby="completed-title">
          <h2 id="completed-title">Completed courses</h2>
          <ul>
            {completed.map((course) => (
              <li key={course.slug}>
                <Link to={`/courses/${course.slug}`}>{course.title}</Link>, completed on {course.completedAtText}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="practice-title">
        <h2 id="practice-title">My action steps</h2>
        <p>
          {practice.total === 0
            ? 'Most modules end with an action step: something small to try with a class. Plan one there, and Kindred asks how it went on the day you choose.'
            : `${practice.openCount === 1 ? '1 action step is' : `${practice.openCount} action steps are`} open, of ${practice.total} you have planned.`}{' '}
          <Link to="/learn/practice">See all my action steps</Link>
        </p>
      </section>

      <section aria-labelledby="certificates-title">
        <h2 id="certificates-title">My certificates</h2>
        {certificates.length === 0 ? (
          <p>Finish a course and its certificate appears here straight away.</p>
        ) : (
          <ul>
            {certificates.map((c) => (
              <li key={c.code}>
                <strong>{c.courseTitle}</strong>, {c.completedAtText}
                {c.revoked ? ' (revoked)' : ''}: <Link to={`/certificates/${c.code}`}>verification page ({c.code})</Link> ·{' '}
                <a href={`/certificates/${c.code}/pdf`} download>
                  PDF<span className="visually-hidden"> of the {c.courseTitle} certificate</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="cpd-title">
        <h2 id="cpd-title">My CPD log</h2>
        <p className="page-actions">
          <Link className="button button--quiet" to="/learn/cpd">
            Add or edit other CPD
          </Link>
          <a href="/learn/cpd.csv" download>
            Download the log as a spreadsheet (CSV)
          </a>
        </p>
        <CpdLogTables log={log} />
      </section>
    </div>
  );
}
