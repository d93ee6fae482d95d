import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { getSessionUser, requireUser } from '#app/auth/session.server.ts';
import { signInKeepingDraft, takeKeptDraft, type KeptFields } from '#app/auth/kept-drafts.server.ts';
import { gradeCheck, type Answers } from '#app/content/grading.server.ts';
import { CourseHtml } from '#app/content/course-html.tsx';
import { segmentsForData } from '#app/content/course-html.server.ts';
import { actionStepsOf, checksOf, loadModuleBySlugs, reflectionsOf, type ReadyModule } from '#app/content/modules.server.ts';
import { publicQuestions } from '#app/content/schemas.ts';
import { completeModule, getModuleState, moduleStatuses, outstandingItems, recordCheckAttempt, recordVisit, saveReflection } from '#app/models/progress.server.ts';
import { certificateForCourse, issueCertificateOnCompletion } from '#app/models/certificates.server.ts';
import { markRepliesRead, ownReflectionThreads, setReflectionShared } from '#app/models/coaching.server.ts';
import { handleCommentAction } from '#app/actions/comment.server.ts';
import { coachesOf } from '#app/auth/policy.server.ts';
import { formToken } from '#app/auth/tokens.server.ts';
import { ErrorSummary, type Problem } from '#app/components/forms.tsx';
import { KnowledgeCheck, questionInputId, type CheckView } from '#app/components/mdx/knowledge-check.tsx';
import { Reflection, type ReflectionView } from '#app/components/mdx/reflection.tsx';
import { ActionStepPanel } from '#app/components/action-step.tsx';
import { moduleActionSteps } from '#app/models/practice.server.ts';
import { ModuleStatusBadge } from '#app/components/status.tsx';
import { errorTitle } from '#app/components/error-boundary.tsx';
import { formatDateTime } from '#app/utils/dates.ts';
import { badRequest, notFound } from '#app/utils/http.server.ts';
import { readForm, text } from '#app/utils/forms.ts';

export const meta: MetaFunction<typeof loader> = ({ data, error }) => [{ title: data ? `${data.module.title} – ${data.course.title}` : errorTitle(error) }];

async function requireModule(params: LoaderFunctionArgs['params']) {
  const loaded = await loadModuleBySlugs(params.course, params.module);
  if (!loaded) throw notFound('There is no module at this address.');
  return loaded;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const loaded = await requireModule(params);
  const { course, module } = loaded;
  const index = course.modules.indexOf(module);
  const neighbour = (offset: number) => {
    const other = course.modules[index + offset];
    return other ? { slug: other.slug, title: other.meta?.title ?? other.slug } : null;
  };
  const shared = {
    course: { slug: course.slug, title: course.meta.title },
    module: { slug: module.slug, title: module.meta?.title ?? module.slug, summary: module.meta?.summary ?? '', minutes: module.meta?.minutes ?? 0, objectives: module.meta?.objectives ?? [] },
    previous: neighbour(-1),
    next: neighbour(1),
  };
  if (!loaded.ok) {
    console.warn(`[content] module could not be shown: ${loaded.problem}`);
    const statuses = await moduleStatuses(user.id, course.slug);
    return data({ ...shared, broken: loaded.problem, moduleList: moduleList(loaded.course, statuses), page: null }, { status: 500 });
  }
  await recordVisit(user.id, course, module.slug);
  const [state, statuses, threads, coached, kept] = await Promise.all([
    getModuleState(user.id, course.slug, module.slug),
    moduleStatuses(user.id, course.slug),
    ownReflectionThreads(user, course.slug, module.slug),
    coachesOf(user.id),
    takeKeptDraft(request, user),
  ]);
  const submissionKey = formToken();
  const actionSteps = await moduleActionSteps(user.id, course.slug, module.slug, actionStepsOf(loaded.items), submissionKey);
  const certificate = await certificateForCourse(user.id, course.slug);
  // The replies shown now are marked as read; this page is where the learner sees them.
  if (Object.values(threads).some((t) => t.comments.some((c) => c.unread))) await markRepliesRead(user.id, course.slug, module.slug);
  const reflections: Record<string, ReflectionView> = {};
  for (const item of reflectionsOf(loaded.items)) {
    const saved = state.reflections[item.id];
    const thread = threads[item.id];
    reflections[item.id] = {
      id: item.id,
      prompt: item.prompt,
      required: item.required,
      saved: saved ? { body: saved.body, savedAtText: formatDateTime(saved.savedAt) } : null,
      sharing: thread
        ? {
            reflectionId: thread.reflectionId,
            shared: thread.shared,
            coachNames: coached.map((c) => c.name),
            sharedWith: thread.sharedWith,
            submissionKey,
            comments: thread.comments.map((c) => ({ id: c.id, authorName: c.authorName, byOwner: c.byOwner, body: c.body, createdAtText: formatDateTime(c.createdAt), unread: c.unread })),
          }
        : null,
    };
  }
  const checks: Record<string, CheckView> = {};
  for (const item of checksOf(loaded.items)) {
    const attempt = state.attempts[item.id];
    checks[item.id] = {
      id: item.id,
      questions: publicQuestions(item),
      // Explanations are revealed only once the learner has submitted an attempt.
      attempt: attempt
        ? { ...attempt, submittedAtText: formatDateTime(attempt.submittedAt), explanations: Object.fromEntries(item.questions.map((q) => [q.id, q.explanation])) }
        : null,
    };
  }
  return {
    ...shared,
    broken: null,
    moduleList: moduleList(course, statuses),
    page: {
      segments: segmentsForData(loaded.segments, context),
      reflections,
      checks,
      actionSteps,
      outstanding: outstandingItems(loaded.items, state),
      completedAtText: state.completedAt ? formatDateTime(state.completedAt) : null,
      kept: keptWork(kept),
      courseCertificate: certificate ? { code: certificate.code, revoked: certificate.revokedAt !== null } : null,
    },
  };
}

function moduleList(course: ReadyModule['course'], statuses: Record<string, 'not-started' | 'in-progress' | 'completed'>) {
  return course.modules.map((m) => ({ slug: m.slug, title: m.meta?.title ?? m.slug, status: statuses[m.slug] ?? ('not-started' as const) }));
}

const reflectionSchema = z.object({
  itemId: z.string().max(100),
  body: text({ label: 'your reflection', max: 10_000, required: true, multiline: true, missing: 'Write your reflection before saving' }),
});

/** Reads `answer.<questionId>` fields; anything else after the known fields is ignored. */
function readAnswers(formData: FormData): Answers {
  const answers: Answers = {};
  for (const key of new Set(formData.keys())) {
    if (!key.startsWith('answer.')) continue;
    answers[key.slice('answer.'.length)] = formData.getAll(key).map(String);
  }
  return answers;
}

/** A reflection or a check posted after the session ended waits for sign-in; nothing typed is lost. */
async function signInKeepingWork(request: Request): Promise<Response> {
  const formData = await readForm(request, ['answer.']);
  const intent = formData.get('intent');
  const itemId = String(formData.get('itemId') ?? '').slice(0, 100);
  const anchor = itemId ? `#item-${itemId}` : '';
  if (intent === 'reflection') return signInKeepingDraft(request, formData, { keep: (name) => ['intent', 'itemId', 'body'].includes(name), anchor, what: 'reflection' });
  if (intent === 'check') return signInKeepingDraft(request, formData, { keep: (name) => ['intent', 'itemId'].includes(name) || name.startsWith('answer.'), anchor, what: 'answers' });
  return signInKeepingDraft(request, formData, { keep: () => false, anchor, what: null });
}

/** What came back from before sign-in, in the shape the page's forms use. */
function keptWork(fields: KeptFields | null) {
  const itemId = fields?.itemId?.[0];
  if (!fields || !itemId) return null;
  const answers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(fields)) if (name.startsWith('answer.')) answers[name.slice('answer.'.length)] = values;
  return { itemId, body: fields.intent?.[0] === 'reflection' ? (fields.body?.[0] ?? '') : null, answers: fields.intent?.[0] === 'check' ? answers : null };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await getSessionUser(request);
  if (!user) throw await signInKeepingWork(request);
  const loaded = await requireModule(params);
  if (!loaded.ok) throw notFound('This module cannot be used at the moment.');
  const { course, module, items } = loaded;
  const formData = await readForm(request, ['answer.']);
  const intent = formData.get('intent');
  const itemId = String(formData.get('itemId') ?? '');
  // With JavaScript, fetchers want data back; without it, post-redirect-get to the item.
  const enhanced = formData.get('enhanced') === '1';
  const backTo = (anchor: string) => redirect(`/courses/${course.slug}/${module.slug}${anchor}`);

  if (intent === 'reflection') {
    const item = reflectionsOf(items).find((r) => r.id === itemId);
    if (!item) throw badRequest('That reflection is not part of this module.');
    const parsed = reflectionSchema.safeParse({ itemId, body: formData.get('body') ?? undefined });
    // The text goes back with the error, so the page without JavaScript shows it again.
    const body = String(formData.get('body') ?? '');
    if (!parsed.success) return data({ intent, itemId, ok: false, error: parsed.error.issues[0]?.message ?? 'Check your reflection', body }, { status: 400 });
    const savedAt = await saveReflection(user.id, course, module.slug, item.id, parsed.data.body);
    if (!enhanced) return backTo(`#item-${item.id}`);
    return { intent, itemId, ok: true, savedAtText: formatDateTime(savedAt) };
  }

  if (intent === 'check') {
    const check = checksOf(items).find((c) => c.id === itemId);
    if (!check) throw badRequest('That knowledge check is not part of this module.');
    const answers = readAnswers(formData);
    const graded = gradeCheck(check, answers);
    if (!graded.ok && graded.invalid) throw badRequest(graded.invalid);
    if (!graded.ok) {
      return data({ intent, itemId, ok: false, error: 'Answer every question, then check your answers.', unanswered: graded.unanswered, answers }, { status: 400 });
    }
    await recordCheckAttempt(user.id, course, module.slug, check.id, answers, graded.results, graded.passed);
    if (!enhanced) return backTo(`#item-${check.id}`);
    return { intent, itemId, ok: true, passed: graded.passed };
  }

  if (intent === 'share') {
    const item = reflectionsOf(items).find((r) => r.id === itemId);
    if (!item) throw badRequest('That reflection is not part of this module.');
    const shared = formData.get('shared');
    if (shared !== '0' && shared !== '1') throw badRequest('Say whether to share the reflection.');
    if ((await setReflectionShared(user, course.slug, module.slug, item.id, shared === '1')) === null) {
      return data({ intent, itemId, ok: false, error: 'Save your reflection before sharing it.' }, { status: 400 });
    }
    return backTo(`#item-${item.id}`);
  }

  if (intent === 'comment') {
    return handleCommentAction(user, formData, `/courses/${course.slug}/${module.slug}`);
  }

  if (intent === 'complete') {
    const result = await completeModule(user.id, course, module.slug, items, issueCertificateOnCompletion(user.id, course));
    if (!result.ok) {
      return data({ intent, itemId: null, ok: false, error: 'This module is not finished yet.', outstanding: result.outstanding }, { status: 400 });
    }
    return backTo(result.courseCompleted ? '?courseCompleted=1#completion' : '#completion');
  }
  throw badRequest('Unknown form.');
}

type PageData = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['page']>;

function Segments({ page, reply }: { page: PageData; reply: ActionReply | undefined }) {
  const { segments, reflections, checks, actionSteps, kept } = page;
  return (
    <>
      {segments.map((segment, i) => {
        if (segment.type === 'html') return <CourseHtml key={i} segment={segment} />;
        if (segment.type === 'reflection') {
          const reflection = reflections[segment.id];
          const commentError = reply?.commentError && reply.commentError.reflectionId === reflection?.sharing?.reflectionId ? reply.commentError.message : undefined;
          const ownReply = (reply?.intent === 'reflection' || reply?.intent === 'share') && reply.itemId === segment.id ? reply : undefined;
          const keptBody = kept?.itemId === segment.id ? kept.body : null;
          return reflection ? (
            <Reflection key={i} reflection={reflection} commentError={commentError} serverError={ownReply?.error} unsavedBody={ownReply?.body ?? keptBody ?? undefined} restored={!ownReply && keptBody !== null} />
          ) : null;
        }
        if (segment.type === 'action-step') {
          const step = actionSteps[segment.id];
          return step ? <ActionStepPanel key={i} itemId={segment.id} prompt={step.prompt} steps={step.steps} plan={step.plan} /> : null;
        }
        const check = checks[segment.id];
        const keptAnswers = kept?.itemId === segment.id ? kept.answers : null;
        return check ? (
          <KnowledgeCheck
            key={i}
            check={check}
            serverReply={reply?.intent === 'check' && reply.itemId === segment.id ? { itemId: segment.id, error: reply.error, unanswered: reply.unanswered, answers: reply.answers } : undefined}
            keptAnswers={keptAnswers ?? undefined}
          />
        ) : null;
      })}
    </>
  );
}

type ActionReply = {
  intent?: string;
  itemId?: string | null;
  ok?: boolean;
  error?: string;
  body?: string;
  unanswered?: string[];
  answers?: Record<string, string[]>;
  outstanding?: { id: string; label: string }[];
  commentError?: { reflectionId: number; message: string };
};

/** The problems of the last plain-form post, each linking to the field to fix. */
function problemsOf(reply: ActionReply | undefined, page: PageData): Problem[] {
  if (!reply || reply.ok !== false) return [];
  if (reply.intent === 'reflection' && reply.itemId) return [{ href: `#reflection-${reply.itemId}`, text: reply.error ?? 'Check your reflection' }];
  if (reply.intent === 'share' && reply.itemId) return [{ href: `#item-${reply.itemId}`, text: reply.error ?? 'Check your reflection' }];
  if (reply.intent === 'check' && reply.itemId) {
    const questions = page.checks[reply.itemId]?.questions ?? [];
    return questions
      .map((q, index) => ({ q, index }))
      .filter(({ q }) => reply.unanswered?.includes(q.id))
      .map(({ q, index }) => ({ href: `#${questionInputId(reply.itemId!, q.id)}`, text: `Question ${index + 1}: choose an answer` }));
  }
  // What is still missing now, not what was missing when the button was pressed (the learner may
  // have finished the items since, with JavaScript, without leaving the page).
  if (reply.intent === 'complete') return page.outstanding.map((item) => ({ href: `#item-${item.id}`, text: item.label }));
  return [];
}

export default function ModulePage() {
  const data = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as ActionReply | undefined;
  const { course, module, previous, next, moduleList, page } = data;
  const [searchParams] = useSearchParams();
  const problems = page ? problemsOf(reply, page) : [];
  const certificate = page?.courseCertificate ?? null;
  return (
    <div className="module-layout">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/courses">Courses</Link> › <Link to={`/courses/${course.slug}`}>{course.title}</Link>
      </nav>
      <article className="module" aria-labelledby="module-title">
        <h1 id="module-title">{module.title}</h1>
        <ErrorSummary problems={problems} title={reply?.intent === 'complete' ? 'This module is not finished yet' : undefined} />
        {data.broken ? (
          <div className="alert alert--error" role="alert">
            <p>
              <strong>This module cannot be shown right now.</strong> Something in its content needs fixing. The rest of the course still works,
              and your progress is safe.
            </p>
            <details>
              <summary>Details for the course team</summary>
              <p>{data.broken}</p>
            </details>
          </div>
        ) : null}
        {page ? (
          <>
            <p className="lead">{module.summary}</p>
            <p className="muted">About {module.minutes} minutes</p>
            <section aria-labelledby="objectives-title" className="objectives">
              <h2 id="objectives-title">In this module you will</h2>
              <ul>
                {module.objectives.map((o) => (
                  <li key={o}>{o}</li>
                ))}
              </ul>
            </section>
            <Segments page={page} reply={reply} />
            <section id="completion" className="completion" aria-labelledby="completion-title">
              <h2 id="completion-title">Finishing this module</h2>
              {page.completedAtText ? (
                <p className="alert alert--success" role="status">
                  You completed this module on {page.completedAtText}.
                </p>
              ) : page.outstanding.length > 0 ? (
                <>
                  <p>What’s left before you can mark this module complete:</p>
                  <ul className="checklist">
                    {page.outstanding.map((item) => (
                      <li key={item.id}>
                        <a href={`#item-${item.id}`}>{item.label}</a>
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                <p>Everything is done: you can mark this module complete.</p>
              )}
              {reply?.intent === 'complete' && page.outstanding.length > 0 && !page.completedAtText ? (
                <div className="alert alert--error" id="completion-error">
                  <p>This module is not finished yet. Still to do:</p>
                  <ul>
                    {page.outstanding.map((item) => (
                      <li key={item.id}>
                        <a href={`#item-${item.id}`}>{item.label}</a>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null}
              {!page.completedAtText ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="complete" />
                  <button type="submit" className="button">
                    Mark module complete
                  </button>
                </Form>
              ) : null}
            </section>
            {certificate ? (
              <section className="course-complete" aria-labelledby="course-complete-title" id="course-complete">
                <h2 id="course-complete-title">{searchParams.get('courseCompleted') ? 'You have finished the course' : 'Course complete'}</h2>
                <p>
                  Well done: you have completed every module of <strong>{course.title}</strong>.{' '}
                  {certificate.revoked ? 'Its certificate has been revoked.' : 'Your certificate is ready, and it is in your CPD log.'}
                </p>
                <p className="page-actions">
                  <Link className="button" to={`/certificates/${certificate.code}`}>
                    View your certificate
                  </Link>
                  <a className="button button--quiet" href={`/certificates/${certificate.code}/pdf`} download>
                    Download the certificate (PDF)
                  </a>
                </p>
              </section>
            ) : null}
          </>
        ) : null}
        <nav aria-label="Previous and next module" className="page-actions pager no-print">
          {previous ? (
            <Link to={`/courses/${course.slug}/${previous.slug}`} className="button button--quiet">
              ← Previous: {previous.title}
            </Link>
          ) : null}
          {next ? (
            <Link to={`/courses/${course.slug}/${next.slug}`} className="button">
              Next: {next.title} →
            </Link>
          ) : (
            <Link to={`/courses/${course.slug}`} className="button">
              Back to the course
            </Link>
          )}
        </nav>
      </article>
      <nav aria-label="Modules in this course" className="module-nav no-print">
        <p>
          <strong>{course.title}</strong>
        </p>
        <ol>
          {moduleList.map((m) => (
            <li key={m.slug}>
              <Link to={`/courses/${course.slug}/${m.slug}`} aria-current={m.slug === module.slug ? 'page' : undefined}>
                {m.title}
              </Link>{' '}
              <ModuleStatusBadge status={m.status} />
            </li>
          ))}
        </ol>
      </nav>
    </div>
  );
}
