import { z } from 'zod';

export type FieldErrors = Record<string, string | undefined>;

export type FormResult<T> = { success: true; data: T } | { success: false; fieldErrors: FieldErrors };

/**
 * Reads a form into a plain object (fields named in `arrayFields` as lists) and parses it with zod,
 * keeping the first message per field for display next to that field.
 */
export function parseForm<S extends z.ZodType>(schema: S, formData: FormData, arrayFields: string[] = []): FormResult<z.output<S>> {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(formData.keys())) {
    const values = formData.getAll(key).map((v) => (typeof v === 'string' ? v : v.name));
    raw[key] = arrayFields.includes(key) ? values : values[0];
  }
  for (const key of arrayFields) raw[key] ??= [];
  const result = schema.safeParse(raw);
  if (result.success) return { success: true, data: result.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    fieldErrors[key] ??= issue.message;
  }
  return { success: false, fieldErrors };
}

/** A required line of text: trimmed, control characters refused, with a length limit. */
export function requiredText(label: string, max = 200) {
  return z
    .string({ message: `Enter ${label}` })
    .transform((value) => value.trim())
    .pipe(
      z
        .string()
        .min(1, `Enter ${label}`)
        .max(max, `Use at most ${max} characters`)
        .refine((value) => !hasControlCharacters(value), 'Remove the control characters'),
    );
}

/** Control characters other than tab and newlines: they have no place in a name or a title. */
export function hasControlCharacters(value: string): boolean {
  for (const char of value) {
    const code = char.charCodeAt(0);
    if ((code < 32 && char !== '\t' && char !== '\n' && char !== '\r') || code === 127) return true;
  }
  return false;
}

export const emailField = z
  .string({ message: 'Enter an email address' })
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.email({ message: 'Enter an email address like name@school.org.uk' }).max(254, 'That email address is too long'));

/**
 * Every action reads its form through here: a body that is not a form, or a single-valued field
 * sent more than once, is refused with 400 before any handler sees it. `lists` names the fields
 * that may repeat (a name, or a prefix ending in a dot such as `answer.`).
 */
export async function readForm(request: Request, lists: string[] = []): Promise<FormData> {
  let formData: FormData;
  try {
    formData = await request.formData();
  } catch {
    throw new Response('The form could not be read. Send it again from the page.', { status: 400, statusText: 'Bad Request' });
  }
  const counts = new Map<string, number>();
  for (const key of formData.keys()) counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const [key, count] of counts) {
    const mayRepeat = lists.some((name) => (name.endsWith('.') ? key.startsWith(name) : key === name));
    if (count > 1 && !mayRepeat) throw new Response(`The form sent “${key.slice(0, 40)}” more than once.`, { status: 400, statusText: 'Bad Request' });
  }
  return formData;
}
