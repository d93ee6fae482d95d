import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server.ts';
import { AccessDenied } from '#app/auth/policy.server.ts';
import { formToken } from '#app/auth/tokens.server.ts';
import { actionStepsOf, loadModuleBySlugs } from '#app/content/modules.server.ts';
import { describeSteps } from '#app/models/item-labels.server.ts';
import { MAX_DAYS_AHEAD, ownSteps, planActionStep, StepNotOpen } from '#app/models/practice.server.ts';
import { planSchema } from '#app/models/practice-form.ts';
import { addDays } from '#app/mail/schedule.server.ts';
import { ActionStepPlanForm, planProblems, StepCard } from '#app/components/action-step.tsx';
import { ErrorSummary } from '#app/components/forms.tsx';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { redirectWithFlash } from '#app/utils/flash.server.ts';
import { parseForm, readForm } from '#app/utils/forms.ts';
import { badRequest, notFound } from '#app/utils/http.server.ts';

// A teacher's classroom action steps, and where every plan form posts (from a module, or from a
// step for a repeat or a next step). A refused plan comes back here with its errors by its fields.

export const meta: MetaFunction = () => [{ title: 'My action steps – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const steps = await describeSteps(await ownSteps(user.id));
  const today = ukDate(nowIso());
  return { steps, today, maxDate: addDays(today, MAX_DAYS_AHEAD) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readForm(request);
  if (formData.get('intent') !== 'plan') throw badRequest('Unknown form.');
  const courseSlug = String(formData.get('course') ?? '');
  const moduleSlug = String(formData.get('module') ?? '');
  const itemId = String(formData.get('item') ?? '');
  const loaded = await loadModuleBySlugs(courseSlug, moduleSlug);
  const item = loaded?.ok ? actionStepsOf(loaded.items).find((i) => i.id === itemId) : undefined;
  if (!loaded?.ok || !item) throw notFound('That action step is not part of a module.');
  const previousRaw = formData.get('previousStepId');
  const previousStepId = previousRaw === null ? undefined : Number(previousRaw);
  if (previousStepId !== undefined && (!Number.isSafeInteger(previousStepId) || previousStepId <= 0)) throw notFound();
  const endRaw = formData.get('endPreviousAs');
  const endPreviousAs = endRaw === 'repeated' || endRaw === 'carried' ? endRaw : undefined;
  const returnTo = formData.get('returnTo') === 'step' ? 'step' : 'module';
  const today = ukDate(nowIso());
  const submissionKey = String(formData.get('submissionKey') ?? '').slice(0, 64) || null;
  const parsed = parseForm(planSchema(today), formData);
  const refused = (errors: Record<string, string | undefined>) =>
    data(
      {
        errors,
        values: { what: String(formData.get('what') ?? ''), className: String(formData.get('className') ?? ''), followUpOn: String(formData.get('followUpOn') ?? ''), successLooksLike: String(formData.get('successLooksLike') ?? '') },
        form: { courseSlug, moduleSlug, itemId, prompt: item.prompt, moduleTitle: loaded.module.meta?.title ?? moduleSlug, previousStepId: previousStepId ?? null, endPreviousAs: endPreviousAs ?? null, returnTo, submissionKey: submissionKey ?? formToken() },
      },
      { status: 400 },
    );
  if (!parsed.success) return refused(parsed.fieldErrors);
  let stepId: number;
  try {
    stepId = await planActionStep(user, { courseSlug, moduleSlug, itemId }, parsed.data, { submissionKey, previousStepId, endPreviousAs });
  } catch (error) {
    if (error instanceof AccessDenied) throw notFound();
    if (error instanceof StepNotOpen) return refused({ form: error.message });
    throw error;
  }
  const message = `Action step saved. Kindred will ask how it went on ${formatDate(`${parsed.data.followUpOn}T12:00:00Z`)}.`;
  return redirectWithFlash(returnTo === 'step' ? `/practice/${stepId}` : `/courses/${courseSlug}/${moduleSlug}#item-${itemId}`, message);
}

const GROUPS = [
  { title: 'Waiting for you: how did it go?', states: ['overdue', 'due'] },
  { title: 'Planned', states: ['planned'] },
  { title: 'Followed up: close it, try it again, or plan the next step', states: ['followed-up'] },
  { title: 'Closed', states: ['closed'] },
] as const;

export default function PracticeList() {
  const { steps, today, maxDate } = useLoaderData<typeof loader>();
  const refused = useActionData<typeof action>();
  return (
    <div>
      <p>
        <Link to="/learn">Back to my learning</Link>
      </p>
      <h1>My action steps</h1>
      <p>
        The things you planned to try with a class, from the action steps in your courses. On the date you chose, Kindred asks how it went. Each stays private to you unless you
        share it with your coach; leaders see only how many steps were planned and followed up, never what you wrote.
      </p>
      {refused ? (
        <section aria-labelledby="refused-title" className="card">
          <h2 id="refused-title">Plan your action step: {refused.form.moduleTitle}</h2>
          <ErrorSummary problems={planProblems(refused.errors, 'refused', '#refused-title')} />
          <p className="action-step__prompt">{refused.form.prompt}</p>
          <ActionStepPlanForm
            courseSlug={refused.form.courseSlug}
            moduleSlug={refused.form.moduleSlug}
            itemId={refused.form.itemId}
            previousStepId={refused.form.previousStepId ?? undefined}
            endPreviousAs={refused.form.endPreviousAs ?? undefined}
            returnTo={refused.form.returnTo}
            submissionKey={refused.form.submissionKey}
            today={today}
            maxDate={maxDate}
            values={refused.values}
            errors={refused.errors}
            submitLabel="Save my action step"
            idPrefix="refused"
          />
        </section>
      ) : null}
      {steps.length === 0 ? (
        <p>
          You have not planned an action step yet. Most modules end with one: find it just before the knowledge check, under “Try it in class”.{' '}
          <Link to="/courses">Go to the courses</Link>.
        </p>
      ) : (
        GROUPS.map((group) => {
          const inGroup = steps.filter((s) => (group.states as readonly string[]).includes(s.state));
          if (inGroup.length === 0) return null;
          return (
            <section key={group.title} aria-label={group.title}>
              <h2>{group.title}</h2>
              <ul className="stack plain-list">
                {inGroup.map((step) => (
                  <StepCard key={step.id} step={step}>
                    {step.courseTitle}: {step.moduleTitle}. With {step.className}; follow-up {step.followUpOnText}.{step.shared ? ' Shared with your coach.' : ' Private.'}
                    {step.unreadNotes > 0 ? ` ${step.unreadNotes === 1 ? 'A new note' : `${step.unreadNotes} new notes`} from your coach.` : ''}
                  </StepCard>
                ))}
              </ul>
            </section>
          );
        })
      )}
    </div>
  );
}

