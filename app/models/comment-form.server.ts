import { json, redirect } from '@remix-run/node';
import { z } from 'zod';
import { text } from '#app/utils/forms.ts';
import { notFound } from '#app/utils/http.server.ts';
import { addComment } from './coaching.server.ts';

const commentSchema = z.object({
  reflectionId: z.coerce.number().int().positive(),
  body: text({ label: 'a reply', max: 5000, required: true, multiline: true, missing: 'Write a reply before sending' }),
});

/** The reply form on a coachee page or a module page: 404 for a reflection the author may not answer. */
export async function handleCommentAction(authorId: number, formData: FormData, backTo: string) {
  const parsed = commentSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    return json({ commentError: { reflectionId: Number(formData.get('reflectionId')), message: parsed.error.issues[0]?.message ?? 'Check your reply' } }, { status: 400 });
  }
  if ((await addComment(parsed.data.reflectionId, authorId, parsed.data.body)) === 'not-found') throw notFound();
  return redirect(backTo);
}
