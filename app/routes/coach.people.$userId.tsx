import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { isCoachOf, requireRole } from '#app/auth/policy.server.ts';
import { formToken } from '#app/auth/tokens.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { sharedReflectionsOf } from '#app/models/coaching.server.ts';
import { handleCommentAction } from '#app/actions/comment.server.ts';
import { coachedPeople } from '#app/models/groups.server.ts';
import { moduleStatuses } from '#app/models/progress.server.ts';
import { describeModuleItem, describeSteps } from '#app/models/item-labels.server.ts';
import { sharedStepsOf } from '#app/models/practice.server.ts';
import { StepCard } from '#app/components/action-step.tsx';
import { CommentThread } from '#app/components/comment-thread.tsx';
import { ModuleStatusBadge } from '#app/components/status.tsx';
import { formatDateTime } from '#app/utils/dates.ts';
import { notFound } from '#app/utils/http.server.ts';
import { readForm } from '#app/utils/forms.ts';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.name ?? 'Teacher'} – My coaching – Kindred` }];

async function requireCoachee(request: Request, raw: string | undefined) {
  const coach = await requireRole(request, 'coach');
  const userId = Number(raw);
  // Anyone outside the coach's groups is "not found": the id reveals nothing.
  if (!Number.isSafeInteger(userId) || userId <= 0 || !(await isCoachOf(coach.id, userId))) throw notFound();
  return { coach, userId };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { coach, userId } = await requireCoachee(request, params.userId);
  const person = (await coachedPeople(coach, { userId }))[0]!;
  const { courses } = getCourseIndex();
  const statuses = await Promise.all(courses.map((c) => moduleStatuses(userId, c.slug)));
  const shared = await sharedReflectionsOf(coach, userId);
  const steps = await describeSteps(await sharedStepsOf(coach, userId));
  const reflections = await Promise.all(
    shared.map(async (r) => ({
      id: r.id,
      ...(await describeModuleItem(r.courseSlug, r.moduleSlug, r.itemId)),
      body: r.body,
      savedAtText: formatDateTime(r.savedAt),
      comments: r.comments.map((c) => ({ id: c.id, authorName: c.authorName, byOwner: c.byOwner, body: c.body, createdAtText: formatDateTime(c.createdAt), unread: false })),
    })),
  );
  return {
    userId,
    name: person.name,
    groups: person.groupNames,
    courses: courses.map((course, i) => ({
      slug: course.slug,
      title: course.meta.title,
      modules: course.modules.map((m) => ({ slug: m.slug, title: m.meta?.title ?? m.slug, status: statuses[i]![m.slug] ?? ('not-started' as const) })),
    })),
    reflections,
    steps,
    submissionKey: formToken(),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { coach, userId } = await requireCoachee(request, params.userId);
  const formData = await readForm(request);
  if (formData.get('intent') !== 'comment') throw notFound();
  return handleCommentAction(coach, formData, `/coach/people/${userId}#reflections`);
}

export default function Coachee() {
  const { name, groups, courses, reflections, steps, submissionKey } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div>
      <p>
        <Link to="/coach">My coaching</Link>
      </p>
      <h1>{name}</h1>
      <p className="muted">In: {groups}</p>
      <h2>Progress</h2>
      {courses.map((course) => (
        <section key={course.slug} aria-labelledby={`course-${course.slug}`}>
          <h3 id={`course-${course.slug}`}>{course.title}</h3>
          <ol>
            {course.modules.map((m) => (
              <li key={m.slug}>
                {m.title} <ModuleStatusBadge status={m.status} />
              </li>
            ))}
          </ol>
        </section>
      ))}
      <h2 id="practice">Action steps {name} shared with you</h2>
      {steps.length === 0 ? (
        <p>{name} has not shared any action steps yet. Action steps stay private until the teacher shares them.</p>
      ) : (
        <ul className="stack plain-list">
          {steps.map((step) => (
            <StepCard key={step.id} step={step}>
              {step.courseTitle}: {step.moduleTitle}. With {step.className}; follow-up {step.followUpOnText}.
            </StepCard>
          ))}
        </ul>
      )}
      <h2 id="reflections">Reflections {name} shared with you</h2>
      {reflections.length === 0 ? <p>{name} has not shared any reflections yet. Reflections stay private until the teacher shares them.</p> : null}
      {reflections.map((r) => (
        <article key={r.id} className="card shared-reflection" aria-labelledby={`reflection-${r.id}`}>
          <h3 id={`reflection-${r.id}`}>
            {r.courseTitle}: {r.moduleTitle}
          </h3>
          <p className="muted">{r.prompt}</p>
          <blockquote className="reflection-body">{r.body}</blockquote>
          <p className="muted">Saved {r.savedAtText}</p>
          <CommentThread
            reflectionId={r.id}
            comments={r.comments}
            replyLabel={`Reply to ${name}`}
            submissionKey={submissionKey}
            error={actionData?.commentError.reflectionId === r.id ? actionData.commentError.message : undefined}
          />
        </article>
      ))}
    </div>
  );
}
