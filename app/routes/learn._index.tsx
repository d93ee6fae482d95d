import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server.ts';
import { listCertificatesOf } from '#app/models/certificates.server.ts';
import { cpdLog } from '#app/models/cpd.server.ts';
import { learnerCourses } from '#app/models/learning-home.server.ts';
import { CpdLogTables } from '#app/components/cpd-log.tsx';
import { formatDate } from '#app/utils/dates.ts';

export const meta: MetaFunction = () => [{ title: 'My learning – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const [courses, certificates, log] = await Promise.all([learnerCourses(user.id), listCertificatesOf(user.id), cpdLog(user.id)]);
  return json({
    name: user.name,
    ...courses,
    certificates: certificates.map((c) => ({ code: c.code, courseTitle: c.courseTitle, completedAtText: formatDate(c.completedAt), revoked: c.revokedAt !== null })),
    log,
  });
}

export default function Learn() {
  const { name, inProgress, notStarted, completed, certificates, log } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1>My learning</h1>
      <p>Welcome, {name}.</p>

      <section aria-labelledby="next-title">
        <h2 id="next-title">What to do next</h2>
        {inProgress.length === 0 ? <p>You have no course in progress. Choose one below to start.</p> : null}
        <ul className="card-list">
          {inProgress.map((course) => (
            <li key={course.slug} className="card">
              <h3>
                <Link to={`/courses/${course.slug}`}>{course.title}</Link>
              </h3>
              <p>
                <span className="badge badge--in-progress">In progress, {course.percent}%</span>
              </p>
              <progress max={100} value={course.percent} aria-label={`${course.title}: ${course.percent}% complete`} />
              <p>
                <Link className="button" to={`/courses/${course.slug}/${course.continueSlug}`} aria-label={`Continue ${course.title}`}>
                  Continue
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
