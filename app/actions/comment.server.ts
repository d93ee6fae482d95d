import { data, redirect } from '@remix-run/node';
import { z } from 'zod';
import type { SessionUser } from '#app/auth/session.server.ts';
import { addComment } from '#app/models/coaching.server.ts';
import { text } from '#app/utils/forms.ts';
import { orNotFound } from '#app/utils/http.server.ts';

// The reply form on a coachee page and on a module page: one handler, shared by both routes.

const commentSchema = z.object({
  reflectionId: z.coerce.number().int().positive(),
  body: text({ label: 'a reply', max: 5000, required: true, multiline: true, missing: 'Write a reply before sending' }),
  // Made when the form is drawn: the same form sent twice is one reply.
  submissionKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/).optional(),
});

/** 404 for a reflection the viewer may not answer; otherwise back to the thread. */
export async function handleCommentAction(viewer: SessionUser, formData: FormData, backTo: string) {
  const parsed = commentSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    return data({ commentError: { reflectionId: Number(formData.get('reflectionId')), message: parsed.error.issues.find((i) => i.path[0] === 'body')?.message ?? 'Check your reply' } }, { status: 400 });
  }
  await orNotFound(addComment(viewer, parsed.data.reflectionId, parsed.data.body, parsed.data.submissionKey ?? null));
  return redirect(backTo);
}
