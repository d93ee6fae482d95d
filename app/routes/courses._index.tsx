import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Link, useLoaderData } from '@remix-run/react';
import { getSessionUser } from '#app/auth/session.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { courseStatuses } from '#app/models/progress.server.ts';
import { CourseStatusBadge } from '#app/components/status.tsx';

export const meta: MetaFunction = () => [{ title: 'Courses – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getSessionUser(request);
  const { courses } = getCourseIndex();
  const statuses = user ? await courseStatuses(user.id, courses) : null;
  return {
    signedIn: user !== null,
    courses: courses.map((course) => ({
      slug: course.slug,
      title: course.meta.title,
      summary: course.meta.summary,
      audience: course.meta.audience,
      cpdHours: course.meta.cpdHours,
      moduleCount: course.modules.length,
      status: statuses?.[course.slug] ?? null,
    })),
  };
}

export default function Catalogue() {
  const { courses, signedIn } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1>Courses</h1>
      {!signedIn ? (
        <p>
          <Link to="/sign-in?redirectTo=%2Fcourses">Sign in</Link> to start a course and keep your progress.
        </p>
      ) : null}
      {courses.length === 0 ? <p>There are no courses yet.</p> : null}
      <ul className="card-list">
        {courses.map((course) => (
          <li key={course.slug} className="card">
            <h2>
              <Link to={`/courses/${course.slug}`}>{course.title}</Link>
            </h2>
            {course.status ? (
              <p>
                <CourseStatusBadge status={course.status} />
              </p>
            ) : null}
            <p>{course.summary}</p>
            <p className="muted">For: {course.audience}</p>
            <p className="muted">
              {course.moduleCount} modules · {course.cpdHours} CPD hours
            </p>
          </li>
        ))}
      </ul>
    </div>
  );
}
