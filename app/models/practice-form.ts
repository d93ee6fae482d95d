import { z } from 'zod';
import { addDays } from '#app/mail/schedule.server.ts';
import { calendarDateField, text } from '#app/utils/forms.ts';
import { MAX_DAYS_AHEAD } from './practice.server.ts';

// The practice-cycle forms, read the same way wherever they appear (the module page, the step's
// own page, the list of steps). `today` is the UK date.

const PLAN_LIMITS = { what: 1000, className: 120, success: 1000 } as const;

function followUpDate(today: string, missing: string) {
  return calendarDateField({
    missing,
    min: { date: today, message: 'Choose today or a date after today' },
    max: { date: addDays(today, MAX_DAYS_AHEAD), message: `Choose a date within ${MAX_DAYS_AHEAD} days: a step is something to try soon` },
  });
}

export function planSchema(today: string) {
  return z.object({
    what: text({ label: 'what you will try', max: PLAN_LIMITS.what, required: true, multiline: true, missing: 'Write what you will try' }),
    className: text({ label: 'the class', max: PLAN_LIMITS.className, required: true, missing: 'Say which class you will try it with' }),
    followUpOn: followUpDate(today, 'Choose the date by which you will have tried it'),
    successLooksLike: text({ label: 'how you will know it worked', max: PLAN_LIMITS.success, required: true, multiline: true, missing: 'Write how you will know it worked' }),
  });
}

const minutes = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim())
  .refine((v) => v === '' || /^\d{1,4}$/.test(v), 'Enter the time as a whole number of minutes, like 45')
  .transform((v) => (v === '' ? null : Number(v)))
  .refine((v) => v === null || (v >= 1 && v <= 1200), 'Enter between 1 and 1,200 minutes');

export function followUpSchema(today: string) {
  return z
    .object({
      outcome: z.enum(['as-planned', 'adapted', 'not-yet'], { message: 'Choose how it went' }),
      happened: text({ label: 'what happened', max: 4000, multiline: true }),
      next: text({ label: 'what next', max: 2000, multiline: true }),
      minutesGiven: minutes,
      newDate: z.string().optional(),
    })
    .superRefine((value, ctx) => {
      if (value.outcome !== 'not-yet' && value.happened.length === 0) ctx.addIssue({ code: 'custom', path: ['happened'], message: 'Write what happened when you tried it' });
      if (value.outcome === 'not-yet') {
        const parsed = followUpDate(today, 'Choose a new date to try it by').safeParse(value.newDate ?? '');
        if (!parsed.success) ctx.addIssue({ code: 'custom', path: ['newDate'], message: parsed.error.issues[0]?.message ?? 'Choose a new date' });
      }
    })
    .transform((value) => ({ ...value, newDate: value.outcome === 'not-yet' ? (value.newDate ?? '').trim() : null }));
}

export const noteSchema = z.object({
  kind: z.enum(['observation', 'feedback', 'agreed-next', 'reply'], { message: 'Choose what kind of note this is' }),
  body: text({ label: 'your note', max: 4000, required: true, multiline: true, missing: 'Write your note before saving it' }),
});
