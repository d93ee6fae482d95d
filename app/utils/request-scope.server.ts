import { AsyncLocalStorage } from 'node:async_hooks';
import { singleton } from './singleton.server.ts';

// Values worked out once per HTTP request and shared by every loader and action that serves it
// (Remix hands each loader its own Request object, so a cache keyed on the Request misses).

// One store per process: the server bundle (which starts the scope) and the Remix build (whose
// loaders read it) each carry a copy of this module.
const scope = singleton('request-scope', () => new AsyncLocalStorage<Map<string, unknown>>());

export function runInRequestScope<T>(work: () => T): T {
  return scope.run(new Map(), work);
}

/** The value for `key` in this request, computed on first use; outside a request, computed every time. */
export function memoForRequest<T>(key: string, compute: () => T): T {
  const store = scope.getStore();
  if (!store) return compute();
  if (!store.has(key)) store.set(key, compute());
  return store.get(key) as T;
}

/** Whether this runs for a request that shares its lookups (a GET), not a form post, test or script. */
export function inRequestScope(): boolean {
  return scope.getStore() !== undefined;
}

/** The value `memoForRequest` holds for `key` in this request, if something has asked for it. */
export function peekForRequest<T>(key: string): T | undefined {
  return scope.getStore()?.get(key) as T | undefined;
}
