import crypto from 'node:crypto';
import { singleton } from './singleton.server.ts';

// Rendered pages, kept by what they were rendered from (docs/decisions/023-rendered-pages-kept.md).
//
// A page's HTML is a function of its URL and its routes' loader data: the components read nothing
// else (no clock, no randomness, no environment; the course HTML the page carries beside its data
// is named in the data by its content's hash). So a page whose URL and loader data are the same as
// a kept page's is that page, and nothing has to invalidate anything: a write that changes what a
// page shows changes its loader data, and so its key. The only parts of a page that are new on every
// request are the CSP nonce and the random part of the form tokens (app/auth/tokens.server.ts): a
// page is kept with those as placeholders and served with the request's own.

/** Kept pages' total length, in characters (about 2 bytes each at most). */
const MAX_KEPT_CHARACTERS = 8_000_000;

const kept = singleton('page-cache', () => ({ pages: new Map<string, string>(), characters: 0, served: 0 }));

class NotPlainData extends Error {}

/**
 * Loader data as a key only when it is plain JSON, so that two values with one JSON are the same
 * value for the components: no Dates, Maps, class instances, promises (deferred data), undefined in
 * arrays or numbers JSON cannot write.
 */
function plainOnly(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw === undefined) {
    if (Array.isArray(this)) throw new NotPlainData();
    return value;
  }
  if (raw === null || typeof raw === 'string' || typeof raw === 'boolean') return value;
  if (typeof raw === 'number' && Number.isFinite(raw)) return value;
  if (typeof raw === 'object') {
    const prototype = Object.getPrototypeOf(raw);
    if (Array.isArray(raw) || prototype === Object.prototype || prototype === null) return value;
  }
  throw new NotPlainData();
}

function placeholder(index: number): string {
  return `\u0000fresh-${index}\u0000`;
}

/** `text` with each of this request's fresh values (nonce, form tokens' random part) swapped for a placeholder. */
function withPlaceholders(text: string, fresh: readonly string[]): string {
  return fresh.reduce((result, value, index) => (value ? result.replaceAll(value, placeholder(index)) : result), text);
}

/**
 * The key of the page for this URL and loader data, or null when the data is not plain JSON (then
 * the page is rendered and not kept). `fresh` are the values new to this request.
 */
export function pageKey(url: string, loaderData: unknown, fresh: readonly string[]): string | null {
  let material: string;
  try {
    material = JSON.stringify([url, loaderData], plainOnly);
  } catch (error) {
    if (error instanceof NotPlainData) return null;
    throw error;
  }
  return crypto.createHash('sha256').update(withPlaceholders(material, fresh)).digest('base64url');
}

/** The kept page for `key`, with this request's fresh values in it; null if none is kept. */
export function keptPage(key: string, fresh: readonly string[]): string | null {
  const html = kept.pages.get(key);
  if (html === undefined) return null;
  kept.pages.delete(key);
  kept.pages.set(key, html); // most recently used last
  kept.served += 1;
  return fresh.reduce((result, value, index) => (value ? result.replaceAll(placeholder(index), value) : result), html);
}

/** Keeps a page just rendered under `key`; the least recently used go beyond the size limit. */
export function keepPage(key: string, html: string, fresh: readonly string[]): void {
  const template = withPlaceholders(html, fresh);
  if (template.length > MAX_KEPT_CHARACTERS / 8) return;
  const previous = kept.pages.get(key);
  if (previous !== undefined) kept.characters -= previous.length;
  kept.pages.delete(key);
  kept.pages.set(key, template);
  kept.characters += template.length;
  for (const [oldest, page] of kept.pages) {
    if (kept.characters <= MAX_KEPT_CHARACTERS) break;
    kept.pages.delete(oldest);
    kept.characters -= page.length;
  }
}

/** For tests and /__metrics: pages kept now, and pages served from memory so far. */
export function pageCacheStats(): { kept: number; served: number } {
  return { kept: kept.pages.size, served: kept.served };
}
