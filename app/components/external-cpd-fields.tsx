import { Field, TextAreaField } from './forms.tsx';

export interface ExternalCpdDefaults {
  title?: string;
  provider?: string;
  date?: string;
  hours?: string | number;
  note?: string;
  link?: string | null;
}

/** The fields of an external CPD entry, shared by the add and edit forms. */
export function ExternalCpdFields({ defaults = {}, errors = {}, today }: { defaults?: ExternalCpdDefaults; errors?: Record<string, string | undefined>; today: string }) {
  return (
    <>
      <Field label="Title" name="title" defaultValue={defaults.title} error={errors.title} hint="For example: Trust SEND conference, or a book you studied with colleagues." />
      <Field label="Provider (optional)" name="provider" defaultValue={defaults.provider} error={errors.provider} />
      <Field label="Date" name="date" type="date" max={today} defaultValue={defaults.date} error={errors.date} />
      <Field label="Hours" name="hours" inputMode="decimal" defaultValue={defaults.hours?.toString()} error={errors.hours} hint="Up to 100, in hours: 1.5 for an hour and a half." />
      <TextAreaField label="Note (optional)" name="note" rows={3} defaultValue={defaults.note} error={errors.note} />
      <Field label="Link (optional)" name="link" type="url" defaultValue={defaults.link ?? ''} error={errors.link} />
    </>
  );
}
