import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { getMDXComponent } from 'mdx-bundler/client/index.js';
import { authoringComponents } from '#app/components/mdx/authoring.tsx';
import type { CompiledMdx } from './compile.server.ts';

// Renders compiled MDX to HTML once per content hash, split where the interactive items stand.
// The browser gets HTML and item ids, never MDX code: no eval under our CSP, nothing to leak.

type SlotKind = 'reflection' | 'check' | 'action-step';
/** `key` names a piece of HTML by the content's hash, so one key never stands for two texts. */
export type Segment = { type: 'html'; key: string; html: string } | { type: SlotKind; id: string };

const SLOT_PATTERN = /<kindred-slot data-kind="(reflection|check|action-step)" data-id="([^"]*)"><\/kindred-slot>/g;

const slot = (kind: SlotKind) =>
  function Slot({ id }: { id: string }) {
    return createElement('kindred-slot', { 'data-kind': kind, 'data-id': id });
  };

const components = { ...authoringComponents, Reflection: slot('reflection'), KnowledgeCheck: slot('check'), ActionStep: slot('action-step') };

const renderedByHash = new Map<string, Segment[]>();

export function renderSegments(compiled: CompiledMdx): Segment[] {
  const cached = renderedByHash.get(compiled.hash);
  if (cached) return cached;
  const Component = getMDXComponent(compiled.code);
  const html = renderToStaticMarkup(createElement(Component, { components }));
  const segments: Segment[] = [];
  let last = 0;
  const key = () => `${compiled.hash.slice(0, 16)}-${segments.length}`;
  for (const match of html.matchAll(SLOT_PATTERN)) {
    if (match.index > last) segments.push({ type: 'html', key: key(), html: html.slice(last, match.index) });
    segments.push({ type: match[1] as SlotKind, id: match[2]! });
    last = match.index + match[0].length;
  }
  if (last < html.length) segments.push({ type: 'html', key: key(), html: html.slice(last) });
  renderedByHash.set(compiled.hash, segments);
  return segments;
}
