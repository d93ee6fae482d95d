import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, tempDatabasePath as tempDatabaseIn } from '../../scripts/bench-server.ts';

// Starts the built server (build/server.js) as a real process, for HTTP, browser and bench runs.

export interface RunningServer {
  url: string;
  port: number;
  databasePath: string;
  process: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** A fresh temp folder with a database path in it (a copy of `copyFrom` when given). */
export function tempDatabasePath(copyFrom?: string): string {
  return tempDatabaseIn(copyFrom, 'kindred-server-');
}

export async function startBuiltServer(options: { env?: Record<string, string>; databasePath?: string; timeoutMs?: number } = {}): Promise<RunningServer> {
  if (!fs.existsSync('build/server.js')) throw new Error('build/server.js is missing: run `npm run build` first');
  const port = await freePort();
  const databasePath = options.databasePath ?? tempDatabasePath();
  const child = spawn(process.execPath, ['build/server.js'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: databasePath,
      CONTENT_CACHE_PATH: path.join(path.dirname(databasePath), 'content-cache'),
      SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...options.env,
    } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), options.timeoutMs ?? 30_000);
    const check = () => {
      if (output.includes('Kindred is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    databasePath,
    process: child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the built server expecting it to fail at start; resolves with its exit code and output. */
export async function runServerExpectingExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['build/server.js'], { env: { PATH: process.env.PATH ?? '', ...env } as unknown as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

export async function signInOverHttp(baseUrl: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
    body: new URLSearchParams({ email, password }),
  });
  const cookie = response.headers.get('set-cookie');
  if (response.status !== 302 || !cookie) throw new Error(`sign-in as ${email} failed with ${response.status}`);
  return cookie.split(';')[0]!;
}
