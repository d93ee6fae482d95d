import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { getSessionUser, requireUser } from '#app/auth/session.server.ts';
import { courseReviewedOn, courseStandards, findCourse } from '#app/content/catalogue.server.ts';
import { describeStandard } from '#app/content/schemas.ts';
import { loadOverview } from '#app/content/modules.server.ts';
import { courseStatuses, moduleStatuses, resumeModuleSlug, startCourse, type ModuleStatus } from '#app/models/progress.server.ts';
import { CourseStatusBadge, ModuleStatusBadge } from '#app/components/status.tsx';
import { formatDate } from '#app/utils/dates.ts';
import { certificateForCourse } from '#app/models/certificates.server.ts';
import { notFound } from '#app/utils/http.server.ts';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.course.title} – Kindred` : 'Course not found – Kindred' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const course = findCourse(params.course);
  if (!course) throw notFound('There is no course at this address.');
  const user = await getSessionUser(request);
  const overview = await loadOverview(course);
  const [statuses, status, resumeSlug] = user
    ? await Promise.all([moduleStatuses(user.id, course.slug), courseStatuses(user.id, [course]), resumeModuleSlug(user.id, course)])
    : [{} as Record<string, ModuleStatus>, null, null];
  const reviewedOn = courseReviewedOn(course);
  const finished = user && status?.[course.slug]?.state === 'completed';
  const certificate = finished ? await certificateForCourse(user.id, course.slug) : null;
  return {
    signedIn: user !== null,
    reviewedOnText: reviewedOn ? formatDate(reviewedOn) : null,
    standards: courseStandards(course).map((code) => ({ code, label: describeStandard(code) })),
    course: { slug: course.slug, title: course.meta.title, summary: course.meta.summary, audience: course.meta.audience, cpdHours: course.meta.cpdHours, outcomes: course.meta.outcomes, version: course.meta.version },
    overview: Array.isArray(overview) ? overview.filter((s) => s.type === 'html').map((s) => s.html).join('') : null,
    modules: course.modules.map((m) => ({ slug: m.slug, title: m.meta?.title ?? m.slug, minutes: m.meta?.minutes ?? null, summary: m.meta?.summary ?? null, status: statuses[m.slug] ?? 'not-started' })),
    status: status?.[course.slug] ?? null,
    resumeSlug,
    certificateCode: certificate?.code ?? null,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const course = findCourse(params.course);
  if (!course) throw notFound('There is no course at this address.');
  const moduleSlug = await startCourse(user.id, course);
  return redirect(`/courses/${course.slug}/${moduleSlug}`);
}

export default function CoursePage() {
  const { course, overview, modules, status, resumeSlug, signedIn, reviewedOnText, standards, certificateCode } = useLoaderData<typeof loader>();
  const firstSlug = modules[0]?.slug;
  return (
    <div>
      <p>
        <Link to="/courses">All courses</Link>
      </p>
      <h1>{course.title}</h1>
      <p className="lead">{course.summary}</p>
      <p className="muted">
        For: {course.audience} · {modules.length} modules · {course.cpdHours} CPD hours · version {course.version}
        {reviewedOnText ? <> · Last reviewed {reviewedOnText}</> : null}
      </p>
      {status ? (
        <p>
          <CourseStatusBadge status={status} />
        </p>
      ) : null}
      <div className="page-actions">
        {!signedIn ? (
          <Link className="button" to={`/sign-in?redirectTo=${encodeURIComponent(`/courses/${course.slug}`)}`}>
            Sign in to start
          </Link>
        ) : status?.state === 'not-started' ? (
          <Form method="post">
            <button type="submit" className="button">
              Start the course
            </button>
          </Form>
        ) : status?.state === 'completed' ? (
          <>
            {certificateCode ? (
              <Link className="button" to={`/certificates/${certificateCode}`}>
                View your certificate
              </Link>
            ) : null}
            <Link className={certificateCode ? 'button button--quiet' : 'button'} to={`/courses/${course.slug}/${firstSlug}`}>
              Review the course
            </Link>
          </>
        ) : (
          <Link className="button" to={`/courses/${course.slug}/${resumeSlug ?? firstSlug}`}>
            Continue
          </Link>
        )}
      </div>
      <h2>What you will be able to do</h2>
      <ul>
        {course.outcomes.map((outcome) => (
          <li key={outcome}>{outcome}</li>
        ))}
      </ul>
      {standards.length > 0 ? (
        <>
          <h2>{"The Teachers' Standards and ITTECF headings it supports"}</h2>
          <ul>
            {standards.map((standard) => (
              <li key={standard.code}>{standard.label}</li>
            ))}
          </ul>
        </>
      ) : null}
      {overview ? <div className="prose" dangerouslySetInnerHTML={{ __html: overview }} /> : null}
      <h2>Modules</h2>
      <ol className="module-list">
        {modules.map((m) => (
          <li key={m.slug}>
            <Link to={`/courses/${course.slug}/${m.slug}`}>{m.title}</Link> {m.minutes ? <span className="muted">({m.minutes} minutes)</span> : null}{' '}
            {signedIn ? <ModuleStatusBadge status={m.status} /> : null}
            {m.summary ? <p className="muted">{m.summary}</p> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
