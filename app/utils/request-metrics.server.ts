import { AsyncLocalStorage } from 'node:async_hooks';
import { singleton } from './singleton.server.ts';

// Per-request measurements for the benchmark (KINDRED_METRICS=1): how many SQL statements a
// request ran. Off by default; then nothing is stored and nothing is added to responses.

interface RequestMetrics {
  statements: number;
}

// One per process, though the server bundle and the Remix build each carry this module.
export const requestMetrics = singleton('request-metrics', () => new AsyncLocalStorage<RequestMetrics>());

export function countStatementForRequest(): void {
  const store = requestMetrics.getStore();
  if (store) store.statements += 1;
}
