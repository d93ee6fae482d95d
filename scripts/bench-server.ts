import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../db/database.server.ts';

const HARNESS_SIGNING_KEY = JSON.stringify(crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }));

// Starts the built server (build/server.js) as a real process for the benchmark and the durability
// tests. It runs a private copy of build/ (see snapshotBuild) so that someone rebuilding the app
// while a long run is going cannot swap the files under a server that is being restarted.

/**
 * A production-mode server refuses the published demo password (docs/decisions/011-hardening.md),
 * so harnesses that run one on demo data give every account this password once it has started.
 */
export const HARNESS_PASSWORD = 'harness copper kettle under moonlight';
let harnessHash: Promise<string> | undefined;

async function giveAccountsHarnessPassword(target: string): Promise<void> {
  const { hash } = await import('@node-rs/argon2');
  harnessHash ??= hash(HARNESS_PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  const db = openDatabase(target, { poolSize: 1 });
  try {
    await db.updateTable('users').set({ password_hash: await harnessHash }).where('password_hash', 'is not', null).execute();
  } finally {
    await db.destroy();
  }
}

export interface BenchServer {
  url: string;
  port: number;
  pid: number;
  databasePath: string;
  process: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A temp folder with a fresh database path in it; copies `copyFrom` there when given. */
export function tempDatabasePath(copyFrom?: string, prefix = 'kindred-bench-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'kindred.db');
  if (copyFrom) fs.copyFileSync(copyFrom, file);
  return file;
}

export function removeDatabase(databasePath: string): void {
  fs.rmSync(path.dirname(databasePath), { recursive: true, force: true });
}

/**
 * Copies build/ (from the project root, or another built copy of the app) into a temp folder whose node_modules points at the
 * project's, and returns the path of the copied server.js. Throws when build/server.js is missing.
 */
export function snapshotBuild(projectRoot = process.cwd(), source = path.join(projectRoot, 'build')): string {
  if (!fs.existsSync(path.join(source, 'server.js'))) throw new Error('build/server.js is missing: run `npm run build` first');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindred-build-'));
  fs.cpSync(source, path.join(root, 'build'), { recursive: true });
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(root, 'package.json'), fs.readFileSync(path.join(projectRoot, 'package.json')));
  return path.join(root, 'build', 'server.js');
}

export function removeSnapshot(serverJs: string): void {
  const root = path.dirname(path.dirname(serverJs));
  if (path.basename(root).startsWith('kindred-build-')) fs.rmSync(root, { recursive: true, force: true });
}

export interface StartOptions {
  serverJs: string;
  databasePath: string;
  env?: Record<string, string>;
  port?: number;
  timeoutMs?: number;
  projectRoot?: string;
  /** Give every account HARNESS_PASSWORD once started (a production-mode server refuses the demo one). */
  harnessPassword?: boolean;
  /** Node flags added to those of `npm run serve` (e.g. --cpu-prof for a profile). */
  extraNodeFlags?: string[];
}

/** The Node flags `npm run serve` gives the server (package.json is the one place they are set). */
export function serverNodeFlags(projectRoot = process.cwd()): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts.serve!.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** Where a server started with these options keeps its data: DATABASE_URL when given, else the SQLite file. */
export function serverDatabaseTarget(options: Pick<StartOptions, 'databasePath' | 'env'>): string {
  return options.env?.DATABASE_URL ?? options.databasePath;
}

export async function startServer(options: StartOptions): Promise<BenchServer> {
  const projectRoot = options.projectRoot ?? process.cwd();
  const port = options.port ?? (await freePort());
  // KINDRED_BENCH_NODE_FLAGS adds node flags to every server the benchmark starts, e.g.
  // "--cpu-prof --cpu-prof-dir=/tmp/profiles" to see where a phase's time goes.
  const flagsFromEnv = (process.env.KINDRED_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...serverNodeFlags(projectRoot), ...(options.extraNodeFlags ?? []), ...flagsFromEnv, options.serverJs], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      // Forms are accepted only from PUBLIC_URL's origin: the address the harness uses.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_PATH: options.databasePath,
      CONTENT_CACHE_PATH: path.join(path.dirname(options.databasePath), 'content-cache'),
      COURSES_PATH: path.join(projectRoot, 'courses'),
      SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
      // Production requires a signing key; one per harness process, so restarts keep verifying.
      CREDENTIAL_SIGNING_KEY: HARNESS_SIGNING_KEY,
      // KINDRED_BENCH_SERVER_ENV="SLOW_QUERY_MS=5 …" adds settings to every server, to look into a phase.
      ...Object.fromEntries((process.env.KINDRED_BENCH_SERVER_ENV ?? '').split(' ').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
      ...options.env,
    } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // KINDRED_BENCH_SERVER_LOG=FILE appends every server's output there (slow statements, warnings).
  const logFile = process.env.KINDRED_BENCH_SERVER_LOG;
  const keep = (chunk: Buffer) => {
    output += chunk;
    if (logFile) fs.appendFileSync(logFile, chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in time:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const check = () => {
      if (output.includes('Kindred is running')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code ?? signal}:\n${output}`));
    });
  });
  if (options.harnessPassword) await giveAccountsHarnessPassword(serverDatabaseTarget(options));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    databasePath: options.databasePath,
    process: child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resident set size of a process from /proc (Linux): current and peak, in bytes. */
export function processMemory(pid: number): { rssBytes: number; peakRssBytes: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return null;
  }
}
