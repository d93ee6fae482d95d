import { useEffect, useRef, useState } from 'react';
import { Form, useFetcher } from '@remix-run/react';
import { CommentThread, type ThreadComment } from '#app/components/comment-thread.tsx';
import { TextAreaField } from '#app/components/forms.tsx';
import { useHydrated } from '#app/utils/use-hydrated.ts';

export interface ReflectionView {
  id: string;
  prompt: string;
  required: boolean;
  saved: { body: string; savedAtText: string } | null;
  /** Sharing with the learner's coach and the replies; null until the reflection is saved. */
  sharing: {
    reflectionId: number;
    shared: boolean;
    /** The learner's coaches now; a share goes to these. */
    coachNames: string[];
    /** Who can read it: the coaches it was shared with. */
    sharedWith: string[];
    comments: ThreadComment[];
    submissionKey: string;
  } | null;
}

interface ActionReply {
  ok?: boolean;
  itemId?: string;
  error?: string;
  savedAtText?: string;
}

/** The server's limit (the reflection schema); the field has no maxLength, which cuts pasted text silently. */
export const REFLECTION_MAX = 10_000;
const WARN_FROM = REFLECTION_MAX - 500;

function countText(length: number): string {
  if (length > REFLECTION_MAX) return `${(length - REFLECTION_MAX).toLocaleString('en-GB')} characters too many: shorten your reflection to ${REFLECTION_MAX.toLocaleString('en-GB')} characters before saving.`;
  return `${length.toLocaleString('en-GB')} of ${REFLECTION_MAX.toLocaleString('en-GB')} characters`;
}

/**
 * A reflection the learner writes and saves; a plain form without JavaScript, a fetcher with it.
 * `unsavedBody` is text that came back unsaved (refused, or kept while the learner signed in
 * again); it fills the field instead of the saved text, and `restored` says where it came from.
 */
export function Reflection({
  reflection,
  serverError,
  commentError,
  unsavedBody,
  restored = false,
}: {
  reflection: ReflectionView;
  serverError?: string;
  commentError?: string;
  unsavedBody?: string;
  restored?: boolean;
}) {
  const fetcher = useFetcher<ActionReply>({ key: `reflection-${reflection.id}` });
  const hydrated = useHydrated();
  const reply = fetcher.data?.itemId === reflection.id ? fetcher.data : undefined;
  const error = reply?.error ?? serverError;
  const saving = fetcher.state !== 'idle';
  const sharing = reflection.sharing;
  const notYetSharedWith = sharing ? sharing.coachNames.filter((name) => !sharing.sharedWith.includes(name)) : [];
  const status = saving ? 'Saving…' : reply?.ok ? `Saved on ${reply.savedAtText}.` : reflection.saved ? `Last saved on ${reflection.saved.savedAtText}.` : 'Not saved yet.';
  const initial = unsavedBody ?? reflection.saved?.body ?? '';
  const [length, setLength] = useState(initial.length);
  const fieldId = `reflection-${reflection.id}`;
  const field = useRef<HTMLTextAreaElement>(null);
  // With JavaScript the page stays put after Save, so focus goes to the field that needs fixing;
  // its error is part of its description and is read out with it.
  useEffect(() => {
    if (fetcher.state === 'idle' && reply?.error) field.current?.focus();
  }, [fetcher.state, reply]);
  const over = length > REFLECTION_MAX;
  return (
    <section className="reflection" id={`item-${reflection.id}`} aria-labelledby={`reflection-${reflection.id}-title`}>
      <p className="reflection__title" id={`reflection-${reflection.id}-title`}>
        <strong>Reflection{reflection.required ? ' (required)' : ' (optional)'}</strong>
      </p>
      {restored ? (
        <p className="alert alert--info" role="status">
          Your session ended before this was saved. Here is what you had written: it is not saved yet. Check it, then save it.
        </p>
      ) : null}
      <fetcher.Form method="post" className="stack" noValidate>
        <input type="hidden" name="intent" value="reflection" />
        <input type="hidden" name="itemId" value={reflection.id} />
        {hydrated ? <input type="hidden" name="enhanced" value="1" /> : null}
        <TextAreaField
          ref={field}
          label={reflection.prompt}
          name="body"
          id={fieldId}
          defaultValue={initial}
          rows={6}
          error={error}
          onInput={(event) => setLength(event.currentTarget.value.length)}
          describedBy={`${fieldId}-count`}
          hint={
            (sharing?.shared ? `Shared with ${listNames(sharing.sharedWith)}: only they can read it.` : 'Private to you unless you choose to share it with your coach.') +
            ` Up to ${REFLECTION_MAX.toLocaleString('en-GB')} characters.`
          }
        />
        {/* On paper a text box shows only its first lines: the printed handout gets the whole text. */}
        <div className="print-only reflection-body">{initial || 'Not written yet.'}</div>
        <p id={`${fieldId}-count`} className={over ? 'field-error counter' : 'muted counter'}>
          {hydrated ? countText(length) : null}
        </p>
        {/* Announced only near and over the limit, not at every key press. */}
        <p className="visually-hidden" aria-live="polite">
          {hydrated && length >= WARN_FROM ? countText(length) : ''}
        </p>
        <div className="page-actions">
          <button type="submit" className="button" disabled={saving}>
            Save reflection
          </button>
          <p className="muted" role="status" aria-live="polite">
            {status}
          </p>
        </div>
      </fetcher.Form>
      {sharing && (sharing.shared || sharing.coachNames.length > 0) ? (
        <div className="page-actions">
          {sharing.shared && notYetSharedWith.length > 0 ? (
            <Form method="post" className="share-form">
              <input type="hidden" name="intent" value="share" />
              <input type="hidden" name="itemId" value={reflection.id} />
              <input type="hidden" name="shared" value="1" />
              <button type="submit" className="button button--quiet">
                {`Also share with ${listNames(notYetSharedWith)}`}
              </button>
            </Form>
          ) : null}
          <Form method="post" className="share-form">
            <input type="hidden" name="intent" value="share" />
            <input type="hidden" name="itemId" value={reflection.id} />
            <input type="hidden" name="shared" value={sharing.shared ? '0' : '1'} />
            <button type="submit" className="button button--quiet">
              {sharing.shared ? 'Stop sharing' : `Share with my coach (${listNames(sharing.coachNames)})`}
            </button>
          </Form>
        </div>
      ) : null}
      {reflection.sharing && (reflection.sharing.shared || reflection.sharing.comments.length > 0) ? (
        <section aria-label="Replies from your coach">
          <p>
            <strong>Replies</strong>
          </p>
          <CommentThread reflectionId={reflection.sharing.reflectionId} comments={reflection.sharing.comments} replyLabel="Answer your coach" error={commentError} submissionKey={reflection.sharing.submissionKey} />
        </section>
      ) : null}
    </section>
  );
}

function listNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? 'nobody') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
