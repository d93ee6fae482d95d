import { useFetcher } from '@remix-run/react';
import { TextAreaField } from '#app/components/forms.tsx';
import { useHydrated } from '#app/utils/use-hydrated.ts';

export interface ReflectionView {
  id: string;
  prompt: string;
  required: boolean;
  saved: { body: string; savedAtText: string } | null;
}

interface ActionReply {
  ok?: boolean;
  itemId?: string;
  error?: string;
  savedAtText?: string;
}

/** A reflection the learner writes and saves; a plain form without JavaScript, a fetcher with it. */
export function Reflection({ reflection, serverError }: { reflection: ReflectionView; serverError?: string }) {
  const fetcher = useFetcher<ActionReply>({ key: `reflection-${reflection.id}` });
  const hydrated = useHydrated();
  const reply = fetcher.data?.itemId === reflection.id ? fetcher.data : undefined;
  const error = reply?.error ?? serverError;
  const saving = fetcher.state !== 'idle';
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
          hint="Private to you unless you choose to share it."
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
    </section>
  );
}
