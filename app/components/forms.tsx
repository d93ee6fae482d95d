import { forwardRef, useEffect, useId, useRef, type InputHTMLAttributes, type ReactNode, type TextareaHTMLAttributes } from 'react';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
}

/** A labelled input whose error sits next to it and is announced with it. */
export function Field({ label, name, error, hint, id, type = 'text', ...input }: FieldProps) {
  const fallbackId = useId();
  const inputId = id ?? `${name}-${fallbackId}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <input
        id={inputId}
        name={name}
        type={type}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
        {...input}
      />
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

interface TextAreaFieldProps extends TextareaHTMLAttributes<HTMLTextAreaElement> {
  label: ReactNode;
  name: string;
  error?: string;
  hint?: ReactNode;
  /** Ids of more text that describes the field, such as a character counter. */
  describedBy?: string;
}

export const TextAreaField = forwardRef<HTMLTextAreaElement, TextAreaFieldProps>(function TextAreaField({ label, name, error, hint, id, describedBy, ...textarea }, ref) {
  const fallbackId = useId();
  const inputId = id ?? `${name}-${fallbackId}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <textarea
        ref={ref}
        id={inputId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hintId, errorId, describedBy].filter(Boolean).join(' ') || undefined}
        {...textarea}
      />
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
});

export function FormError({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <div className="alert alert--error" role="alert">
      {message}
    </div>
  );
}

export function RoleCheckboxes({ name = 'roles', error, defaultRoles = ['teacher'] }: { name?: string; error?: string; defaultRoles?: string[] }) {
  const errorId = useId();
  return (
    <fieldset className="field" aria-describedby={error ? errorId : undefined}>
      <legend>Roles</legend>
      {(['teacher', 'coach', 'leader'] as const).map((role) => (
        <label key={role} className="checkbox-row">
          <input type="checkbox" name={name} value={role} defaultChecked={defaultRoles.includes(role)} /> {role.charAt(0).toUpperCase() + role.slice(1)}
        </label>
      ))}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

interface SelectFieldProps {
  label: string;
  name: string;
  options: { value: string | number; label: string }[];
  /** A first option with an empty value, such as "Any role". */
  emptyOption?: string;
  defaultValue?: string | number;
  error?: string;
  hint?: ReactNode;
  id?: string;
}

/** A labelled select whose error sits next to it and is announced with it. */
export function SelectField({ label, name, options, emptyOption, defaultValue, error, hint, id }: SelectFieldProps) {
  const fallbackId = useId();
  const selectId = id ?? `${name}-${fallbackId}`;
  const errorId = error ? `${selectId}-error` : undefined;
  const hintId = hint ? `${selectId}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={selectId}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <select id={selectId} name={name} defaultValue={defaultValue} aria-invalid={error ? true : undefined} aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}>
        {emptyOption !== undefined ? <option value="">{emptyOption}</option> : null}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export interface Problem {
  /** The id of the field to fix, with its `#`. */
  href: string;
  text: string;
}

/**
 * The GOV.UK error summary: at the top of the page, announced, focused when it appears, and
 * linking to each field to fix, so a page re-rendered without JavaScript opens at the problem.
 */
export function ErrorSummary({ problems, title = 'There is a problem' }: { problems: Problem[]; title?: string }) {
  const titleId = useId();
  const summary = useRef<HTMLDivElement>(null);
  const key = problems.map((p) => p.href + p.text).join('|');
  // Without JavaScript the `autofocus` attribute does this; React only honours it on form fields.
  useEffect(() => {
    if (key) summary.current?.focus();
  }, [key]);
  if (problems.length === 0) return null;
  return (
    <div className="error-summary" role="alert" aria-labelledby={titleId} tabIndex={-1} autoFocus ref={summary}>
      <h2 id={titleId} className="error-summary__title">
        {title}
      </h2>
      <ul className="error-summary__list">
        {problems.map((problem) => (
          <li key={problem.href + problem.text}>
            <a href={problem.href}>{problem.text}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}
