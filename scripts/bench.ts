// npm run bench [-- --phase module|dashboard|writes|mixed|all] [--duration S] [--long] [--rate N] ...
//
// Measures the budgets in DESIGN.md ("Budgets") against the built production server. Every phase
// starts its own server (NODE_ENV=production, KINDRED_METRICS=1) on a fresh temp database, sends
// load only to 127.0.0.1, stops by itself, and stops its server. Results go to stdout and to
// docs/performance.md. It builds nothing: run `npm run build` first.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type DB } from '../db/database.server.ts';
import { joinedText } from '../db/dialect.ts';
import { checkFields, readCourseModules, type BenchModule } from './bench-courses.ts';
import { actionData, closedLoop, fetcherPath, HttpClient, mergeStats, openLoop, percentile, sleep, summarise, type LoadResult, type RequestSpec, type Summary } from './bench-load.ts';
import { HARNESS_PASSWORD, processMemory, removeDatabase, removeSnapshot, snapshotBuild, startServer, tempDatabasePath, type BenchServer } from './bench-server.ts';

const TRUST_LEADER = 'trust.leader@large.example';
const MB = 1024 * 1024;
const PHASES = ['module', 'dashboard', 'writes', 'mixed', 'email', 'cold-start', 'soak'] as const;
/** `all` runs these; the soak (10 minutes) only when asked for. */
const DEFAULT_PHASES: Phase[] = ['module', 'dashboard', 'writes', 'mixed', 'email', 'cold-start'];
type Phase = (typeof PHASES)[number];

const { values: opts } = parseArgs({
  options: {
    phase: { type: 'string', default: 'all' },
    duration: { type: 'string', default: '60' },
    long: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'cold-start': { type: 'boolean', default: false },
    rate: { type: 'string', default: '100' },
    learners: { type: 'string', default: '200' },
    staff: { type: 'string', default: '2000' },
    'throughput-seconds': { type: 'string', default: '5' },
    'throughput-rounds': { type: 'string', default: '6' },
    'writes-seconds': { type: 'string', default: '20' },
    'writers': { type: 'string', default: '8' },
    processes: { type: 'string', default: '1' },
    out: { type: 'string', default: 'docs/performance.md' },
    build: { type: 'string', default: 'build' },
    'no-doc': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  console.log(`npm run bench -- [options]
  --phase module|dashboard|writes|mixed|email|cold-start|soak|all   which phases (default all, which leaves out soak; a comma-separated list works too)
  --cold-start            only the cold-start phase (same as --phase cold-start)
  --soak                  only the 10-minute soak: mixed load at --rate for 600 s after a 60 s warm-up, RSS growth measured
  --duration S            mixed phase length in seconds (default 60)
  --long                  mixed phase of 600 s
  --rate N                mixed phase arrival rate, requests/s (default 100)
  --learners N            signed-in learners in the mixed phase (default 200)
  --staff N               large-seed staff for the mixed phase (default 2000)
  --throughput-seconds S  each max-throughput run in the module phase (default 5)
  --throughput-rounds N   rounds of those runs, pages alternately (default 6)
  --writes-seconds S      writes phase length (default 20)
  --writers N             concurrent writers in the writes phase (default 8)
  --processes N           build/server.js processes sharing the writes and mixed phases' database (default 1; more needs DATABASE_URL)
  DATABASE_URL=postgres://…/postgres   run every phase on PostgreSQL: each phase gets a new database on that server
  --build DIR             the built app to measure (default build; e.g. a copy of an older build, to compare)
  --out FILE              report file (default docs/performance.md); --no-doc to skip it`);
  process.exit(0);
}

const selected: Phase[] = opts.soak ? ['soak'] : opts['cold-start'] ? ['cold-start'] : opts.phase === 'all' ? [...DEFAULT_PHASES] : (opts.phase!.split(',') as Phase[]);
for (const p of selected) if (!PHASES.includes(p)) fail(`Unknown phase "${p}": use ${PHASES.join(', ')} or all`);
const mixedSeconds = opts.long ? 600 : Number(opts.duration);
const SOAK_SECONDS = 600;
const mixedRate = Number(opts.rate);
const throughputSeconds = Number(opts['throughput-seconds']);
const throughputRounds = Number(opts['throughput-rounds']);
const processes = Number(opts.processes);
/** A PostgreSQL server to measure on (its maintenance database); without it, SQLite files. */
const postgresAdminUrl = process.env.DATABASE_URL ?? null;
if (processes > 1 && !postgresAdminUrl) fail('--processes above 1 needs DATABASE_URL: several processes share a PostgreSQL database, not a SQLite file');

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

// --- Shared helpers ------------------------------------------------------------------------------

const SERVER_ENV = { NODE_ENV: 'production', KINDRED_METRICS: '1', SESSION_SECRET: crypto.randomBytes(32).toString('hex') };
let serverJs = '';
const cleanups: (() => void | Promise<void>)[] = [];

/** A phase's database: a SQLite file, or a PostgreSQL database (`url`) with a temp folder for the server's files. */
interface BenchDatabase {
  databasePath: string;
  url: string | null;
}

const targetOf = (database: BenchDatabase) => database.url ?? database.databasePath;

/** Runs statements on the PostgreSQL server's maintenance database (CREATE/DROP DATABASE). */
async function onPostgres(statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl! });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new PostgreSQL database (a copy of `template` when given), dropped when the bench ends. */
async function newPostgresDatabase(template?: string): Promise<{ name: string; url: string }> {
  const name = `kindred_bench_${crypto.randomBytes(6).toString('hex')}`;
  await onPostgres([`create database ${name}${template ? ` template ${template}` : ''}`]);
  cleanups.push(() => onPostgres([`drop database if exists ${name} with (force)`]));
  const url = new URL(postgresAdminUrl!);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Reads a phase's database through Kysely: the same code on SQLite and PostgreSQL. */
async function withDatabase<T>(database: BenchDatabase, body: (db: DB) => Promise<T>): Promise<T> {
  const db = openDatabase(targetOf(database), { poolSize: 2 });
  try {
    return await body(db);
  } finally {
    await db.destroy();
  }
}

/** Sends each request to the next of several servers in turn: a load balancer in front of N processes. */
class SpreadClient extends HttpClient {
  private turn = 0;
  constructor(private clients: HttpClient[]) {
    super(clients[0]!.baseUrl);
  }
  override request(...args: Parameters<HttpClient['request']>): ReturnType<HttpClient['request']> {
    this.turn += 1;
    return this.clients[this.turn % this.clients.length]!.request(...args);
  }
  override close(): void {
    for (const client of this.clients) client.close();
    super.close();
  }
}

interface ServerGroup {
  servers: BenchServer[];
  clients: HttpClient[];
}

async function withServer<T>(
  database: BenchDatabase,
  env: Record<string, string>,
  body: (server: BenchServer, client: HttpClient, memory: MemorySampler, group: ServerGroup) => Promise<T>,
  count = 1,
): Promise<T & { serverOutput: string; exitCode: number | null }> {
  const serverEnv = { ...SERVER_ENV, ...env, ...(database.url ? { DATABASE_URL: database.url } : {}) };
  // One after another: the first migrates (and seeds) the new database, the others find it ready.
  const servers: BenchServer[] = [];
  // A server started with --cpu-prof writes its profile as it exits, which can take a while.
  const stopAll = async () => Promise.all(servers.map((server) => stopWithin(server, process.env.KINDRED_BENCH_NODE_FLAGS ? 120_000 : 20_000)));
  try {
    for (let i = 0; i < count; i += 1) {
      const folder = i === 0 ? database.databasePath : tempDatabasePath(undefined, 'kindred-bench-');
      if (i > 0) cleanups.push(() => removeDatabase(folder));
      servers.push(await startServer({ serverJs, databasePath: folder, env: serverEnv, harnessPassword: i === 0 }));
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const clients = servers.map((server) => new HttpClient(server.url));
  const client = count === 1 ? clients[0]! : new SpreadClient(clients);
  const memory = new MemorySampler(servers.map((server) => server.pid));
  try {
    const result = await body(servers[0]!, client, memory, { servers, clients });
    memory.stop();
    client.close();
    const codes = await stopAll();
    return { ...result, serverOutput: servers.map((server) => server.output()).join('\n'), exitCode: codes.find((code) => code !== 0) ?? codes[0] ?? null };
  } catch (error) {
    memory.stop();
    client.close();
    await stopAll();
    throw error;
  }
}

async function stopWithin(server: BenchServer, ms: number): Promise<number | null> {
  const timer = setTimeout(() => server.process.kill('SIGKILL'), ms);
  const code = await server.stop('SIGTERM');
  clearTimeout(timer);
  return code;
}

/** The peak RSS of the largest of the servers. */
class MemorySampler {
  peakRss = 0;
  private timer: NodeJS.Timeout;
  constructor(private pids: number[]) {
    this.timer = setInterval(() => this.sample(), 250);
  }
  sample(): void {
    for (const pid of this.pids) {
      const m = processMemory(pid);
      if (m) this.peakRss = Math.max(this.peakRss, m.rssBytes, m.peakRssBytes);
    }
  }
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

interface Metrics {
  rssBytes: number;
  heapUsedBytes: number;
  /** V8's heap as reserved, and memory outside it: which part of RSS grows. */
  heapTotalBytes: number;
  externalBytes: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  statements: number;
}

async function metrics(client: HttpClient, reset = false): Promise<Metrics> {
  // An overloaded server answers it only after the queue ahead of it: wait as long as a run drains.
  const answer = await client.request({ path: `/__metrics${reset ? '?reset=1' : ''}` }, 120_000);
  if (answer.status !== 200) throw new Error(`/__metrics answered ${answer.status}: is KINDRED_METRICS=1 supported by this build?`);
  return JSON.parse(answer.body) as Metrics;
}

async function signIn(client: HttpClient, email: string): Promise<string> {
  const answer = await client.request({ path: '/sign-in', form: { email, password: HARNESS_PASSWORD } });
  const cookie = answer.headers['set-cookie']?.[0];
  if (answer.status !== 302 || !cookie) throw new Error(`sign-in as ${email} answered ${answer.status}`);
  return cookie.split(';')[0]!;
}

async function signInAll(client: HttpClient, emails: string[], concurrency = 2): Promise<Map<string, string>> {
  const cookies = new Map<string, string>();
  const queue = [...emails];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let email = queue.shift(); email; email = queue.shift()) cookies.set(email, await signIn(client, email));
    }),
  );
  return cookies;
}

async function get(client: HttpClient, pathname: string, cookie?: string, expectStatus = 200) {
  const answer = await client.request({ path: pathname, headers: cookie ? { cookie } : {} });
  if (answer.status !== expectStatus) throw new Error(`GET ${pathname} answered ${answer.status} (expected ${expectStatus}): ${answer.body.slice(0, 300)}`);
  return { ...answer, queries: Number(answer.headers['x-query-count'] ?? NaN) };
}

interface Person {
  email: string;
  roles: string[];
  kind: 'school' | 'trust';
}

/** The active members of a database (read beside the running server). */
async function listPeople(database: BenchDatabase): Promise<Person[]> {
  return withDatabase(database, async (db) => {
    const rows = await db
      .selectFrom('users as u')
      .innerJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'u.id').on('m.deactivated_at', 'is', null))
      .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
      .innerJoin('membership_roles as r', 'r.membership_id', 'm.id')
      .select(['u.email', 'o.kind', joinedText(db, 'r.role').as('roles')])
      .where('u.password_hash', 'is not', null)
      .groupBy(['m.id', 'u.id', 'u.email', 'o.kind'])
      .orderBy('u.id')
      .execute();
    return rows.map((r) => ({ email: r.email, roles: r.roles.split(','), kind: r.kind }));
  });
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

function sample<T>(items: readonly T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

function busyIn(output: string): string[] {
  return output.split('\n').filter((line) => /SQLITE_BUSY|database is locked/i.test(line));
}

const modules = readCourseModules();
const MODULE_PATH = '/courses/closing-the-gap/who-counts';

/**
 * Reflection saves and check attempts go the way the browser sends them with JavaScript (a Remix
 * fetcher with single fetch: `<path>.data`, answered with the action's data in turbo-stream).
 * Without `.data` a POST is a document request: Remix runs the action and renders the whole page.
 */

function reflectionWrite(cookie: string, m: BenchModule, itemId: string, body: string, onSuccess?: () => void): RequestSpec {
  return {
    kind: 'write:reflection',
    path: fetcherPath(m.path),
    headers: { cookie },
    form: { intent: 'reflection', itemId, body, enhanced: '1' },
    expect: async (status, text) => status === 200 && (await actionData(text))?.ok === true,
    onSuccess,
  };
}

function checkWrite(cookie: string, m: BenchModule): RequestSpec {
  return { kind: 'write:check', path: fetcherPath(m.path), headers: { cookie }, form: checkFields(m.checks[0]!), expect: async (status, text) => status === 200 && (await actionData(text))?.passed === true };
}

function completeWrite(cookie: string, m: BenchModule): RequestSpec {
  return { kind: 'write:complete', path: m.path, headers: { cookie }, form: { intent: 'complete' }, expect: (status) => status === 302 };
}

function cpdWrite(cookie: string, title: string, onSuccess?: () => void): RequestSpec {
  const date = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  return {
    kind: 'write:cpd',
    path: '/learn/cpd',
    headers: { cookie },
    form: { title, provider: 'Bench provider', date, hours: '1.5', note: 'Recorded by the benchmark', link: '' },
    expect: (status, _text) => status === 302,
    onSuccess,
  };
}

function filler(n: number): string {
  return 'I will try this with my Year 4 class next week and note what changes. '.repeat(Math.ceil(n / 70)).slice(0, n);
}

// --- Large seed (issue 6) ------------------------------------------------------------------------

function largeSeedAvailable(): boolean {
  if (fs.existsSync('db/seed-large.ts')) return true;
  try {
    return /--large/.test(fs.readFileSync('db/cli.ts', 'utf8'));
  } catch {
    return false;
  }
}

interface LargeTemplate {
  path: string;
  /** The PostgreSQL database the phases copy, when the bench runs on PostgreSQL. */
  postgresName: string | null;
  seconds: number;
}
const seededLarge = new Map<number, LargeTemplate>();

/** Runs `npm run db:seed -- --large --staff N` once per size into a template; phases copy it. */
async function largeTemplate(staff: number): Promise<LargeTemplate> {
  const known = seededLarge.get(staff);
  if (known) return known;
  const databasePath = tempDatabasePath(undefined, 'kindred-bench-large-');
  cleanups.push(() => removeDatabase(databasePath));
  const postgres = postgresAdminUrl ? await newPostgresDatabase() : null;
  log(`seeding the large trust with ${staff} staff: npm run db:seed -- --large --staff ${staff}${postgres ? ' (PostgreSQL)' : ''}`);
  const started = performance.now();
  const { DATABASE_URL: _adminUrl, ...inherited } = process.env;
  const child = spawn('npm', ['run', '--silent', 'db:seed', '--', '--large', '--staff', String(staff)], {
    env: { ...inherited, DATABASE_PATH: databasePath, ...(postgres ? { DATABASE_URL: postgres.url } : {}), SESSION_SECRET: SERVER_ENV.SESSION_SECRET, COURSES_PATH: path.resolve('courses'), NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`the large seed failed (exit ${code}):\n${output}`);
  if (!postgres) {
    // Checkpoint so the copies are one self-contained file.
    const db = new SQLite(databasePath);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
  const result = { path: databasePath, postgresName: postgres?.name ?? null, seconds: (performance.now() - started) / 1000 };
  seededLarge.set(staff, result);
  log(`seeded ${staff} staff in ${result.seconds.toFixed(1)} s`);
  return result;
}

async function freshCopy(template: LargeTemplate): Promise<BenchDatabase> {
  const databasePath = tempDatabasePath(template.postgresName ? undefined : template.path);
  cleanups.push(() => removeDatabase(databasePath));
  return { databasePath, url: template.postgresName ? (await newPostgresDatabase(template.postgresName)).url : null };
}

async function freshEmpty(): Promise<BenchDatabase> {
  const databasePath = tempDatabasePath();
  cleanups.push(() => removeDatabase(databasePath));
  return { databasePath, url: postgresAdminUrl ? (await newPostgresDatabase()).url : null };
}

// --- Phase: module page --------------------------------------------------------------------------

interface CannonRun {
  url: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

/** What browsers send: the throughput runs measure the pages compressed, as they are served. */
const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br';

async function cannon(url: string, headers: Record<string, string>, seconds: number): Promise<CannonRun> {
  const result = await autocannon({ url, connections: 10, duration: seconds, headers: { 'accept-encoding': BROWSER_ACCEPT_ENCODING, ...headers } });
  return { url, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts, total: result.requests.total };
}

/**
 * Finding 1 of the hardening review: a form of 30,000 fields (about 260 KB) once took seconds
 * and held up every other request. Posts one and, 20 ms in, asks /healthz; times both.
 */
async function hostileForm(baseUrl: string): Promise<{ status: number; formMs: number; healthMs: number }> {
  const body = Array.from({ length: 30_000 }, (_, i) => `field${i}=x`).join('&');
  const started = performance.now();
  const form = fetch(`${baseUrl}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl }, body }).then(async (r) => {
    await r.arrayBuffer();
    return { status: r.status, ms: performance.now() - started };
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const healthStarted = performance.now();
  await (await fetch(`${baseUrl}/healthz`)).arrayBuffer();
  const healthMs = performance.now() - healthStarted;
  const answered = await form;
  return { status: answered.status, formMs: answered.ms, healthMs };
}

/** A page's size as sent to a browser that accepts brotli, and the encoding used. */
async function compressedSize(url: string, cookie?: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': BROWSER_ACCEPT_ENCODING, ...(cookie ? { cookie } : {}) } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * On PostgreSQL the module page is also measured on SQLite in the same run, alternately (issue 15:
 * within 10% of it): `body` gets the SQLite server's module URL and cookie, or null on SQLite.
 */
async function besideSqlite<T>(body: (sqlite: { url: string; cookie: string } | null) => Promise<T>): Promise<T> {
  if (!postgresAdminUrl) return body(null);
  const databasePath = tempDatabasePath();
  cleanups.push(() => removeDatabase(databasePath));
  return withServer({ databasePath, url: null }, { SEED_DEMO_DATA: 'auto' }, async (server, client) => {
    const cookie = await signIn(client, 'teacher@oakfield.example');
    for (let i = 0; i < 200; i += 1) await get(client, MODULE_PATH, cookie);
    return body({ url: server.url + MODULE_PATH, cookie });
  });
}

/** Each page at full speed for this long before the module phase measures anything. */
const WARM_UP_SECONDS = 3;

async function modulePhase() {
  log(`module phase: fresh demo database, one signed-in learner${postgresAdminUrl ? ', and the same on SQLite beside it' : ''}`);
  return besideSqlite(async (sqlite) => withServer(await freshEmpty(), { SEED_DEMO_DATA: 'auto' }, async (server, client, memory) => {
    const cookie = await signIn(client, 'teacher@oakfield.example');
    const page = await get(client, MODULE_PATH, cookie);
    if (!page.body.includes('module-title')) throw new Error('the module page did not render');
    const trivial = await get(client, '/');
    const compressed = { module: await compressedSize(server.url + MODULE_PATH, cookie), trivial: await compressedSize(server.url + '/') };
    for (let i = 0; i < 200; i += 1) {
      await get(client, MODULE_PATH, cookie);
      await get(client, '/');
    }
    // Warm as a server that has been up a while is: the first round after 200 requests alone ran
    // 10–15% below the rest for both pages, V8 still optimising the code either page runs.
    await cannon(server.url + MODULE_PATH, { cookie }, WARM_UP_SECONDS);
    await cannon(server.url + '/', {}, WARM_UP_SECONDS);
    const warm = await metrics(client);
    log(`warm; max throughput, 10 connections, ${throughputSeconds} s per run, ${throughputRounds} rounds, the pages alternately`);
    const runs: { module: CannonRun[]; trivial: CannonRun[]; sqliteModule: CannonRun[] } = { module: [], trivial: [], sqliteModule: [] };
    for (let round = 0; round < throughputRounds; round += 1) {
      // This machine's speed drifts by the second: short runs, the order swapped every round, and
      // the ratio taken within each round.
      const measure = [
        async () => runs.module.push(await cannon(server.url + MODULE_PATH, { cookie }, throughputSeconds)),
        async () => runs.trivial.push(await cannon(server.url + '/', {}, throughputSeconds)),
        ...(sqlite ? [async () => runs.sqliteModule.push(await cannon(sqlite.url, { cookie: sqlite.cookie }, throughputSeconds))] : []),
      ];
      for (const run of round % 2 === 0 ? measure : [...measure].reverse()) await run();
      log(`round ${round + 1}: module ${runs.module.at(-1)!.requestsPerSecond.toFixed(0)} req/s, trivial ${runs.trivial.at(-1)!.requestsPerSecond.toFixed(0)} req/s${sqlite ? `, module on SQLite ${runs.sqliteModule.at(-1)!.requestsPerSecond.toFixed(0)} req/s` : ''}`);
    }
    const mean = (xs: CannonRun[]) => xs.reduce((s, r) => s + r.requestsPerSecond, 0) / xs.length;
    const roundRatios = (of: CannonRun[], to: CannonRun[]) => of.map((run, i) => run.requestsPerSecond / to[i]!.requestsPerSecond);
    const ratio = median(roundRatios(runs.module, runs.trivial));
    const ratioOfMeans = mean(runs.module) / mean(runs.trivial);
    const sqliteRatio = sqlite ? median(roundRatios(runs.module, runs.sqliteModule)) : null;
    const sqliteModuleRps = sqlite ? mean(runs.sqliteModule) : null;
    log('module page at a fixed 100 requests/s for 30 s (open loop)');
    await metrics(client, true);
    const fixed = await openLoop(client, { rate: 100, durationS: 30, next: () => ({ kind: 'module', path: MODULE_PATH, headers: { cookie }, expect: (s) => s === 200 }) });
    const after = await metrics(client);
    const hostile = await hostileForm(server.url);
    log(`hostile form: 30,000 fields answered ${hostile.status} in ${hostile.formMs.toFixed(0)} ms; /healthz meanwhile ${hostile.healthMs.toFixed(0)} ms`);
    return {
      hostile,
      moduleQueries: page.queries,
      trivialQueries: trivial.queries,
      moduleBytes: page.body.length,
      trivialBytes: trivial.body.length,
      compressed,
      runs,
      moduleRps: mean(runs.module),
      trivialRps: mean(runs.trivial),
      ratio,
      ratioOfMeans,
      sqliteRatio,
      sqliteModuleRps,
      fixed: summarise(fixed.kinds.module, fixed.durationS),
      abandoned: fixed.abandoned,
      eventLoopP99Ms: after.eventLoopDelayP99Ms,
      rssWarm: warm.rssBytes,
      heapWarm: warm.heapUsedBytes,
      rssEnd: after.rssBytes,
      heapEnd: after.heapUsedBytes,
      peakRss: memory.peakRss,
    };
  }));
}

// --- Phase: leader dashboard ---------------------------------------------------------------------

/** The pages a trust leader opens, measured at each staff size (issue 13: each ≤ 250 KB at 2,000 staff). */
const LEADER_PAGES = ['/lead', '/lead/people', '/lead/governors', '/lead/assignments', '/lead/groups', '/audit'];
const LEADER_PAGE_BUDGET_BYTES = 250 * 1024;

async function dashboardAt(staff: number, measureLatency: boolean) {
  const template = await largeTemplate(staff);
  return withServer(await freshCopy(template), { SEED_DEMO_DATA: 'never' }, async (_server, client, memory) => {
    const cookie = await signIn(client, TRUST_LEADER);
    const lead: number[] = [];
    const csv: number[] = [];
    let leadBytes = 0;
    let csvRows = 0;
    for (let i = 0; i < 3; i += 1) {
      const a = await get(client, '/lead', cookie);
      lead.push(a.queries);
      leadBytes = a.body.length;
      const b = await get(client, '/lead/export.csv', cookie);
      csv.push(b.queries);
      csvRows = b.body.trim().split('\n').length;
    }
    // One request at a time: the service time with no queue.
    const sequential: Record<string, number[]> = { lead: [], csv: [] };
    for (let i = 0; i < 10; i += 1) {
      for (const [key, pathname] of [['lead', '/lead'], ['csv', '/lead/export.csv']] as const) {
        const began = performance.now();
        await get(client, pathname, cookie);
        sequential[key]!.push(performance.now() - began);
      }
    }
    const serviceMs = { lead: percentile(sequential.lead!, 0.5), csv: percentile(sequential.csv!, 0.5) };
    // Every leader page stays light however large the trust: its size (uncompressed) and statements.
    const pages: { path: string; bytes: number; queries: number; status: number }[] = [];
    for (const pathname of LEADER_PAGES) {
      const page = await get(client, pathname, cookie);
      pages.push({ path: pathname, bytes: page.body.length, queries: page.queries, status: page.status });
    }
    let latency: Summary | null = null;
    let abandoned = 0;
    if (measureLatency) {
      for (let i = 0; i < 20; i += 1) await get(client, '/lead', cookie);
      log(`/lead for the trust leader at 20 requests/s for 30 s (${staff} staff)`);
      const run = await openLoop(client, { rate: 20, durationS: 30, next: () => ({ kind: 'lead', path: '/lead', headers: { cookie }, expect: (s) => s === 200 }) });
      latency = summarise(run.kinds.lead, run.durationS);
      abandoned = run.abandoned;
    }
    return { staff, seedSeconds: template.seconds, serviceMs, leadQueries: lead, csvQueries: csv, leadBytes, csvRows, pages, latency, abandoned, peakRss: memory.peakRss };
  });
}

async function dashboardPhase() {
  log('dashboard phase: large seed with 200 and with 2000 staff');
  const small = await dashboardAt(200, false);
  const large = await dashboardAt(2000, true);
  const last = (xs: number[]) => xs.at(-1)!;
  return {
    small,
    large,
    leadSame: last(small.leadQueries) === last(large.leadQueries),
    csvSame: last(small.csvQueries) === last(large.csvQueries),
  };
}

// --- Phase: writes -------------------------------------------------------------------------------

async function writesPhase() {
  const seconds = Number(opts['writes-seconds']);
  const writers = Number(opts.writers);
  log(`writes phase: fresh demo database, ${writers} concurrent writers for ${seconds} s beside module-page reads at 50 requests/s, ${processes} server process${processes > 1 ? 'es' : ''}`);
  const database = await freshEmpty();
  const run = await withServer(database, { SEED_DEMO_DATA: 'auto' }, async (_server, client, memory, group) => {
    const learners = (await listPeople(database))
      .filter((p) => p.kind === 'school' && p.roles.includes('teacher'))
      .map((p) => p.email);
    const cookies = await signInAll(client, learners);
    const readerCookie = cookies.get(learners[0]!)!;
    for (const one of group.clients) for (const m of modules) await get(one, m.path, readerCookie);
    // Each writer owns its own learners, so writes to one learner's items are never concurrent and
    // "the last acknowledged write" is well defined for the check afterwards.
    const ackedCpd = new Set<string>();
    const lastReflection = new Map<string, string>();
    let sequence = 0;
    const owned = Array.from({ length: writers }, (_, w) => learners.filter((_, i) => i % writers === w));
    const cursors = owned.map(() => 0);
    const writerSpecs = owned.map((mine, w) => () => {
      const turn = cursors[w]!;
      cursors[w] = turn + 1;
      const email = mine[turn % mine.length]!;
      const cookie = cookies.get(email)!;
      const n = (sequence += 1);
      const roll = Math.random();
      if (roll < 0.2) {
        const title = `bench cpd ${n} ${email}`;
        return cpdWrite(cookie, title, () => ackedCpd.add(title));
      }
      const m = pick(modules);
      if (roll < 0.55) return checkWrite(cookie, m);
      const item = pick(m.reflections).id;
      const body = `bench ${n}: ${filler(400)}`;
      return reflectionWrite(cookie, m, item, body, () => lastReflection.set(`${email}|${m.course}|${m.module}|${item}`, body));
    });
    const result: LoadResult = { durationS: seconds, kinds: {}, abandoned: 0 };
    const [reads, ...writes] = await Promise.all([
      openLoop(client, { rate: 50, durationS: seconds, next: () => ({ kind: 'read', path: pick(modules).path, headers: { cookie: readerCookie }, expect: (s) => s === 200 }) }),
      ...writerSpecs.map((next) => closedLoop(client, { concurrency: 1, durationS: seconds, next })),
    ]);
    for (const w of writes) for (const [kind, stats] of Object.entries(w.kinds)) {
      const into = (result.kinds[kind] ??= { count: 0, ok: 0, errors: 0, latencies: [], statuses: {}, errorSamples: [] });
      into.count += stats.count;
      into.ok += stats.ok;
      into.errors += stats.errors;
      for (const l of stats.latencies) into.latencies.push(l);
      for (const [k, v] of Object.entries(stats.statuses)) into.statuses[k] = (into.statuses[k] ?? 0) + v;
      into.errorSamples.push(...stats.errorSamples);
    }
    const writeDuration = Math.max(...writes.map((w) => w.durationS));
    const after = await metrics(client);
    return {
      learners: learners.length,
      writes: summarise(mergeStats(result), writeDuration),
      byKind: Object.fromEntries(Object.entries(result.kinds).map(([k, v]) => [k, summarise(v, writeDuration)])),
      reads: summarise(reads.kinds.read, reads.durationS),
      ackedCpd,
      lastReflection,
      peakRss: memory.peakRss,
      rssEnd: after.rssBytes,
      eventLoopP99Ms: after.eventLoopDelayP99Ms,
    };
  }, processes);
  // Every acknowledged write must be in the database once the server has stopped.
  const { lostCpd, lostReflections } = await withDatabase(database, async (db) => {
    const titles = new Set((await db.selectFrom('external_cpd').select('title').where('title', 'like', 'bench cpd %').execute()).map((r) => r.title));
    const rows = await db.selectFrom('reflection_responses as r').innerJoin('users as u', 'u.id', 'r.user_id').select(['u.email', 'r.course_slug', 'r.module_slug', 'r.item_id', 'r.body']).execute();
    const stored = new Map(rows.map((r) => [`${r.email}|${r.course_slug}|${r.module_slug}|${r.item_id}`, r.body]));
    return { lostCpd: [...run.ackedCpd].filter((t) => !titles.has(t)).length, lostReflections: [...run.lastReflection].filter(([key, body]) => stored.get(key) !== body).length };
  });
  // PostgreSQL checks its own pages; SQLite's file is checked here.
  let integrity = 'n/a (PostgreSQL)';
  if (!database.url) {
    const db = new SQLite(database.databasePath, { readonly: true });
    integrity = db.pragma('integrity_check', { simple: true }) as string;
    db.close();
  }
  const busy = busyIn(run.serverOutput);
  return {
    processes,
    learners: run.learners,
    seconds,
    writers,
    writes: run.writes,
    byKind: run.byKind,
    reads: run.reads,
    ackedCpd: run.ackedCpd.size,
    ackedReflections: run.lastReflection.size,
    lost: lostCpd + lostReflections,
    integrity,
    busy: busy.length,
    busySample: busy.slice(0, 3),
    exitCode: run.exitCode,
    peakRss: run.peakRss,
    rssEnd: run.rssEnd,
    eventLoopP99Ms: run.eventLoopP99Ms,
  };
}

// --- Phase: mixed (issue 7) ----------------------------------------------------------------------

/**
 * The soak's warm-up is a minute of its own load, the mixed phase's 10 s. RSS grows by 20–30 MB over
 * a server's first minute under this load and is then flat (decision 029: the JIT's code and the
 * caches filling, and V8 sizing its heap to them); the soak measures growth after that, and reports
 * RSS after 10 s too.
 */
const WARM_UP_S = { mixed: 10, soak: 60 } as const;

async function mixedPhase(mixedDuration: number, label: 'mixed' | 'soak' = 'mixed') {
  const staff = Number(opts.staff);
  const template = await largeTemplate(staff);
  log(`${label} phase: ${staff} staff, ${mixedRate} requests/s for ${mixedDuration} s (80% module pages, 15% writes, 5% dashboards), ${processes} server process${processes > 1 ? 'es' : ''}`);
  const database = await freshCopy(template);
  return withServer(
    database,
    { SEED_DEMO_DATA: 'never' },
    async (_server, client, memory, group) => {
    const people = await listPeople(database);
    const learnerEmails = sample(
      [...new Set(people.filter((p) => p.kind === 'school' && p.roles.includes('teacher')).map((p) => p.email))],
      Number(opts.learners),
    );
    const schoolLeaders = sample([...new Set(people.filter((p) => p.kind === 'school' && p.roles.includes('leader')).map((p) => p.email))], 10);
    log(`signing in ${learnerEmails.length} learners and ${schoolLeaders.length + 1} leaders`);
    const signInStarted = performance.now();
    const cookies = await signInAll(client, [...learnerEmails, ...schoolLeaders, TRUST_LEADER]);
    const signInSeconds = (performance.now() - signInStarted) / 1000;
    const trustCookie = cookies.get(TRUST_LEADER)!;
    const schoolCookies = schoolLeaders.map((e) => cookies.get(e)!);
    const learners = learnerEmails.map((email) => ({ email, cookie: cookies.get(email)!, cursor: Math.floor(Math.random() * modules.length), step: 0, busy: false }));
    for (const one of group.clients) for (const m of modules) await get(one, m.path, learners[0]!.cookie);
    for (const one of group.clients) for (let i = 0; i < 5; i += 1) await get(one, '/lead', trustCookie);
    const warmUpS = WARM_UP_S[label];
    log(`warm-up: ${warmUpS} s at the same mix, not counted`);
    let sequence = 0;
    const next = (): RequestSpec => {
      const roll = Math.random();
      if (roll < 0.8) {
        const learner = pick(learners);
        return { kind: 'module page', path: pick(modules).path, headers: { cookie: learner.cookie }, expect: (s) => s === 200 };
      }
      if (roll < 0.95) {
        // Each learner works through modules in order: required reflection, check, complete.
        const idle = learners.filter((l) => !l.busy);
        const learner = idle.length ? pick(idle) : pick(learners);
        const m = modules[learner.cursor % modules.length]!;
        const step = learner.step;
        learner.step = (learner.step + 1) % 3;
        if (learner.step === 0) learner.cursor += 1;
        learner.busy = true;
        let spec: RequestSpec;
        if (step === 0) spec = reflectionWrite(learner.cookie, m, m.reflections.find((r) => r.required)?.id ?? m.reflections[0]!.id, `mixed ${(sequence += 1)}: ${filler(300)}`);
        else if (step === 1) spec = checkWrite(learner.cookie, m);
        else spec = completeWrite(learner.cookie, m);
        return { ...spec, onDone: () => (learner.busy = false) };
      }
      const leader = Math.random() < 0.5 || schoolCookies.length === 0 ? { kind: 'dashboard (trust)', cookie: trustCookie } : { kind: 'dashboard (school)', cookie: pick(schoolCookies) };
      return { kind: leader.kind, path: '/lead', headers: { cookie: leader.cookie }, expect: (s) => s === 200 };
    };
    // Metrics from a separate connection pool: on an overloaded server the load's own pool holds a
    // queue of requests waiting for a socket, and a sample sent through it would wait behind them.
    const samplers = group.servers.map((one) => new HttpClient(one.url));
    await openLoop(client, { rate: mixedRate, durationS: 10, next });
    const after10s = await metrics(samplers[0]!);
    if (warmUpS > 10) await openLoop(client, { rate: mixedRate, durationS: warmUpS - 10, next });
    for (const one of samplers) await metrics(one, true);
    const start = await metrics(samplers[0]!);
    log(`measuring for ${mixedDuration} s`);
    const rssByMinute: number[] = [];
    const heapByMinute: { used: number; total: number; external: number }[] = [];
    const minuteTimer = setInterval(() => {
      metrics(samplers[0]!)
        .then((m) => {
          rssByMinute.push(m.rssBytes);
          heapByMinute.push({ used: m.heapUsedBytes, total: m.heapTotalBytes, external: m.externalBytes });
        })
        .catch(() => undefined);
    }, 60_000);
    // RSS every 5 s: one sample swings by 10–15 MB with where it falls between two full
    // collections, so growth compares the median of the first minute's samples with the last's.
    const measuringFrom = performance.now();
    const rssSamples: { atS: number; bytes: number }[] = [];
    const sampleTimer = setInterval(() => {
      const atS = (performance.now() - measuringFrom) / 1000;
      metrics(samplers[0]!)
        .then((m) => rssSamples.push({ atS, bytes: m.rssBytes }))
        .catch(() => undefined);
    }, 5_000);
    const run = await openLoop(client, { rate: mixedRate, durationS: mixedDuration, next, drainS: 60 });
    clearInterval(minuteTimer);
    clearInterval(sampleTimer);
    // Requests still queued in the client once the drain is over are dropped (counted as unanswered).
    client.close();
    // The worst of the processes, each asked through its own sampler.
    const each = await Promise.all(samplers.map((one) => metrics(one)));
    for (const one of samplers) one.close();
    const after = { rssBytes: Math.max(...each.map((m) => m.rssBytes)), eventLoopDelayP99Ms: Math.max(...each.map((m) => m.eventLoopDelayP99Ms)), eventLoopDelayMaxMs: Math.max(...each.map((m) => m.eventLoopDelayMaxMs)) };
    const kinds = Object.fromEntries(Object.entries(run.kinds).map(([k, v]) => [k, summarise(v, run.durationS)]));
    const writeKinds = Object.entries(run.kinds).filter(([k]) => k.startsWith('write:'));
    const writesMerged = mergeStats({ durationS: run.durationS, kinds: Object.fromEntries(writeKinds), abandoned: 0 });
    const dashMerged = mergeStats({ durationS: run.durationS, kinds: Object.fromEntries(Object.entries(run.kinds).filter(([k]) => k.startsWith('dashboard'))), abandoned: 0 });
    return {
      processes,
      staff,
      rate: mixedRate,
      seconds: mixedDuration,
      learners: learners.length,
      signInSeconds,
      all: summarise(mergeStats(run), run.durationS),
      kinds,
      writes: summarise(writesMerged, run.durationS),
      dashboards: summarise(dashMerged, run.durationS),
      abandoned: run.abandoned,
      warmUpS,
      rssAfter10s: after10s.rssBytes,
      rssStart: start.rssBytes,
      rssFirstMinute: median(rssSamples.filter((one) => one.atS < 60).map((one) => one.bytes)),
      rssLastMinute: median(rssSamples.filter((one) => one.atS >= mixedDuration - 60 && one.atS <= mixedDuration).map((one) => one.bytes)),
      rssByMinute,
      heapByMinute,
      rssEnd: after.rssBytes,
      peakRss: memory.peakRss,
      eventLoopP99Ms: after.eventLoopDelayP99Ms,
      eventLoopMaxMs: after.eventLoopDelayMaxMs,
      staleRetries: group.clients.reduce((sum, one) => sum + one.staleRetries, 0),
    };
    },
    processes,
  );
}

// --- Phase: cold start (issue 14) ----------------------------------------------------------------

/**
 * How soon a freshly started built server answers. A first run seeds a demo database (and sets the
 * harness password in it); then the server is started twice more on that database: once with an
 * empty content cache (every module is compiled from MDX on its first request) and once with the
 * cache the first of those filled. Each time: process start → first answer to `/`, then sign-in,
 * then the first module page.
 */
async function coldStartPhase() {
  log('cold-start phase: start, first answer, first module page; with an empty and with a warm content cache');
  const database = await freshEmpty();
  const { databasePath } = database;
  const databaseEnv: Record<string, string> = database.url ? { DATABASE_URL: database.url } : {};
  const cacheDir = path.join(path.dirname(databasePath), 'content-cache-measured');
  const primer = await startServer({ serverJs, databasePath, env: { ...SERVER_ENV, ...databaseEnv, SEED_DEMO_DATA: 'auto', CONTENT_CACHE_PATH: path.join(path.dirname(databasePath), 'content-cache-primer') }, harnessPassword: true });
  await stopWithin(primer, 20_000);
  const startOnce = async (cache: 'empty' | 'warm') => {
    const began = performance.now();
    const server = await startServer({ serverJs, databasePath, env: { ...SERVER_ENV, ...databaseEnv, SEED_DEMO_DATA: 'never', CONTENT_CACHE_PATH: cacheDir } });
    const listeningMs = performance.now() - began;
    const client = new HttpClient(server.url);
    try {
      await get(client, '/');
      const firstAnswerMs = performance.now() - began;
      const cookie = await signIn(client, 'teacher@oakfield.example');
      const moduleStarted = performance.now();
      const page = await get(client, MODULE_PATH, cookie);
      if (!page.body.includes('module-title')) throw new Error('the module page did not render');
      const firstModuleMs = performance.now() - moduleStarted;
      const againStarted = performance.now();
      await get(client, MODULE_PATH, cookie);
      const secondModuleMs = performance.now() - againStarted;
      log(`${cache} content cache: listening after ${ms(listeningMs)}, first answer after ${ms(firstAnswerMs)}; first module page ${ms(firstModuleMs)}, second ${ms(secondModuleMs)}`);
      return { cache, listeningMs, firstAnswerMs, firstModuleMs, secondModuleMs };
    } finally {
      client.close();
      await stopWithin(server, 20_000);
    }
  };
  fs.rmSync(cacheDir, { recursive: true, force: true });
  const cold = await startOnce('empty');
  const warm = await startOnce('warm');
  return { cold, warm };
}

// --- Phase: email (issue 11) ---------------------------------------------------------------------

/** Percentiles of a list of latencies. */
/** The middle value (NaN for none). */
function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
}

function latencySummary(latencies: number[]) {
  return { count: latencies.length, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: latencies.length ? Math.max(...latencies) : NaN };
}

/**
 * A leader imports 2,000 new staff: the confirm request must queue 2,000 invitations in under 2 s,
 * while another client keeps loading a page; then the worker sends them all (to .eml files, as
 * `npm start` does without SMTP_URL) while that client carries on.
 */
async function emailPhase() {
  const staff = 2000;
  log(`email phase: fresh demo database, a leader imports ${staff} new staff while pages are read`);
  const database = await freshEmpty();
  return withServer(database, { SEED_DEMO_DATA: 'auto', MAIL_POLL_MS: '200' }, async (server, client, memory) => {
    const leader = await signIn(client, 'leader@oakfield.example');
    const reader = await signIn(client, 'teacher@oakfield.example');
    const db = openDatabase(targetOf(database), { poolSize: 2 });
    const count = async (where: string) => Number((await sql<{ n: number }>`select count(*) as n from outbox where ${sql.raw(where)}`.execute(db)).rows[0]!.n);
    const organisationId = (await db.selectFrom('organisations').select('id').where('name', '=', 'Oakfield Primary School').executeTakeFirstOrThrow()).id;
    // Let the demo's own emails go first.
    for (let i = 0; i < 50 && (await count("status = 'pending'")) > 0; i += 1) await sleep(200);
    const csv = ['name,email,roles', ...Array.from({ length: staff }, (_, i) => `Bench Person ${i + 1},bench.person.${i + 1}@oakfield.example,teacher`)].join('\n');
    for (let i = 0; i < 20; i += 1) await get(client, '/courses', reader);

    // A second connection pool, so page reads never queue behind the import on the client side.
    const readerClient = new HttpClient(server.url);
    const during: number[] = [];
    let phase = 'import' as 'import' | 'sending' | 'done';
    const sending: number[] = [];
    const readLoop = (async () => {
      while (phase !== 'done') {
        const started = performance.now();
        const startedIn = phase;
        const answer = await readerClient.request({ path: '/courses', headers: { cookie: reader } });
        if (answer.status !== 200) throw new Error(`/courses answered ${answer.status} during the email phase`);
        (startedIn === 'import' ? during : sending).push(performance.now() - started);
        await sleep(10);
      }
    })();
    await sleep(200);
    const importStarted = performance.now();
    const answer = await client.request({ path: '/lead/import', headers: { cookie: leader }, form: { intent: 'confirm', organisationId: String(organisationId), csv } }, 120_000);
    const importMs = performance.now() - importStarted;
    if (answer.status !== 200) throw new Error(`the import answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    phase = 'sending';
    const queued = await count("template = 'invitation' and to_address like 'bench.person.%'");
    const sendStarted = performance.now();
    const deadline = sendStarted + 300_000;
    while ((await count("status = 'pending'")) > 0 && performance.now() < deadline) await sleep(250);
    const drainS = (performance.now() - sendStarted) / 1000;
    const sent = await count("template = 'invitation' and to_address like 'bench.person.%' and status = 'sent'");
    phase = 'done';
    await readLoop;
    readerClient.close();
    await db.destroy();
    const after = await metrics(client);
    return { staff, importMs, queued, sent, drainS, readsDuringImport: latencySummary(during), readsWhileSending: latencySummary(sending), eventLoopP99Ms: after.eventLoopDelayP99Ms, peakRss: memory.peakRss };
  });
}

// --- Report --------------------------------------------------------------------------------------

const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : `${n.toFixed(1)} ms`);
const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;
const num = (n: number, digits = 0) => n.toFixed(digits);

interface BudgetRow {
  budget: string;
  measured: string;
  holds: boolean | null;
}

type ModuleResult = Awaited<ReturnType<typeof modulePhase>>;
type DashboardResult = Awaited<ReturnType<typeof dashboardPhase>>;
type WritesResult = Awaited<ReturnType<typeof writesPhase>>;
type MixedResult = Awaited<ReturnType<typeof mixedPhase>>;
type EmailResult = Awaited<ReturnType<typeof emailPhase>>;
type ColdStartResult = Awaited<ReturnType<typeof coldStartPhase>>;

interface Results {
  module?: ModuleResult;
  dashboard?: DashboardResult;
  writes?: WritesResult;
  mixed?: MixedResult;
  email?: EmailResult;
  coldStart?: ColdStartResult;
  soak?: MixedResult;
  skipped: Record<string, string>;
}

function budgets(r: Results): BudgetRow[] {
  const rows: BudgetRow[] = [];
  const rss: { where: string; bytes: number }[] = [];
  if (r.module) {
    rows.push({ budget: 'Warm module page throughput ≥ 80% of the trivial page (same run; median of the rounds)', measured: `${(r.module.ratio * 100).toFixed(0)}% (means ${num(r.module.moduleRps)} vs ${num(r.module.trivialRps)} req/s)`, holds: r.module.ratio >= 0.8 });
    const onSqlite = r.module.sqliteRatio;
    if (onSqlite !== null) rows.push({ budget: 'Warm module page on PostgreSQL within 10% of SQLite (same run, alternately; median of the rounds)', measured: `${(onSqlite * 100).toFixed(0)}% (means ${num(r.module.moduleRps)} vs ${num(r.module.sqliteModuleRps!)} req/s)`, holds: onSqlite >= 0.9 });
    rows.push({ budget: 'Module page p95 < 100 ms at 100 requests/s', measured: `p95 ${ms(r.module.fixed.p95)} (p50 ${ms(r.module.fixed.p50)}, ${r.module.fixed.errors} errors)`, holds: r.module.fixed.p95 < 100 && r.module.fixed.errors === 0 });
    const h = r.module.hostile;
    rows.push({ budget: 'A 30,000-field form is refused in well under a second (< 250 ms); /healthz answers meanwhile (< 100 ms)', measured: `${h.status} in ${ms(h.formMs)}; /healthz ${ms(h.healthMs)}`, holds: h.status === 413 && h.formMs < 250 && h.healthMs < 100 });
    rss.push({ where: 'module phase', bytes: r.module.peakRss });
  }
  if (r.dashboard) {
    const d = r.dashboard;
    rows.push({ budget: 'Statements per /lead request do not grow with staff (200 → 2000)', measured: `${d.small.leadQueries.at(-1)} → ${d.large.leadQueries.at(-1)}`, holds: d.leadSame });
    rows.push({ budget: 'Statements per /lead/export.csv request do not grow with staff (200 → 2000)', measured: `${d.small.csvQueries.at(-1)} → ${d.large.csvQueries.at(-1)}`, holds: d.csvSame });
    for (const page of d.large.pages) {
      const small = d.small.pages.find((p) => p.path === page.path)!;
      rows.push({
        budget: `${page.path} for the trust leader at 2000 staff: ≤ 250 KB uncompressed, statements do not grow (200 → 2000)`,
        measured: `${(page.bytes / 1024).toFixed(0)} KB (${(small.bytes / 1024).toFixed(0)} KB at 200); ${small.queries} → ${page.queries} statements; HTTP ${page.status}`,
        holds: page.status === 200 && page.bytes <= LEADER_PAGE_BUDGET_BYTES && page.queries === small.queries,
      });
    }
    if (d.large.latency) rows.push({ budget: '/lead p95 < 100 ms for the trust leader, 2000 staff, 20 requests/s', measured: `p95 ${ms(d.large.latency.p95)} (p50 ${ms(d.large.latency.p50)}, ${d.large.latency.errors} errors)`, holds: d.large.latency.p95 < 100 && d.large.latency.errors === 0 });
    rss.push({ where: 'dashboard phase (2000 staff)', bytes: d.large.peakRss });
  }
  if (r.writes) {
    const w = r.writes;
    rows.push({ budget: '≥ 200 progress writes/s over HTTP alongside reads', measured: `${num(w.writes.perSecond)} writes/s (${w.writes.errors} errors; reads ${num(w.reads.perSecond)}/s${w.processes > 1 ? `; ${w.processes} server processes` : ''})`, holds: w.writes.perSecond >= 200 && w.writes.errors === 0 });
    rows.push({ budget: 'No acknowledged write lost', measured: `${w.lost} lost of ${w.ackedCpd} CPD rows + ${w.ackedReflections} reflections checked; integrity ${w.integrity}`, holds: w.lost === 0 && (w.integrity === 'ok' || postgresAdminUrl !== null) });
    if (!postgresAdminUrl) rows.push({ budget: 'No SQLITE_BUSY', measured: `${w.busy} in the server output`, holds: w.busy === 0 });
    rss.push({ where: 'writes phase', bytes: w.peakRss });
  }
  if (r.mixed) {
    const m = r.mixed;
    rows.push({ budget: 'Mixed load: module page p95 < 100 ms', measured: `p95 ${ms(m.kinds['module page']?.p95)}`, holds: (m.kinds['module page']?.p95 ?? Infinity) < 100 });
    rows.push({ budget: 'Mixed load: leader dashboard p95 < 100 ms', measured: `p95 ${ms(m.dashboards.p95)}`, holds: m.dashboards.p95 < 100 });
    rows.push({ budget: 'Mixed load: no errors', measured: `${m.all.errors} errors of ${m.all.count} requests`, holds: m.all.errors === 0 });
    rss.push({ where: 'mixed phase', bytes: m.peakRss });
  }
  if (r.email) {
    const e = r.email;
    rows.push({ budget: `Importing ${e.staff} staff queues ${e.staff} invitations in under 2 s`, measured: `${ms(e.importMs)} for the import request, ${e.queued} invitations queued`, holds: e.importMs < 2000 && e.queued === e.staff });
    rows.push({ budget: 'Pages are not held up while the invitations are sent (p95 < 100 ms)', measured: `/courses p95 ${ms(e.readsWhileSending.p95)}, max ${ms(e.readsWhileSending.max)} over ${e.readsWhileSending.count} reads; ${e.sent} sent in ${e.drainS.toFixed(1)} s`, holds: e.readsWhileSending.p95 < 100 && e.sent === e.staff });
    rss.push({ where: 'email phase', bytes: e.peakRss });
  }
  if (r.coldStart) {
    const { cold, warm } = r.coldStart;
    rows.push({ budget: 'Cold start: a built server answers its first request within 2 s (warm content cache)', measured: `${ms(warm.firstAnswerMs)} from process start (empty cache: ${ms(cold.firstAnswerMs)}); first module page ${ms(warm.firstModuleMs)} (empty cache: ${ms(cold.firstModuleMs)})`, holds: warm.firstAnswerMs < 2000 });
  }
  if (r.soak) {
    const s = r.soak;
    const growth = s.rssLastMinute / s.rssFirstMinute - 1;
    rows.push({ budget: `Soak: ${s.seconds / 60} minutes of mixed load at ${s.rate} requests/s with no errors`, measured: `${s.all.errors} errors of ${s.all.count} requests`, holds: s.all.errors === 0 });
    rows.push({ budget: 'Soak: module page p95 < 100 ms; leader dashboard p95 < 100 ms', measured: `module page p95 ${ms(s.kinds['module page']?.p95)}; dashboards p95 ${ms(s.dashboards.p95)}`, holds: (s.kinds['module page']?.p95 ?? Infinity) < 100 && s.dashboards.p95 < 100 });
    rows.push({ budget: `Soak: server RSS grows < 10% (median of the first minute → of the last, after a ${s.warmUpS} s warm-up)`, measured: `${mb(s.rssFirstMinute)} → ${mb(s.rssLastMinute)} (${(growth * 100).toFixed(1)}%); single samples: after 10 s of warm-up ${mb(s.rssAfter10s)}, after the warm-up ${mb(s.rssStart)}, at the end ${mb(s.rssEnd)}`, holds: growth < 0.1 });
    rss.push({ where: 'soak', bytes: s.peakRss });
  }
  for (const { where, bytes } of rss) rows.push({ budget: `Server RSS < 300 MB (${where}, peak)`, measured: mb(bytes), holds: bytes < 300 * MB });
  for (const [phase, why] of Object.entries(r.skipped)) rows.push({ budget: `${phase} phase`, measured: `not measured: ${why}`, holds: null });
  return rows;
}

function latencyTable(kinds: Record<string, Summary>, durationS: number): string {
  const lines = ['| Request | Sent | OK | Errors | OK/s | p50 | p95 | p99 | max |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const [kind, s] of Object.entries(kinds).sort()) {
    lines.push(`| ${kind} | ${s.count} | ${s.ok} | ${s.errors} | ${(s.ok / durationS).toFixed(1)} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} |`);
  }
  return lines.join('\n');
}

function errorNotes(kinds: Record<string, Summary>): string {
  const notes = Object.entries(kinds)
    .filter(([, s]) => s.errors > 0)
    .map(([k, s]) => `- ${k}: statuses ${JSON.stringify(s.statuses)}; e.g. ${s.errorSamples.slice(0, 2).map((e) => `\`${e.replace(/`/g, "'")}\``).join(', ')}`);
  return notes.length ? `\nErrors:\n\n${notes.join('\n')}\n` : '';
}

/** The commit measured, and how many files differ from it. */
function sourceVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const changed = execFileSync('git', ['status', '--porcelain'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n').filter(Boolean).length;
    return changed ? `commit ${head} with ${changed} uncommitted changed or new files` : `commit ${head}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function mixedSection(m: MixedResult): string[] {
  const out: string[] = [];
  out.push(`Large seed with ${m.staff} staff, served by ${m.processes} process${m.processes > 1 ? 'es (requests spread over them in turn, as a load balancer would)' : ''}. ${m.learners} signed-in learners (sign-in took ${m.signInSeconds.toFixed(0)} s), the trust leader and up to 10 school leaders. Open loop at ${m.rate} requests/s for ${m.seconds} s after a ${m.warmUpS} s warm-up: 80% module pages (any of the ${modules.length} modules), 15% progress writes (each learner works through modules in order: required reflection, knowledge check, complete), 5% leader dashboards (/lead, half trust leader, half school leaders).`, '');
  out.push(`Throughput ${num(m.all.perSecond, 1)} OK requests/s; ${m.all.errors} errors of ${m.all.count}${m.abandoned ? `; ${m.abandoned} unanswered at the end` : ''}; ${m.staleRetries} requests sent again once because the server closed an idle keep-alive socket as they went out (Node's keep-alive race; the server never read them). Overall p50 ${ms(m.all.p50)}, p95 ${ms(m.all.p95)}, p99 ${ms(m.all.p99)}.`, '');
  out.push(latencyTable({ ...m.kinds, 'all writes': m.writes, 'all dashboards': m.dashboards }, m.seconds));
  out.push(errorNotes(m.kinds));
  out.push(`Server RSS ${mb(m.rssEnd)} at the end, ${mb(m.peakRss)} peak. Event-loop delay (from /__metrics over the measured run): p99 ${ms(m.eventLoopP99Ms)}, max ${ms(m.eventLoopMaxMs)}.`, '');
  return out;
}

function report(r: Results, command: string, started: Date, elapsedS: number): string {
  const cpus = os.cpus();
  const out: string[] = [];
  out.push('# Performance', '');
  out.push('Measured by `npm run bench` (scripts/bench.ts) against the built production server (`NODE_ENV=production`, `KINDRED_METRICS=1`), each phase on its own fresh database, with the load generated on the same machine and sent to 127.0.0.1. The budgets are in DESIGN.md, "Budgets". This file is rewritten by every run.', '');
  out.push(`- Date: ${started.toISOString()} (${elapsedS.toFixed(0)} s)`);
  out.push(`- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${os.type()} ${os.release()}, Node ${process.version}`);
  out.push(`- Database: ${postgresAdminUrl ? 'PostgreSQL (DATABASE_URL; each phase on a new database on that server)' : 'SQLite (a file per phase)'}; mixed phase on ${processes} server process${processes > 1 ? 'es' : ''}`);
  out.push(`- Load on the machine when the run ended (uptime): ${os.loadavg().map((n) => n.toFixed(2)).join(', ')}`);
  out.push(`- Command: \`${command}\``);
  out.push(`- Source: ${opts.build === 'build' ? sourceVersion() : `the build in ${opts.build}`}`, '');
  out.push('## Budgets', '', '| Budget | Measured | Holds |', '| --- | --- | --- |');
  for (const row of budgets(r)) out.push(`| ${row.budget} | ${row.measured} | ${row.holds === null ? 'not measured' : row.holds ? 'yes' : '**NO**'} |`);
  out.push('');
  out.push('## How the load is made', '');
  out.push('- Each phase starts `build/server.js` (a private copy of build/, so a rebuild during a run cannot disturb it) with `NODE_ENV=production`, `KINDRED_METRICS=1` and a fresh temp database: the demo data (module and writes phases) or a copy of `npm run db:seed -- --large --staff N` (dashboard and mixed phases). `X-Query-Count` gives statements per request; `/__metrics` gives RSS, heap and event-loop delay; peak RSS is also read from /proc (VmHWM).');
  out.push('- Reflection saves and knowledge-check attempts are posted as the browser posts them with JavaScript (a Remix fetcher with single fetch, `<module path>.data`, answered in turbo-stream and decoded as the browser does); completion and external CPD are plain form posts answered with a 302. A write counts as acknowledged only on its normal answer (`ok: true`, `passed: true`, or the 302).');
  out.push('- Options: `--phase module|dashboard|writes|mixed|email|cold-start|soak|all` (or a comma-separated list; `all` leaves out the soak), `--cold-start`, `--soak` (10 minutes of the mixed load), `--duration S` / `--long` (mixed phase, 60 s / 600 s), `--rate N` (mixed, requests/s), `--learners N`, `--staff N` (mixed), `--throughput-seconds S`, `--writes-seconds S`, `--writers N`, `--out FILE`, `--no-doc`. Run `npm run build` first.', '');
  out.push('Latencies are measured by the client. In the fixed-rate (open-loop) runs a request is due at a fixed time whether or not earlier ones have answered, and its latency counts from that time, so a slow server cannot hide its queue. The machine is shared and noisy: compare figures from the same run.', '');

  if (r.module) {
    const m = r.module;
    out.push('## Module page', '');
    out.push(`A warm module page (\`${MODULE_PATH}\`, ${(m.moduleBytes / 1024).toFixed(0)} KB, ${(m.compressed.module.bytes / 1024).toFixed(0)} KB as sent with ${m.compressed.module.encoding}, ${m.moduleQueries} SQL statements) for a signed-in learner, against the signed-out landing page \`/\` (${(m.trivialBytes / 1024).toFixed(0)} KB, ${(m.compressed.trivial.bytes / 1024).toFixed(1)} KB with ${m.compressed.trivial.encoding}, ${m.trivialQueries} statements) on the same server. Max throughput: autocannon, 10 connections, \`Accept-Encoding: ${BROWSER_ACCEPT_ENCODING}\` (compression on for both pages, as browsers get them), ${throughputSeconds} s per run, after 200 warm-up requests each and ${WARM_UP_SECONDS} s of each at full speed, ${m.runs.module.length} rounds with the pages' order swapped every round. The machine's speed drifts from second to second, so the ratio is the median of the rounds' ratios (each round's pages measured within seconds of each other).`, '');
    out.push('| Run | Module page req/s | Trivial page req/s | Module p50 / p99 | Trivial p50 / p99 | non-2xx / errors |', '| --- | ---: | ---: | --- | --- | --- |');
    m.runs.module.forEach((mod, i) => {
      const triv = m.runs.trivial[i]!;
      out.push(`| ${i + 1} | ${num(mod.requestsPerSecond)} | ${num(triv.requestsPerSecond)} | ${mod.p50} / ${mod.p99} ms | ${triv.p50} / ${triv.p99} ms | ${mod.non2xx + triv.non2xx} / ${mod.errors + triv.errors} |`);
    });
    out.push('', `Ratio, median of the rounds: **${(m.ratio * 100).toFixed(0)}%**. Means: module ${num(m.moduleRps)} req/s, trivial ${num(m.trivialRps)} req/s (${(m.ratioOfMeans * 100).toFixed(0)}%).`, '');
    if (m.sqliteModuleRps && m.sqliteRatio !== null) out.push(`The same module page on SQLite, measured in the same rounds on a SQLite server beside this one: ${num(m.sqliteModuleRps)} req/s (${m.runs.sqliteModule.map((r) => num(r.requestsPerSecond)).join(', ')}); PostgreSQL at **${(m.sqliteRatio * 100).toFixed(0)}%** of it (median of the rounds; ${((m.moduleRps / m.sqliteModuleRps) * 100).toFixed(0)}% of the means).`, '');
    out.push(`At a fixed 100 requests/s for 30 s: p50 ${ms(m.fixed.p50)}, **p95 ${ms(m.fixed.p95)}**, p99 ${ms(m.fixed.p99)}, max ${ms(m.fixed.max)}; ${m.fixed.ok} OK, ${m.fixed.errors} errors${m.abandoned ? `, ${m.abandoned} unanswered` : ''}. Event-loop delay p99 ${ms(m.eventLoopP99Ms)}.`, '');
    out.push(`Server memory: after the warm-up RSS ${mb(m.rssWarm)}, V8 heap used ${mb(m.heapWarm)}; at the end RSS ${mb(m.rssEnd)}, heap used ${mb(m.heapEnd)}; peak RSS ${mb(m.peakRss)}.`, '');
  }

  out.push('## Leader dashboard', '');
  if (r.dashboard) {
    const d = r.dashboard;
    out.push('`npm run db:seed -- --large --staff N` (a trust of 10 schools), signed in as the trust leader.', '');
    out.push('| Staff | Seed time | /lead statements (3 requests) | /lead/export.csv statements (3 requests) | /lead alone, median of 10 | CSV alone, median of 10 | /lead size | CSV rows | Peak RSS |', '| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const s of [d.small, d.large]) out.push(`| ${s.staff} | ${s.seedSeconds.toFixed(0)} s | ${s.leadQueries.join(', ')} | ${s.csvQueries.join(', ')} | ${ms(s.serviceMs.lead)} | ${ms(s.serviceMs.csv)} | ${(s.leadBytes / 1024).toFixed(0)} KB | ${s.csvRows} | ${mb(s.peakRss)} |`);
    const l = d.large.latency;
    if (l) out.push('', `/lead at 20 requests/s for 30 s, 2000 staff: p50 ${ms(l.p50)}, **p95 ${ms(l.p95)}**, p99 ${ms(l.p99)}, max ${ms(l.max)}; ${l.ok} OK, ${l.errors} errors${d.large.abandoned ? `, ${d.large.abandoned} unanswered when the run stopped waiting` : ''}.`, errorNotes({ '/lead': l }));
    out.push('');
  } else out.push(`Not measured: ${r.skipped.dashboard ?? 'phase not selected'}.`, '');

  if (r.writes) {
    const w = r.writes;
    out.push('## Progress writes', '');
    out.push(`${w.writers} closed-loop writers (each owning its own learners of the ${w.learners} demo teachers) for ${w.seconds} s: 45% reflection saves (~400 characters), 35% knowledge-check attempts, 20% external CPD rows; beside module-page reads at a fixed 50 requests/s${w.processes > 1 ? `, spread over ${w.processes} server processes on one database` : ''}. Afterwards the server is stopped (exit ${w.exitCode}) and every acknowledged write is looked up in the database.`, '');
    out.push(`**${num(w.writes.perSecond)} writes/s** (${w.writes.ok} acknowledged, ${w.writes.errors} errors), write p50 ${ms(w.writes.p50)}, p95 ${ms(w.writes.p95)}, p99 ${ms(w.writes.p99)}. Reads: ${num(w.reads.perSecond)}/s, p95 ${ms(w.reads.p95)}, ${w.reads.errors} errors.`, '');
    out.push(latencyTable({ ...w.byKind, 'read (module page)': w.reads }, w.seconds));
    out.push(errorNotes({ ...w.byKind, read: w.reads }));
    out.push(`Lost acknowledged writes: **${w.lost}** (checked ${w.ackedCpd} CPD rows and the last acknowledged body of ${w.ackedReflections} reflections); integrity_check: ${w.integrity}. SQLITE_BUSY / "database is locked" lines in the server output: **${w.busy}**${w.busySample.length ? ` (e.g. \`${w.busySample[0]}\`)` : ''}. Event-loop delay p99 ${ms(w.eventLoopP99Ms)}. Server RSS ${mb(w.rssEnd)} at the end, ${mb(w.peakRss)} peak.`, '');
  }

  if (r.email) {
    const e = r.email;
    out.push('## Email (issue 11)', '');
    out.push(`A leader confirms an import of ${e.staff} new staff (pasted CSV, \`/lead/import\`) on the demo database while another signed-in client reads \`/courses\` in a loop on its own connections. Then the worker sends the invitations (to \`.eml\` files, as without \`SMTP_URL\`) while the reads go on.`, '');
    out.push(`- Import request: **${ms(e.importMs)}**; ${e.queued} invitations queued in its transaction.`);
    out.push(`- Reads during the import: ${e.readsDuringImport.count}, p50 ${ms(e.readsDuringImport.p50)}, p95 ${ms(e.readsDuringImport.p95)}, max ${ms(e.readsDuringImport.max)} (SQLite has one writer: a read that needs the connection waits for the import's transaction).`);
    out.push(`- Sending: ${e.sent} sent in ${e.drainS.toFixed(1)} s; reads meanwhile: ${e.readsWhileSending.count}, p50 ${ms(e.readsWhileSending.p50)}, **p95 ${ms(e.readsWhileSending.p95)}**, max ${ms(e.readsWhileSending.max)}. Event-loop delay p99 ${ms(e.eventLoopP99Ms)}; peak RSS ${mb(e.peakRss)}.`, '');
  }

  out.push('## Mixed load (issue 7)', '');
  if (r.mixed) out.push(...mixedSection(r.mixed));
  else out.push(`Not measured: ${r.skipped.mixed ?? 'phase not selected'}.`, '');

  if (r.coldStart) {
    const { cold, warm } = r.coldStart;
    out.push('## Cold start (issue 14)', '');
    out.push('The built server started on a demo database (seeded by an earlier start, so no seeding or migration is timed), first with an empty content cache (`CONTENT_CACHE_PATH`: every module compiles from MDX on its first request), then with the cache that start filled. Times from process start; then a sign-in and the module page twice.', '');
    out.push('| Content cache | Listening | First answer (`/`) | First module page | Second module page |', '| --- | ---: | ---: | ---: | ---: |');
    for (const run of [cold, warm]) out.push(`| ${run.cache} | ${ms(run.listeningMs)} | ${ms(run.firstAnswerMs)} | ${ms(run.firstModuleMs)} | ${ms(run.secondModuleMs)} |`);
    out.push('');
  }

  if (r.soak) {
    const growth = r.soak.rssLastMinute / r.soak.rssFirstMinute - 1;
    out.push('## Soak (issue 14)', '');
    out.push(`The mixed load below for ${r.soak.seconds / 60} minutes, after ${r.soak.warmUpS} s of it not counted. RSS after 10 s of the warm-up ${mb(r.soak.rssAfter10s)}; after the warm-up ${mb(r.soak.rssStart)}, then once a minute: ${r.soak.rssByMinute.map(mb).join(', ')}; at the end ${mb(r.soak.rssEnd)}. Sampled every 5 s, the median of the first minute ${mb(r.soak.rssFirstMinute)} and of the last ${mb(r.soak.rssLastMinute)}: **${(growth * 100).toFixed(1)}%** growth.`, '');
    // Live objects (heap used) against what V8 has reserved for its heap and what lies outside it:
    // a leak grows the first; V8 sizing its heap up under load grows the second.
    out.push(`Once a minute, heap used / heap reserved by V8 / outside the heap (Buffers): ${r.soak.heapByMinute.map((h) => `${mb(h.used)} / ${mb(h.total)} / ${mb(h.external)}`).join('; ')}.`, '');
    out.push(...mixedSection(r.soak));
  }
  return out.join('\n');
}

function printSummary(r: Results): void {
  console.log('\n==== Benchmark summary ====');
  for (const row of budgets(r)) console.log(`${row.holds === null ? '  --  ' : row.holds ? '  ok  ' : ' FAIL '} ${row.budget}: ${row.measured}`);
  if (r.mixed) {
    for (const [kind, s] of Object.entries(r.mixed.kinds).sort()) console.log(`        mixed ${kind}: ${s.ok}/${s.count} OK, p50 ${ms(s.p50)} p95 ${ms(s.p95)} p99 ${ms(s.p99)}`);
    console.log(`        mixed: ${num(r.mixed.all.perSecond, 1)} req/s, RSS peak ${mb(r.mixed.peakRss)}, event-loop p99 ${ms(r.mixed.eventLoopP99Ms)}`);
  }
  if (r.soak) console.log(`        soak: ${num(r.soak.all.perSecond, 1)} req/s, RSS ${r.soak.rssByMinute.map(mb).join(' → ')}, event-loop p99 ${ms(r.soak.eventLoopP99Ms)}`);
}

// --- Main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = new Date();
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  try {
    serverJs = snapshotBuild(process.cwd(), path.resolve(opts.build!));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  cleanups.push(() => removeSnapshot(serverJs));
  const results: Results = { skipped: {} };
  const large = largeSeedAvailable();
  const missingSeed = 'the large seed (`npm run db:seed -- --large`, issue 6) is not in this checkout yet';
  for (const phase of selected) {
    try {
      if (phase === 'module') results.module = await modulePhase();
      if (phase === 'writes') results.writes = await writesPhase();
      if (phase === 'email') results.email = await emailPhase();
      if (phase === 'cold-start') results.coldStart = await coldStartPhase();
      if (phase === 'dashboard') {
        if (large) results.dashboard = await dashboardPhase();
        else results.skipped.dashboard = missingSeed;
      }
      if (phase === 'mixed') {
        if (large) results.mixed = await mixedPhase(mixedSeconds);
        else results.skipped.mixed = missingSeed;
      }
      if (phase === 'soak') {
        if (large) results.soak = await mixedPhase(SOAK_SECONDS, 'soak');
        else results.skipped.soak = missingSeed;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`The ${phase} phase failed: ${message}`);
      results.skipped[phase] = `the phase failed: ${message.split('\n')[0]}`;
    }
  }
  const elapsed = (Date.now() - started.getTime()) / 1000;
  printSummary(results);
  if (!opts['no-doc']) {
    fs.mkdirSync(path.dirname(opts.out!), { recursive: true });
    fs.writeFileSync(opts.out!, report(results, command, started, elapsed) + '\n');
    console.log(`\nWrote ${opts.out}`);
  }
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // best effort
      }
    }
  });
