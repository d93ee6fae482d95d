import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { Express, NextFunction, Request, Response } from 'express';
import { getStatementCount } from '#app/utils/db.server.ts';
import { pageCacheStats } from '#app/utils/page-cache.server.ts';
import { requestMetrics } from '#app/utils/request-metrics.server.ts';

/**
 * Benchmark instrumentation, only with KINDRED_METRICS=1: an `X-Query-Count` header on every
 * response (SQL statements the request ran) and GET /__metrics with memory and event-loop delay.
 */
export function installMetrics(app: Express): void {
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  app.use((req: Request, res: Response, next: NextFunction) => {
    const store = { statements: 0 };
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
    res.writeHead = ((...args: unknown[]) => {
      if (!res.headersSent) res.setHeader('X-Query-Count', String(store.statements));
      return writeHead(...args);
    }) as typeof res.writeHead;
    requestMetrics.run(store, () => next());
  });
  app.get('/__metrics', (req, res) => {
    // With node --expose-gc, ?gc=1 collects first, to tell retained memory from garbage.
    const collect = (globalThis as { gc?: () => void }).gc;
    if (req.query.gc === '1' && collect) collect();
    const memory = process.memoryUsage();
    const body = {
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      // What V8 holds for its heap, and memory outside it (Buffers, native): which part RSS grows in.
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      arrayBuffersBytes: memory.arrayBuffers,
      eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: loopDelay.max / 1e6,
      statements: getStatementCount(),
      pagesKept: pageCacheStats().kept,
      pagesServedFromMemory: pageCacheStats().served,
      // Which of V8's spaces the reserved heap is in (young generation against old).
      heapSpaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { sizeBytes: s.space_size, usedBytes: s.space_used_size }])),
    };
    if (req.query.reset === '1') loopDelay.reset();
    res.json(body);
  });
}
