import type { ReactNode } from 'react';

// The components course authors use in MDX without importing them. They render on the server
// only (see app/content/render.server.tsx), so they hold no state and no event handlers.
// None of them emits a heading except FurtherReading, so module headings stay in order.

const CALLOUT_LABELS = { note: 'Note', tip: 'Tip', warning: 'Take care' } as const;

export function Callout({ type = 'note', title, children }: { type?: keyof typeof CALLOUT_LABELS; title?: string; children?: ReactNode }) {
  const kind = type in CALLOUT_LABELS ? type : 'note';
  return (
    <aside className={`callout callout--${kind}`} aria-label={title ?? CALLOUT_LABELS[kind]}>
      <p className="callout__title">
        <strong>{title ?? CALLOUT_LABELS[kind]}</strong>
      </p>
      {children}
    </aside>
  );
}

export function KeyIdea({ title, children }: { title?: string; children?: ReactNode }) {
  return (
    <aside className="key-idea" aria-label={title ? `Key idea: ${title}` : 'Key idea'}>
      <p className="key-idea__label">
        <strong>Key idea{title ? `: ${title}` : ''}</strong>
      </p>
      {children}
    </aside>
  );
}

export function Scenario({ title, children }: { title?: string; children?: ReactNode }) {
  return (
    <aside className="scenario" aria-label={title ? `Scenario: ${title}` : 'Scenario'}>
      <p className="scenario__label">
        <strong>Scenario{title ? `: ${title}` : ''}</strong>
      </p>
      {children}
    </aside>
  );
}

export function FurtherReading({ children }: { children?: ReactNode }) {
  return (
    <section className="further-reading" aria-labelledby="further-reading">
      <h2 id="further-reading">Further reading and sources</h2>
      <ul>{children}</ul>
    </section>
  );
}

export function Source({ author, title, year, publisher, href }: { author?: string; title?: string; year?: string | number; publisher?: string; href?: string }) {
  const name = <cite>{title}</cite>;
  return (
    <li>
      {author} ({year}). {href ? <a href={href}>{name}</a> : name}
      {publisher ? `. ${publisher}` : ''}.
    </li>
  );
}

export const authoringComponents = { Callout, KeyIdea, Scenario, FurtherReading, Source };
