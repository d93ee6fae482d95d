import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HttpClient, sleep } from '../../scripts/bench-load.ts';
import { removeDatabase, removeSnapshot, snapshotBuild, startServer, tempDatabasePath, type BenchServer } from '../../scripts/bench-server.ts';
import { CRASH_TEMPLATE_DB } from './paths.ts';
import { addCpd, demoTeachers, readStored, REFLECTIONS, reflectionBody, saveReflection, SERVER_ENV, signIn } from './support.ts';

// The backup drill: `npm run db:backup -- FILE` while writes go on gives a sound file that the app
// opens, and the restore in the README (stop the server, replace the DATABASE_PATH file, remove
// -wal and -shm, start) brings the server back with the backup's data.

let serverJs: string;
let databasePath: string;
const servers: BenchServer[] = [];
const folders: string[] = [];

beforeAll(() => {
  serverJs = snapshotBuild();
  databasePath = tempDatabasePath(CRASH_TEMPLATE_DB, 'kindred-backup-');
  folders.push(databasePath);
});

afterAll(async () => {
  for (const server of servers) {
    if (server.process.exitCode === null && server.process.signalCode === null) {
      server.process.kill('SIGKILL');
      await server.exited;
    }
  }
  removeSnapshot(serverJs);
  for (const folder of folders) removeDatabase(folder);
});

async function start(file: string): Promise<BenchServer> {
  const server = await startServer({ serverJs, databasePath: file, env: SERVER_ENV, harnessPassword: true });
  servers.push(server);
  return server;
}

function runBackup(source: string, destination: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', ['run', '--silent', 'db:backup', '--', destination], {
    // The drill is of SQLite's backup: CI runs these tests beside a PostgreSQL cluster, whose DATABASE_URL is not for this.
    env: { ...withoutDatabaseUrl(process.env), DATABASE_PATH: source, NODE_ENV: 'production', SESSION_SECRET: SERVER_ENV.SESSION_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

async function healthyAndSignedIn(server: BenchServer, email: string): Promise<{ client: HttpClient; cookie: string }> {
  const client = new HttpClient(server.url);
  const health = await client.request({ path: '/healthz' });
  expect(health.status).toBe(200);
  expect(JSON.parse(health.body)).toEqual({ status: 'ok', database: 'ok' });
  return { client, cookie: await signIn(client, email) };
}

test('a backup taken while writes go on is sound, opens in the app, and restores as the README says', { timeout: 120_000 }, async () => {
  const live = await start(databasePath);
  const client = new HttpClient(live.url);
  const learners = demoTeachers(4);
  const cookies = await Promise.all(learners.map((email) => signIn(client, email)));

  // Writers: CPD rows with unique titles and reflection saves, as fast as the server answers.
  const acked: { title: string; at: number }[] = [];
  let writing = true;
  const writers = learners.map(async (email, w) => {
    for (let n = 1; writing; n += 1) {
      const title = `backup drill ${w}-${n}`;
      if (await addCpd(client, cookies[w]!, title)) acked.push({ title, at: performance.now() });
      await saveReflection(client, cookies[w]!, REFLECTIONS[n % REFLECTIONS.length]!, reflectionBody(n, email));
    }
  });

  // Enough acknowledged writes before the backup starts, however busy the machine is.
  const deadline = Date.now() + 30_000;
  while (acked.length <= 12 && Date.now() < deadline) await sleep(100);
  const backupFile = path.join(path.dirname(tempDatabasePath(undefined, 'kindred-backup-file-')), 'kindred-backup.db');
  folders.push(backupFile);
  const backupStarted = performance.now();
  const backup = await runBackup(databasePath, backupFile);
  const ackedBefore = acked.filter((a) => a.at < backupStarted).map((a) => a.title);
  await sleep(500);
  writing = false;
  await Promise.all(writers);
  client.close();
  expect(backup.code, backup.output).toBe(0);
  expect(backup.output).toContain('Backed up');
  expect(ackedBefore.length).toBeGreaterThan(10);
  expect(acked.length).toBeGreaterThan(ackedBefore.length); // writes went on during and after the backup

  // The backup is sound and holds everything acknowledged before it started.
  const inBackup = readStored(backupFile);
  expect(inBackup.integrity).toBe('ok');
  expect(ackedBefore.filter((title) => !inBackup.cpdTitles.has(title))).toEqual([]);
  const backupCpdCount = [...inBackup.cpdTitles].filter((t) => t.startsWith('backup drill')).length;
  console.log(
    `backup drill: backup took ${((performance.now() - backupStarted) / 1000).toFixed(1)} s (npm run db:backup, tsx start-up included); ${acked.length} CPD rows acknowledged in all, ${ackedBefore.length} before the backup started, ${backupCpdCount} in the backup; integrity_check: ${inBackup.integrity}`,
  );

  // It opens in the app: a server on a copy of it answers /healthz, signs in, shows the data.
  const copy = tempDatabasePath(backupFile, 'kindred-backup-copy-');
  folders.push(copy);
  const onCopy = await start(copy);
  const opened = await healthyAndSignedIn(onCopy, learners[0]!);
  const log = await opened.client.request({ path: '/learn/cpd', headers: { cookie: opened.cookie } });
  expect(log.status).toBe(200);
  expect(log.body).toContain('backup drill 0-1<');
  opened.client.close();
  expect(await onCopy.stop('SIGTERM')).toBe(0);

  // Restore as the README says. The live server is stopped hard, so its -wal and -shm are left
  // beside the file: exactly the files the README says to remove.
  live.process.kill('SIGKILL');
  await live.exited;
  expect(fs.existsSync(`${databasePath}-wal`)).toBe(true);
  fs.copyFileSync(backupFile, databasePath);
  fs.rmSync(`${databasePath}-wal`, { force: true });
  fs.rmSync(`${databasePath}-shm`, { force: true });
  const restored = await start(databasePath);
  const signedIn = await healthyAndSignedIn(restored, learners[1]!);
  const restoredLog = await signedIn.client.request({ path: '/learn/cpd', headers: { cookie: signedIn.cookie } });
  expect(restoredLog.body).toContain('backup drill 1-1<');
  // The restored server takes new writes.
  expect(await addCpd(signedIn.client, signedIn.cookie, 'after the restore')).toBe(true);
  signedIn.client.close();
  expect(await restored.stop('SIGTERM')).toBe(0);

  const after = readStored(databasePath);
  expect(after.integrity).toBe('ok');
  expect([...after.cpdTitles].filter((t) => t.startsWith('backup drill')).length).toBe(backupCpdCount);
  expect(after.cpdTitles.has('after the restore')).toBe(true);
  expect(ackedBefore.filter((title) => !after.cpdTitles.has(title))).toEqual([]);
  // The restored file is a normal database for SQLite too.
  const db = new SQLite(databasePath, { readonly: true });
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  db.close();
});

function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _postgres, ...rest } = env;
  return rest;
}
