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

/** A reflection the learner writes and saves; a plain form without JavaScript, a fetcher with it. */
export function Reflection({ reflection, serverError, commentError }: { reflection: ReflectionView; serverError?: string; commentError?: string }) {
  const fetcher = useFetcher<ActionReply>({ key: `reflection-${reflection.id}` });
  const hydrated = useHydrated();
  const reply = fetcher.data?.itemId === reflection.id ? fetcher.data : undefined;
  const error = reply?.error ?? serverError;
  const saving = fetcher.state !== 'idle';
  const sharing = reflection.sharing;
  const notYetSharedWith = sharing ? sharing.coachNames.filter((name) => !sharing.sharedWith.includes(name)) : [];
  const status = saving ? 'Saving…' : reply?.ok ? `Saved on ${reply.savedAtText}.` : reflection.saved ? `Last saved on ${reflection.saved.savedAtText}.` : 'Not saved yet.';
  return (
    <section className="reflection" id={`item-${reflection.id}`} aria-labelledby={`reflection-${reflection.id}-title`}>
      <p className="reflection__title" id={`reflection-${reflection.id}-title`}>
        <strong>Reflection{reflection.required ? ' (required)' : ' (optional)'}</strong>
      </p>
      <fetcher.Form method="post" className="stack" noValidate>
        <input type="hidden" name="intent" value="reflection" />
        <input type="hidden" name="itemId" value={reflection.id} />
        {hydrated ? <input type="hidden" name="enhanced" value="1" /> : null}
        <TextAreaField
          label={reflection.prompt}
          name="body"
          id={`reflection-${reflection.id}`}
          defaultValue={reflection.saved?.body ?? ''}
          maxLength={10_000}
          rows={6}
          error={error}
          hint={sharing?.shared ? `Shared with ${listNames(sharing.sharedWith)}: only they can read it.` : 'Private to you unless you choose to share it with your coach.'}
        />
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
