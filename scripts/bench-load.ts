import http from 'node:http';
import { decode } from 'turbo-stream';

// Load generation for the benchmark: a small HTTP client over keep-alive sockets, an open-loop
// generator (requests start on a fixed schedule whether or not earlier ones have answered, so a
// slow server cannot slow the load down and hide its own latency), and a closed-loop one.

export interface RequestSpec {
  kind: string;
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** application/x-www-form-urlencoded fields for a POST. */
  form?: Record<string, string> | [string, string][];
  /** Decides whether the answer is the normal one; by default a 2xx or a 3xx. */
  expect?: (status: number, body: string) => boolean | Promise<boolean>;
  /** Called with the answer when it was the expected one. */
  onSuccess?: (status: number, body: string) => void;
  /** Called once the request is over, answered or not. */
  onDone?: () => void;
}

/**
 * Where a Remix fetcher posts with JavaScript on (single fetch): the route's path with `.data`
 * added, answered with the action's data in turbo-stream.
 */
export function fetcherPath(pathname: string): string {
  return `${pathname}.data`;
}

/** The action's data in a single-fetch answer, decoded as the browser decodes it; null if it is not one. */
export async function actionData(body: string): Promise<Record<string, unknown> | null> {
  try {
    const decoded = await decode(new Response(body).body!);
    await decoded.done;
    const result = decoded.value as { data?: unknown } | null;
    return result && typeof result === 'object' && result.data && typeof result.data === 'object' ? (result.data as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class HttpClient {
  readonly agent: http.Agent;
  private retryStaleSockets: boolean;
  constructor(
    readonly baseUrl: string,
    options: { maxSockets?: number; keepAlive?: boolean; retryStaleSockets?: boolean } = {},
  ) {
    this.agent = new http.Agent({ keepAlive: options.keepAlive ?? true, maxSockets: options.maxSockets ?? 256 });
    this.retryStaleSockets = options.retryStaleSockets ?? true;
  }

  /** Requests sent again because the server had closed an idle keep-alive socket just as it was reused. */
  staleRetries = 0;

  async request(spec: Pick<RequestSpec, 'method' | 'path' | 'headers' | 'form'>, timeoutMs = 30_000): Promise<Answer> {
    try {
      return await this.send(spec, timeoutMs);
    } catch (error) {
      // The keep-alive race (see "request.reusedSocket" in Node's http docs): the server closed an
      // idle socket as this request went out on it, so the server never read it. Send it again
      // once, on a new connection as browsers do: the pool's other idle sockets may be closing too
      // (the server closes each after 5 s idle, and sockets left idle together close together).
      if (this.retryStaleSockets && (error as { staleSocket?: boolean }).staleSocket) {
        this.staleRetries += 1;
        return this.send(spec, timeoutMs, true);
      }
      throw error;
    }
  }

  private send(spec: Pick<RequestSpec, 'method' | 'path' | 'headers' | 'form'>, timeoutMs: number, newConnection = false): Promise<Answer> {
    const url = new URL(spec.path, this.baseUrl);
    const body = spec.form ? new URLSearchParams(spec.form).toString() : undefined;
    const headers: Record<string, string> = { ...spec.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
      headers.origin ??= this.baseUrl;
    }
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = http.request(url, { method: spec.method ?? (body ? 'POST' : 'GET'), headers, agent: newConnection ? false : this.agent, timeout: timeoutMs }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!answered && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) Object.assign(error, { staleSocket: true });
        reject(error);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function defaultExpect(status: number): boolean {
  return status >= 200 && status < 400;
}

export interface KindStats {
  count: number;
  ok: number;
  errors: number;
  /** Latencies (ms) of every answered request, expected or not. */
  latencies: number[];
  statuses: Record<string, number>;
  errorSamples: string[];
}

export interface LoadResult {
  durationS: number;
  kinds: Record<string, KindStats>;
  /** Requests still unanswered when the run stopped waiting for them. */
  abandoned: number;
}

function statsFor(result: LoadResult, kind: string): KindStats {
  return (result.kinds[kind] ??= { count: 0, ok: 0, errors: 0, latencies: [], statuses: {}, errorSamples: [] });
}

async function issue(client: HttpClient, spec: RequestSpec, result: LoadResult, startedAt: number): Promise<void> {
  const stats = statsFor(result, spec.kind);
  stats.count += 1;
  try {
    const answer = await client.request(spec);
    stats.latencies.push(performance.now() - startedAt);
    stats.statuses[answer.status] = (stats.statuses[answer.status] ?? 0) + 1;
    if (await (spec.expect ?? defaultExpect)(answer.status, answer.body)) {
      stats.ok += 1;
      spec.onSuccess?.(answer.status, answer.body);
    } else {
      stats.errors += 1;
      if (stats.errorSamples.length < 5) stats.errorSamples.push(`${answer.status}: ${answer.body.slice(0, 200).replace(/\s+/g, ' ')}`);
    }
  } catch (error) {
    stats.errors += 1;
    stats.statuses.network = (stats.statuses.network ?? 0) + 1;
    if (stats.errorSamples.length < 5) stats.errorSamples.push(error instanceof Error ? error.message : String(error));
  } finally {
    spec.onDone?.();
  }
}

/**
 * Starts `rate` requests per second for `durationS` seconds on a fixed schedule. A request's
 * latency is measured from the moment it was due to start, so time spent waiting for a socket
 * counts. After the schedule ends it waits at most `drainS` seconds for the last answers.
 */
export async function openLoop(client: HttpClient, options: { rate: number; durationS: number; next: () => RequestSpec; drainS?: number }): Promise<LoadResult> {
  const result: LoadResult = { durationS: options.durationS, kinds: {}, abandoned: 0 };
  const interval = 1000 / options.rate;
  const total = Math.floor(options.rate * options.durationS);
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const due = start + sent * interval;
        const promise = issue(client, options.next(), result, due).finally(() => inFlight.delete(promise));
        inFlight.add(promise);
        sent += 1;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(5, start + sent * interval - performance.now())));
    };
    tick();
  });
  const drained = await Promise.race([Promise.all(inFlight).then(() => true), sleep((options.drainS ?? 30) * 1000).then(() => false)]);
  if (!drained) result.abandoned = inFlight.size;
  return result;
}

/** `concurrency` workers each send the next request as soon as the previous one answered, for `durationS` seconds. */
export async function closedLoop(client: HttpClient, options: { concurrency: number; durationS: number; next: () => RequestSpec }): Promise<LoadResult> {
  const result: LoadResult = { durationS: options.durationS, kinds: {}, abandoned: 0 };
  const deadline = performance.now() + options.durationS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      await issue(client, options.next(), result, started);
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.durationS = (performance.now() - began) / 1000;
  return result;
}

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export interface Summary {
  count: number;
  ok: number;
  errors: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errorSamples: string[];
}

export function summarise(stats: KindStats | undefined, durationS: number): Summary {
  const s = stats ?? { count: 0, ok: 0, errors: 0, latencies: [], statuses: {}, errorSamples: [] };
  return {
    count: s.count,
    ok: s.ok,
    errors: s.errors,
    perSecond: s.ok / durationS,
    p50: percentile(s.latencies, 0.5),
    p95: percentile(s.latencies, 0.95),
    p99: percentile(s.latencies, 0.99),
    max: s.latencies.length ? s.latencies.reduce((a, b) => Math.max(a, b), 0) : NaN,
    statuses: s.statuses,
    errorSamples: s.errorSamples,
  };
}

export function mergeStats(result: LoadResult): KindStats {
  const all: KindStats = { count: 0, ok: 0, errors: 0, latencies: [], statuses: {}, errorSamples: [] };
  for (const s of Object.values(result.kinds)) {
    all.count += s.count;
    all.ok += s.ok;
    all.errors += s.errors;
    for (const l of s.latencies) all.latencies.push(l);
    for (const [k, v] of Object.entries(s.statuses)) all.statuses[k] = (all.statuses[k] ?? 0) + v;
    all.errorSamples.push(...s.errorSamples.slice(0, 2));
  }
  return all;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
