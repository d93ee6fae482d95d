import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useLocation } from '@remix-run/react';
import { AccessDenied, coachesOf } from '#app/auth/policy.server.ts';
import { requireUser } from '#app/auth/session.server.ts';
import { formToken } from '#app/auth/tokens.server.ts';
import { describeModuleItem } from '#app/models/item-labels.server.ts';
import { addStepNote, closeStep, markStepNotesRead, MAX_DAYS_AHEAD, NOTE_KIND_TEXT, OUTCOME_TEXT, recordFollowUp, setStepShared, StepNotOpen, stepThread } from '#app/models/practice.server.ts';
import { followUpSchema, noteSchema } from '#app/models/practice-form.ts';
import { addDays } from '#app/mail/schedule.server.ts';
import { ActionStepPlanForm, StepStateBadge } from '#app/components/action-step.tsx';
import { errorTitle } from '#app/components/error-boundary.tsx';
import { ErrorSummary, Field, SelectField, TextAreaField, type Problem } from '#app/components/forms.tsx';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { formatDate, formatDateTime } from '#app/utils/dates.ts';
import { redirectWithFlash } from '#app/utils/flash.server.ts';
import { parseForm, readForm } from '#app/utils/forms.ts';
import { badRequest, notFound } from '#app/utils/http.server.ts';

// One action step and its thread, for the teacher who planned it and for a coach it is shared
// with (who coaches them now); anyone else gets "not found", so an id reveals nothing.

export const meta: MetaFunction<typeof loader> = ({ data, error }) => [{ title: data ? `Action step: ${data.label.moduleTitle} – Kindred` : errorTitle(error) }];

function stepIdOf(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw notFound();
  return id;
}

const dayText = (date: string) => formatDate(`${date}T12:00:00Z`);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const thread = await stepThread(user, stepIdOf(params.id));
  if (!thread) throw notFound();
  const isOwner = thread.ownerId === user.id;
  if (isOwner && thread.notes.some((n) => n.unread)) await markStepNotesRead(user.id, thread.id);
  const label = await describeModuleItem(thread.ref.courseSlug, thread.ref.moduleSlug, thread.ref.itemId);
  const today = ukDate(nowIso());
  // A next step starts from what the coach agreed, or else from what the teacher said they would do next.
  const agreed = [...thread.notes].reverse().find((n) => n.kind === 'agreed-next')?.body ?? [...thread.notes].reverse().find((n) => n.kind === 'follow-up' && n.next)?.next ?? '';
  return {
    isOwner,
    label,
    step: {
      id: thread.id,
      ownerId: thread.ownerId,
      ownerName: thread.ownerName,
      ref: thread.ref,
      plan: thread.plan,
      followUpOnText: dayText(thread.plan.followUpOn),
      status: thread.status,
      state: thread.state,
      outcomeText: thread.outcome ? OUTCOME_TEXT[thread.outcome] : null,
      endedAs: thread.endedAs,
      minutesGiven: thread.minutesGiven,
      createdAtText: formatDateTime(thread.createdAt),
      shared: thread.shared,
      sharedWith: thread.sharedWith,
      earlier: thread.earlier.map((e) => ({ id: e.id, what: e.what, outcomeText: e.outcome ? OUTCOME_TEXT[e.outcome] : 'Not followed up', followUpOnText: dayText(e.followUpOn) })),
      laterId: thread.laterId,
      notes: thread.notes.map((n) => ({
        id: n.id,
        kindText: n.kind === 'follow-up' && n.outcome ? `${NOTE_KIND_TEXT[n.kind]}: ${OUTCOME_TEXT[n.outcome].toLowerCase()}` : NOTE_KIND_TEXT[n.kind],
        authorName: n.authorName,
        byOwner: n.byOwner,
        body: n.body,
        next: n.next,
        createdAtText: formatDateTime(n.createdAt),
        unread: n.unread,
      })),
    },
    coachNames: isOwner ? (await coachesOf(user.id)).map((c) => c.name) : [],
    nextStepDraft: agreed,
    today,
    maxDate: addDays(today, MAX_DAYS_AHEAD),
    submissionKey: formToken(),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const stepId = stepIdOf(params.id);
  const formData = await readForm(request);
  const intent = formData.get('intent');
  const submissionKey = String(formData.get('submissionKey') ?? '').slice(0, 64) || null;
  const back = `/practice/${stepId}`;
  const values = Object.fromEntries([...formData].filter(([k]) => k !== 'submissionKey').map(([k, v]) => [k, String(v)]));
  try {
    if (intent === 'follow-up') {
      const parsed = parseForm(followUpSchema(ukDate(nowIso())), formData);
      if (!parsed.success) return data({ intent, errors: parsed.fieldErrors, values }, { status: 400 });
      await recordFollowUp(user, stepId, parsed.data, submissionKey);
      const message =
        parsed.data.outcome === 'not-yet'
          ? `Saved. Kindred will ask again on ${dayText(parsed.data.newDate!)}.`
          : 'Saved: how it went is in the thread. Now close the step, try it again, or plan the next step.';
      return redirectWithFlash(`${back}#thread`, message);
    }
    if (intent === 'close') {
      await closeStep(user, stepId);
      return redirectWithFlash(back, 'Action step closed.');
    }
    if (intent === 'share') {
      const shared = formData.get('shared');
      if (shared !== '0' && shared !== '1') throw badRequest('Say whether to share the step.');
      const names = await setStepShared(user, stepId, shared === '1');
      return redirectWithFlash(back, names.length > 0 ? `Shared with ${names.join(' and ')}.` : 'This step is private to you now.');
    }
    if (intent === 'note') {
      const parsed = parseForm(noteSchema, formData);
      if (!parsed.success) return data({ intent, errors: parsed.fieldErrors, values }, { status: 400 });
      await addStepNote(user, stepId, parsed.data.kind, parsed.data.body, submissionKey);
      return redirectWithFlash(`${back}#thread`, parsed.data.kind === 'reply' ? 'Your reply is in the thread.' : `${NOTE_KIND_TEXT[parsed.data.kind]} added to the thread.`);
    }
  } catch (error) {
    if (error instanceof AccessDenied) throw notFound();
    if (error instanceof StepNotOpen) return data({ intent, errors: { form: error.message } as Record<string, string | undefined>, values }, { status: 409 });
    throw error;
  }
  throw badRequest('Unknown form.');
}

const FIELD_ANCHORS: Record<string, string> = { outcome: 'outcome-as-planned', happened: 'follow-up-happened', next: 'follow-up-next', minutesGiven: 'follow-up-minutes', newDate: 'follow-up-date', body: 'note-body', kind: 'note-kind' };

export default function PracticeStep() {
  const { isOwner, label, step, coachNames, nextStepDraft, today, maxDate, submissionKey } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const location = useLocation();
  const errors = reply?.errors ?? {};
  const values = reply?.values ?? {};
  const problems: Problem[] = Object.entries(errors)
    .filter((entry): entry is [string, string] => Boolean(entry[1]))
    .map(([field, message]) => ({ href: `#${FIELD_ANCHORS[field] ?? 'thread'}`, text: message }));
  const planned = step.status === 'planned';
  const coachCanWrite = !isOwner;
  return (
    <div className="practice-step">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        {isOwner ? <Link to="/learn/practice">My action steps</Link> : <Link to={`/coach/people/${step.ownerId}#practice`}>{step.ownerName}</Link>}
      </nav>
      <h1>{isOwner ? 'Your action step' : `${step.ownerName}’s action step`}</h1>
      <ErrorSummary problems={problems} />
      <p>
        <StepStateBadge state={step.state} /> From{' '}
        {label.href && isOwner ? (
          <Link to={label.href}>
            {label.courseTitle}: {label.moduleTitle}
          </Link>
        ) : (
          `${label.courseTitle}: ${label.moduleTitle}`
        )}
        . Planned on {step.createdAtText}.
      </p>
      <p className="action-step__prompt">The module suggested: {label.prompt}</p>
      <section aria-labelledby="plan-title" className="card">
        <h2 id="plan-title">The plan</h2>
        <dl className="plan-list">
          <dt>What {isOwner ? 'I' : 'they'} will try</dt>
          <dd className="reflection-body">{step.plan.what}</dd>
          <dt>With which class</dt>
          <dd>{step.plan.className}</dd>
          <dt>Follow-up date</dt>
          <dd>{step.followUpOnText}</dd>
          <dt>How {isOwner ? 'I' : 'they'}’ll know it worked</dt>
          <dd className="reflection-body">{step.plan.successLooksLike}</dd>
          {step.outcomeText ? (
            <>
              <dt>How it went</dt>
              <dd>
                {step.outcomeText}
                {step.minutesGiven ? `, ${step.minutesGiven} minutes given` : ''}
              </dd>
            </>
          ) : null}
          {step.endedAs ? (
            <>
              <dt>Ended</dt>
              <dd>{step.endedAs === 'repeated' ? 'Tried again as a new attempt' : step.endedAs === 'carried' ? 'Carried on to a next step' : 'Closed'}</dd>
            </>
          ) : null}
        </dl>
      </section>
      {step.earlier.length > 0 || step.laterId ? (
        <nav aria-label="Other steps in this cycle">
          <h2>This cycle</h2>
          <ol>
            {step.earlier.map((e) => (
              <li key={e.id}>
                <Link to={`/practice/${e.id}`}>{e.what}</Link> <span className="muted">({e.outcomeText}, {e.followUpOnText})</span>
              </li>
            ))}
            <li aria-current="step">This step</li>
            {step.laterId ? (
              <li>
                <Link to={`/practice/${step.laterId}`}>The step after this one</Link>
              </li>
            ) : null}
          </ol>
        </nav>
      ) : null}
      {isOwner ? (
        <section aria-labelledby="sharing-title">
          <h2 id="sharing-title">Sharing</h2>
          <p>{step.shared ? `Shared with ${step.sharedWith.join(' and ')}: only they can read it.` : 'Private to you.'}</p>
          {step.shared || coachNames.length > 0 ? (
            <Form method="post">
              <input type="hidden" name="intent" value="share" />
              <input type="hidden" name="shared" value={step.shared ? '0' : '1'} />
              <button type="submit" className="button button--quiet">
                {step.shared ? 'Stop sharing' : `Share with my coach (${coachNames.join(' and ')})`}
              </button>
            </Form>
          ) : (
            <p className="muted">You do not have a coach on Kindred at the moment.</p>
          )}
        </section>
      ) : null}
      <section aria-labelledby="thread-title" id="thread">
        <h2 id="thread-title">The thread</h2>
        {step.notes.length === 0 ? <p>Nothing written yet.</p> : null}
        <ol className="stack plain-list">
          {step.notes.map((n) => (
            <li key={n.id} className={`card${n.byOwner ? '' : ' note--coach'}`}>
              <p>
                <strong>{n.kindText}</strong> <span className="muted">by {n.authorName}, {n.createdAtText}</span>
                {n.unread ? <span className="badge badge--in-progress">New</span> : null}
              </p>
              {n.body ? <p className="reflection-body">{n.body}</p> : null}
              {n.next ? (
                <p className="reflection-body">
                  <strong>Next:</strong> {n.next}
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
      {isOwner && planned ? (
        <section aria-labelledby="follow-up-title" id="follow-up" className="card">
          <h2 id="follow-up-title">How did it go?</h2>
          <Form method="post" className="stack" noValidate key={location.key}>
            <input type="hidden" name="intent" value="follow-up" />
            <input type="hidden" name="submissionKey" value={submissionKey} />
            <fieldset className="field" aria-describedby={errors.outcome ? 'outcome-error' : undefined}>
              <legend>Did you try it?</legend>
              {(['as-planned', 'adapted', 'not-yet'] as const).map((outcome) => (
                <label key={outcome} className="checkbox-row">
                  <input type="radio" name="outcome" value={outcome} id={`outcome-${outcome}`} defaultChecked={values.outcome === outcome} /> {OUTCOME_LABELS[outcome]}
                </label>
              ))}
              {errors.outcome ? (
                <p id="outcome-error" className="field-error">
                  {errors.outcome}
                </p>
              ) : null}
            </fieldset>
            <TextAreaField id="follow-up-happened" label="What happened? What did pupils do or say?" name="happened" rows={4} defaultValue={values.happened} error={errors.happened} />
            <TextAreaField id="follow-up-next" label="What next? (optional)" name="next" rows={2} defaultValue={values.next} error={errors.next} />
            <Field
              id="follow-up-minutes"
              label="Time you gave to it, in minutes (optional)"
              name="minutesGiven"
              inputMode="numeric"
              defaultValue={values.minutesGiven}
              error={errors.minutesGiven}
              hint="Planning and trying it: it goes into your CPD log."
            />
            <Field id="follow-up-date" label="Not tried yet? Choose a new date" name="newDate" type="date" min={today} max={maxDate} defaultValue={values.newDate} error={errors.newDate} hint="Only if you answered “Not yet”." />
            <div className="page-actions">
              <button type="submit" className="button">
                Save how it went
              </button>
            </div>
          </Form>
        </section>
      ) : null}
      {isOwner && step.status === 'followed-up' ? (
        <section aria-labelledby="next-title" className="card">
          <h2 id="next-title">What next?</h2>
          <Form method="post">
            <input type="hidden" name="intent" value="close" />
            <button type="submit" className="button button--quiet">
              Close this step: it is done
            </button>
          </Form>
          {(
            [
              { endAs: 'repeated', summary: 'Try it again (a new attempt)', label: 'Plan the new attempt', prefix: 'repeat', values: { what: step.plan.what, className: step.plan.className, successLooksLike: step.plan.successLooksLike } },
              { endAs: 'carried', summary: 'Plan the next step', label: 'Plan the next step', prefix: 'next', values: { what: nextStepDraft, className: step.plan.className } },
            ] as const
          ).map((choice) => (
            <details key={choice.prefix}>
              <summary>{choice.summary}</summary>
              <ActionStepPlanForm
                courseSlug={step.ref.courseSlug}
                moduleSlug={step.ref.moduleSlug}
                itemId={step.ref.itemId}
                previousStepId={step.id}
                endPreviousAs={choice.endAs}
                returnTo="step"
                submissionKey={`${submissionKey}-${choice.prefix}`}
                today={today}
                maxDate={maxDate}
                values={choice.values}
                submitLabel={choice.label}
                idPrefix={choice.prefix}
              />
            </details>
          ))}
        </section>
      ) : null}
      {coachCanWrite || (isOwner && step.shared && step.notes.some((n) => !n.byOwner)) ? (
        <section aria-labelledby="note-title" className="card">
          <h2 id="note-title">{coachCanWrite ? 'Add to the thread' : 'Reply to your coach'}</h2>
          <Form method="post" className="stack" noValidate key={location.key}>
            <input type="hidden" name="intent" value="note" />
            <input type="hidden" name="submissionKey" value={submissionKey} />
            {coachCanWrite ? (
              <SelectField
                id="note-kind"
                label="What kind of note?"
                name="kind"
                defaultValue={values.kind ?? 'feedback'}
                error={errors.kind}
                options={[
                  { value: 'observation', label: 'Observation: what I saw in the lesson' },
                  { value: 'feedback', label: 'Feedback' },
                  { value: 'agreed-next', label: 'Agreed next step' },
                ]}
              />
            ) : (
              <input type="hidden" name="kind" value="reply" />
            )}
            <TextAreaField id="note-body" label={coachCanWrite ? 'Your note' : 'Your reply'} name="body" rows={4} defaultValue={values.body} error={errors.body} />
            <div className="page-actions">
              <button type="submit" className="button">
                {coachCanWrite ? 'Add the note' : 'Send the reply'}
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </div>
  );
}

const OUTCOME_LABELS = { 'as-planned': 'Yes, as planned', adapted: 'Yes, but I adapted it', 'not-yet': 'Not yet' } as const;
