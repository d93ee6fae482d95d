import { useEffect, useRef } from 'react';
import { useFetcher } from '@remix-run/react';
import type { PublicQuestion } from '#app/content/schemas.ts';
import { useHydrated } from '#app/utils/use-hydrated.ts';

export interface CheckView {
  id: string;
  questions: readonly PublicQuestion[];
  /** Only after the learner has submitted: their answers, which were right, and the explanations. */
  attempt: {
    answers: Record<string, string[]>;
    results: Record<string, boolean>;
    passed: boolean;
    attempts: number;
    submittedAtText: string;
    explanations: Record<string, string[]>;
  } | null;
}

interface ActionReply {
  itemId?: string;
  error?: string;
  unanswered?: string[];
  /** What was picked in a refused submission, shown again so nothing has to be picked twice. */
  answers?: Record<string, string[]>;
}

/** The id of a question's first option: where an error summary link takes the learner. */
export function questionInputId(checkId: string, questionId: string): string {
  return `${checkId}-${questionId}-answer`;
}

/** A knowledge check: the server grades it; answers never reach the page before a submission. */
export function KnowledgeCheck({ check, serverReply, keptAnswers }: { check: CheckView; serverReply?: ActionReply; keptAnswers?: Record<string, string[]> }) {
  const fetcher = useFetcher<ActionReply>({ key: `check-${check.id}` });
  const hydrated = useHydrated();
  const reply = (fetcher.data?.itemId === check.id ? fetcher.data : undefined) ?? serverReply;
  const attempt = check.attempt;
  const rightCount = attempt ? Object.values(attempt.results).filter(Boolean).length : 0;
  const submitting = fetcher.state !== 'idle';
  const form = useRef<HTMLFormElement>(null);
  const fetcherReply = fetcher.data?.itemId === check.id ? fetcher.data : undefined;
  // With JavaScript the page stays put after Check, so focus goes to the first question to answer.
  useEffect(() => {
    const first = fetcherReply?.unanswered?.[0];
    if (fetcher.state === 'idle' && first) form.current?.querySelector<HTMLInputElement>(`#${CSS.escape(questionInputId(check.id, first))}`)?.focus();
  }, [fetcher.state, fetcherReply, check.id]);
  const picked = reply?.answers ?? keptAnswers ?? attempt?.answers ?? {};
  return (
    <section className="knowledge-check" id={`item-${check.id}`} aria-labelledby={`check-${check.id}-title`}>
      <p className="knowledge-check__title" id={`check-${check.id}-title`}>
        <strong>Knowledge check</strong>
      </p>
      <div role="status" aria-live="polite">
        {submitting ? <p>Checking your answers…</p> : null}
        {!submitting && reply?.error ? <p className="field-error">{reply.error}</p> : null}
        {!submitting && attempt ? (
          <p className={attempt.passed ? 'alert alert--success' : 'alert alert--info'}>
            {attempt.passed
              ? `You answered all ${check.questions.length} questions correctly.`
              : `You got ${rightCount} of ${check.questions.length} right. Read the explanations and try again.`}{' '}
            <span className="muted">
              (Attempt {attempt.attempts}, {attempt.submittedAtText}.)
            </span>
          </p>
        ) : null}
      </div>
      <fetcher.Form method="post" className="stack" noValidate ref={form}>
        <input type="hidden" name="intent" value="check" />
        <input type="hidden" name="itemId" value={check.id} />
        {hydrated ? <input type="hidden" name="enhanced" value="1" /> : null}
        {check.questions.map((question, index) => {
          const chosen = picked[question.id] ?? [];
          const result = attempt?.results[question.id];
          const missing = reply?.unanswered?.includes(question.id);
          const errorId = `${check.id}-${question.id}-error`;
          return (
            <fieldset key={question.id} className="question" aria-describedby={missing ? errorId : undefined}>
              <legend>
                {index + 1}. {question.prompt}
                {question.multiple ? <span className="muted"> Choose all that apply.</span> : null}
              </legend>
              {missing ? (
                <p className="field-error" id={errorId}>
                  Choose an answer to this question.
                </p>
              ) : null}
              {question.options.map((option, optionIndex) => (
                <label key={option.id} className="option">
                  <input
                    id={optionIndex === 0 ? questionInputId(check.id, question.id) : undefined}
                    aria-invalid={missing ? true : undefined}
                    type={question.multiple ? 'checkbox' : 'radio'}
                    name={`answer.${question.id}`}
                    value={option.id}
                    defaultChecked={chosen.includes(option.id)}
                  />{' '}
                  {option.text}
                </label>
              ))}
              {result !== undefined ? (
                <div className={result ? 'result result--right' : 'result result--wrong'}>
                  <p>
                    <strong>{result ? 'Correct.' : 'Not quite.'}</strong>
                  </p>
                  {(attempt?.explanations[question.id] ?? []).map((paragraph, i) => (
                    <p key={i}>{paragraph}</p>
                  ))}
                </div>
              ) : null}
            </fieldset>
          );
        })}
        <div>
          <button type="submit" className="button" disabled={submitting}>
            {attempt ? 'Check my answers again' : 'Check my answers'}
          </button>
        </div>
      </fetcher.Form>
    </section>
  );
}
