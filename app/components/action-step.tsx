import type { ReactNode } from 'react';
import { Form, Link } from '@remix-run/react';
import { Field, TextAreaField, type Problem } from '#app/components/forms.tsx';
import type { FieldErrors } from '#app/utils/forms.ts';

// The practice cycle's pieces (docs/decisions/019-practice-cycles.md): the plan form (on the module
// page, on a step's page for a repeat or a next step, and again with its errors on /learn/practice),
// a step's state as text, and the module page's panel. Plain forms: they work without JavaScript.

export type StepStateName = 'planned' | 'due' | 'overdue' | 'followed-up' | 'closed';

const STATE_TEXT: Record<StepStateName, string> = {
  planned: 'Planned',
  due: 'Follow-up due today',
  overdue: 'Follow-up overdue',
  'followed-up': 'Followed up',
  closed: 'Closed',
};

const STATE_CLASS: Record<StepStateName, string> = {
  planned: 'badge--not-started',
  due: 'badge--in-progress',
  overdue: 'badge--overdue',
  'followed-up': 'badge--completed',
  closed: 'badge--not-started',
};

export function StepStateBadge({ state }: { state: StepStateName }) {
  return <span className={`badge ${STATE_CLASS[state]}`}>{STATE_TEXT[state]}</span>;
}

/** One step in a list: its state, what it is (a link to its thread), and a line about it. */
export function StepCard({ step, children }: { step: { id: number; what: string; state: StepStateName }; children: ReactNode }) {
  return (
    <li className="card">
      <p>
        <StepStateBadge state={step.state} /> <Link to={`/practice/${step.id}`}>{step.what}</Link>
      </p>
      <p className="muted">{children}</p>
    </li>
  );
}

export interface PlanFormValues {
  what?: string;
  className?: string;
  followUpOn?: string;
  successLooksLike?: string;
}

export interface PlanFormProps {
  /** Where the step comes from: the module's <ActionStep>. */
  courseSlug: string;
  moduleSlug: string;
  itemId: string;
  /** For a repeat or a next step: the step it follows, and how that one ends. */
  previousStepId?: number;
  endPreviousAs?: 'repeated' | 'carried';
  /** Where to go once it is saved: back to the module, or to the new step's page. */
  returnTo: 'module' | 'step';
  submissionKey: string;
  today: string;
  maxDate: string;
  values?: PlanFormValues;
  errors?: FieldErrors;
  submitLabel: string;
  /** Makes the field ids unique when a page shows more than one plan form. */
  idPrefix: string;
}

const PLAN_FIELD_IDS: Record<string, string> = { what: 'what', className: 'class', followUpOn: 'date', successLooksLike: 'success' };

/** A refused plan's errors for the error summary, each linking to its field (`form` to `formAnchor`). */
export function planProblems(errors: Record<string, string | undefined>, idPrefix: string, formAnchor: string): Problem[] {
  return Object.entries(errors)
    .filter((entry): entry is [string, string] => Boolean(entry[1]))
    .map(([field, message]) => ({ href: PLAN_FIELD_IDS[field] ? `#${idPrefix}-${PLAN_FIELD_IDS[field]}` : formAnchor, text: message }));
}

/** What, with which class, by when, and how they will know: the four questions of a plan. */
export function ActionStepPlanForm(props: PlanFormProps) {
  const { values = {}, errors = {}, idPrefix } = props;
  return (
    <Form method="post" action="/learn/practice" className="stack" noValidate>
      <input type="hidden" name="intent" value="plan" />
      <input type="hidden" name="course" value={props.courseSlug} />
      <input type="hidden" name="module" value={props.moduleSlug} />
      <input type="hidden" name="item" value={props.itemId} />
      <input type="hidden" name="returnTo" value={props.returnTo} />
      <input type="hidden" name="submissionKey" value={props.submissionKey} />
      {props.previousStepId ? <input type="hidden" name="previousStepId" value={props.previousStepId} /> : null}
      {props.endPreviousAs ? <input type="hidden" name="endPreviousAs" value={props.endPreviousAs} /> : null}
      <TextAreaField id={`${idPrefix}-what`} label="What will you try?" name="what" rows={3} defaultValue={values.what} error={errors.what} hint="One small, specific change: the routine, the words you will use, when in the lesson." />
      <Field id={`${idPrefix}-class`} label="With which class?" name="className" defaultValue={values.className} error={errors.className} hint="For example: 8R2, period 3 on Tuesdays." autoComplete="off" />
      <Field
        id={`${idPrefix}-date`}
        label="By when? Kindred asks how it went on this day"
        name="followUpOn"
        type="date"
        min={props.today}
        max={props.maxDate}
        defaultValue={values.followUpOn}
        error={errors.followUpOn}
      />
      <TextAreaField
        id={`${idPrefix}-success`}
        label="How will you know it worked?"
        name="successLooksLike"
        rows={3}
        defaultValue={values.successLooksLike}
        error={errors.successLooksLike}
        hint="What you would see or hear from pupils if it worked."
      />
      <div className="page-actions">
        <button type="submit" className="button">
          {props.submitLabel}
        </button>
      </div>
    </Form>
  );
}

export interface ModuleStepView {
  id: number;
  what: string;
  className: string;
  followUpOnText: string;
  state: StepStateName;
}

/** The module page's action step: the suggestion, the teacher's steps from it, and a plan form when none is open. */
export function ActionStepPanel({
  itemId,
  prompt,
  steps,
  plan,
}: {
  itemId: string;
  prompt: string;
  steps: ModuleStepView[];
  /** The plan form's settings, or null while a step from here is still open. */
  plan: Omit<PlanFormProps, 'itemId' | 'submitLabel' | 'idPrefix' | 'returnTo'> | null;
}) {
  const titleId = `action-step-${itemId}-title`;
  return (
    <section className="action-step" id={`item-${itemId}`} aria-labelledby={titleId}>
      <h2 id={titleId} className="action-step__title">
        Try it in class: an action step
      </h2>
      <p className="action-step__prompt">{prompt}</p>
      <p className="muted">Plan it here; on the date you choose, Kindred asks how it went. It is private to you unless you share it with your coach. It is not needed to complete the module.</p>
      {steps.length > 0 ? (
        <ul className="stack plain-list">
          {steps.map((step) => (
            <StepCard key={step.id} step={step}>
              With {step.className}; follow-up {step.followUpOnText}
            </StepCard>
          ))}
        </ul>
      ) : null}
      {plan ? <ActionStepPlanForm {...plan} itemId={itemId} returnTo="module" submitLabel="Save my action step" idPrefix={`plan-${itemId}`} /> : null}
    </section>
  );
}
