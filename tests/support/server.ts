import { spawn } from 'node:child_process';
import fs from 'node:fs';
export { freePort } from '../../scripts/bench-server.ts';
import type { ServerDatabase } from './server-database.ts';
import { freePort, startServer, tempDatabasePath as tempDatabaseIn, type BenchServer } from '../../scripts/bench-server.ts';

// Starts the built server (build/server.js) as a real process, for HTTP, browser and bench runs.

export type RunningServer = BenchServer;

/** A fresh temp folder with a database path in it (a copy of `copyFrom` when given). */
export function tempDatabasePath(copyFrom?: string): string {
  return tempDatabaseIn(copyFrom, 'kindred-server-');
}

/** The built server on a database (serverDatabase(), a SQLite file, or else a fresh SQLite file), answering at its own address. */
export async function startBuiltServer(options: { env?: Record<string, string>; database?: ServerDatabase; databasePath?: string; timeoutMs?: number; port?: number } = {}): Promise<RunningServer> {
  if (!fs.existsSync('build/server.js')) throw new Error('build/server.js is missing: run `npm run build` first');
  // A port chosen beforehand lets a test register the server's address elsewhere first (an OIDC provider's redirect URI).
  const port = options.port ?? (await freePort());
  return startServer({
    serverJs: 'build/server.js',
    databasePath: options.database?.databasePath ?? options.databasePath ?? tempDatabasePath(),
    port,
    timeoutMs: options.timeoutMs ?? 30_000,
    env: { PUBLIC_URL: `http://127.0.0.1:${port}`, ...options.database?.env, ...options.env },
  });
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
