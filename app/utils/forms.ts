import { z } from 'zod';

export type FieldErrors = Record<string, string | undefined>;

export type FormResult<T> = { success: true; data: T } | { success: false; fieldErrors: FieldErrors };

/**
 * Reads a form into a plain object (fields named in `arrayFields` as lists) and parses it with zod,
 * keeping the first message per field for display next to that field.
 */
export function parseForm<S extends z.ZodType>(schema: S, formData: FormData, arrayFields: string[] = []): FormResult<z.output<S>> {
  // One pass over the entries: getAll() per key would make a form of N fields cost N².
  const lists = new Map<string, string[]>();
  for (const [key, value] of formData) {
    const list = lists.get(key);
    const text = typeof value === 'string' ? value : value.name;
    if (list) list.push(text);
    else lists.set(key, [text]);
  }
  const raw: Record<string, unknown> = {};
  for (const [key, values] of lists) raw[key] = arrayFields.includes(key) ? values : values[0];
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

/**
 * Why a piece of text cannot be stored, or null. Refused: control characters (other than tab and
 * line breaks in multi-line text), bidirectional overrides that can disguise a name, byte-order
 * marks and replacement characters (signs of a broken encoding), and lone surrogates.
 */
export function unsafeTextReason(value: string, multiline = false): string | null {
  for (const char of value) {
    const code = char.codePointAt(0)!;
    const lineBreak = char === '\n' || char === '\r' || char === '\t';
    if ((code < 32 && !(multiline && lineBreak) && char !== '\t') || (code >= 127 && code < 160)) return 'Remove the control characters';
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return 'Remove the text-direction control characters';
    if (code === 0xfeff || code === 0xfffd || code === 0xfffe || code === 0xffff || (code >= 0xd800 && code <= 0xdfff)) return 'Remove the unreadable characters (check how the text was copied)';
  }
  return null;
}

/** Text a person typed: trimmed, in Unicode's composed form, checked, with a length limit. */
export function text(options: { label: string; max: number; required?: boolean; multiline?: boolean; missing?: string }) {
  const missing = options.missing ?? `Enter ${options.label}`;
  return z
    .string({ message: missing })
    .optional()
    .transform((value) => (value ?? '').replace(/\r\n/g, '\n').trim().normalize('NFC'))
    .superRefine((value, ctx) => {
      if (options.required && value.length === 0) ctx.addIssue({ code: 'custom', message: missing });
      else if (value.length > options.max) ctx.addIssue({ code: 'custom', message: `Use at most ${options.max.toLocaleString('en-GB')} characters` });
      else {
        const reason = unsafeTextReason(value, options.multiline);
        if (reason) ctx.addIssue({ code: 'custom', message: reason });
      }
    });
}

/** A required line of text, such as a name or a title. */
export function requiredText(label: string, max = 200) {
  return text({ label, max, required: true });
}

export const emailField = z
  .string({ message: 'Enter an email address' })
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.email({ message: 'Enter an email address like name@school.org.uk' }).max(254, 'That email address is too long'));

/** No page of Kindred has a form near this size (the largest, a knowledge check, has a few dozen). */
export const MAX_FORM_FIELDS = 1000;

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
  let fields = 0;
  for (const [key, value] of formData.entries()) {
    fields += 1;
    // U+0000 is never part of what a person types, and PostgreSQL cannot store it in text: without
    // this, a NUL in a field reached the database and failed there (a 500) on PostgreSQL only.
    if (typeof value === 'string' && value.includes('\u0000')) throw new Response('The form has a character that is not text (U+0000). Send it again from the page.', { status: 400, statusText: 'Bad Request' });
    if (fields > MAX_FORM_FIELDS) throw new Response(`A form has at most ${MAX_FORM_FIELDS.toLocaleString('en-GB')} fields.`, { status: 413, statusText: 'Payload Too Large' });
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of counts) {
    const mayRepeat = lists.some((name) => (name.endsWith('.') ? key.startsWith(name) : key === name));
    if (count > 1 && !mayRepeat) throw new Response(`The form sent “${key.slice(0, 40)}” more than once.`, { status: 400, statusText: 'Bad Request' });
  }
  return formData;
}

/** A calendar date typed into `<input type="date">` (YYYY-MM-DD), real, within [min, max] when given. */
export function calendarDateField(options: { missing: string; min?: { date: string; message: string }; max?: { date: string; message: string } }) {
  return z
    .string({ message: options.missing })
    .transform((v) => v.trim())
    .refine((v) => v.length > 0, options.missing)
    .refine((v) => v.length === 0 || /^\d{4}-\d{2}-\d{2}$/.test(v), 'Enter the date as day, month and year')
    .refine((v) => !/^\d{4}-\d{2}-\d{2}$/.test(v) || (!Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)), 'Enter a real date')
    .refine((v) => !options.min || !/^\d{4}-\d{2}-\d{2}$/.test(v) || v >= options.min.date, options.min?.message ?? '')
    .refine((v) => !options.max || !/^\d{4}-\d{2}-\d{2}$/.test(v) || v <= options.max.date, options.max?.message ?? '');
}
