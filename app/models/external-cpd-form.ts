import { z } from 'zod';
import { requiredText, text } from '#app/utils/forms.ts';

/** The external CPD form; `today` is the UK date, so "in the future" means after today in the UK. */
export function externalCpdSchema(today: string) {
  return z.object({
    title: requiredText('a title', 200),
    provider: text({ label: 'the provider', max: 200 }),
    date: z
      .string({ message: 'Enter the date' })
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as day, month and year')
      .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'Enter a real date')
      .refine((v) => v <= today, 'The date cannot be in the future')
      .refine((v) => v >= '1990-01-01', 'The date is too far in the past'),
    hours: z
      .string({ message: 'Enter the hours' })
      .trim()
      .min(1, 'Enter the hours')
      .transform((v) => Number(v))
      .pipe(z.number({ message: 'Enter the hours as a number, like 1.5' }).refine((v) => Number.isFinite(v), 'Enter the hours as a number, like 1.5').refine((v) => v > 0, 'Hours must be more than 0').refine((v) => v <= 100, 'Hours must be 100 or fewer for one activity')),
    note: text({ label: 'a note', max: 2000, multiline: true }),
    link: z
      .string()
      .optional()
      .transform((v) => (v ?? '').trim())
      .refine((v) => v === '' || /^https?:\/\/[^\s]+$/i.test(v), 'Enter a web address starting with https://')
      .refine((v) => v.length <= 500, 'That web address is too long')
      .transform((v) => (v === '' ? null : v)),
  });
}
