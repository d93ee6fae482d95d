import { AsyncLocalStorage } from 'node:async_hooks';

// Values worked out once per HTTP request and shared by every loader and action that serves it
// (Remix hands each loader its own Request object, so a cache keyed on the Request misses).

const scope = new AsyncLocalStorage<Map<string, unknown>>();

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
