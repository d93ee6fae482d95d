import { AsyncLocalStorage } from 'node:async_hooks';

// Per-request measurements for the benchmark (KINDRED_METRICS=1): how many SQL statements a
// request ran. Off by default; then nothing is stored and nothing is added to responses.

interface RequestMetrics {
  statements: number;
}

export const requestMetrics = new AsyncLocalStorage<RequestMetrics>();

export function countStatementForRequest(): void {
  const store = requestMetrics.getStore();
  if (store) store.statements += 1;
}
