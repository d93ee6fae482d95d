import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { actionData, fetcherPath, HttpClient, sleep } from '../../scripts/bench-load.ts';
import { removeDatabase, removeSnapshot, snapshotBuild, startServer, tempDatabasePath, type BenchServer } from '../../scripts/bench-server.ts';
import { CRASH_TEMPLATE_DB } from './paths.ts';
import { cpdFields, demoTeachers, readStored, REFLECTIONS, SERVER_ENV, signIn } from './support.ts';

// SIGTERM while requests are in flight: each of them gets its normal answer, then the process
// exits 0 with the database closed (no -wal file left) and sound.

let serverJs: string;
let databasePath: string;
let server: BenchServer | undefined;

beforeAll(() => {
  serverJs = snapshotBuild();
  databasePath = tempDatabasePath(CRASH_TEMPLATE_DB, 'kindred-graceful-');
});

afterAll(async () => {
  if (server && server.process.exitCode === null) {
    server.process.kill('SIGKILL');
    await server.exited;
  }
  removeSnapshot(serverJs);
  removeDatabase(databasePath);
});

interface SlowPost {
  /** Sends the rest of the body. */
  finish: () => void;
  answer: Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>;
}

/** A form POST whose headers and first half of the body are sent now, and the rest on finish(). */
function slowPost(url: string, path: string, cookie: string, fields: Record<string, string>): SlowPost {
  const body = new URLSearchParams(fields).toString();
  const half = Math.floor(body.length / 2);
  const agent = new http.Agent({ keepAlive: false });
  let finish = () => {};
  const answer = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(
      new URL(path, url),
      {
        method: 'POST',
        agent,
        headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    req.write(body.slice(0, half));
    finish = () => req.end(body.slice(half));
  });
  answer.catch(() => undefined); // examined later with allSettled
  return { finish: () => finish(), answer };
}

interface RawGet {
  /** Sends the rest of the request. */
  finish: () => void;
  /** Everything the server sent before closing the connection. */
  answer: Promise<string>;
}

/**
 * A GET on a connection opened now (so the server has accepted it by the time of the signal):
 * with `split`, the first line of the request is sent now and the rest on finish(); without, the
 * whole request is sent on finish(). `Connection: close`, so the answer ends when the socket does.
 */
function rawGet(port: number, path: string, cookie: string, split: boolean): RawGet {
  const socket = net.connect(port, '127.0.0.1');
  const head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
  const rest = `Cookie: ${cookie}\r\nConnection: close\r\n\r\n`;
  if (split) socket.write(head);
  const answer = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
  answer.catch(() => undefined); // examined later with allSettled
  return { finish: () => socket.write(split ? rest : head + rest), answer };
}

test('SIGTERM lets every request in flight finish with its normal answer, then exits 0 with the database closed', async () => {
  server = await startServer({ serverJs, databasePath, env: SERVER_ENV, harnessPassword: true });
  const client = new HttpClient(server.url);
  const learners = demoTeachers(4);
  const cookies = await Promise.all(learners.map((email) => signIn(client, email)));
  const modulePath = REFLECTIONS[0].path;
  expect((await client.request({ path: modulePath, headers: { cookie: cookies[0]! } })).status).toBe(200);
  client.close();

  // Writes whose bodies are still arriving when the signal comes: certainly in flight.
  const slowWrites = learners.flatMap((email, i) => [
    { kind: 'cpd' as const, email, title: `graceful cpd ${i}`, post: slowPost(server!.url, '/learn/cpd', cookies[i]!, cpdFields(`graceful cpd ${i}`)) },
    {
      kind: 'reflection' as const,
      email,
      title: `graceful reflection ${i}`,
      post: slowPost(server!.url, fetcherPath(REFLECTIONS[0].path), cookies[i]!, { intent: 'reflection', itemId: REFLECTIONS[0].itemId, body: `graceful reflection ${i}`, enhanced: '1' }),
    },
  ]);
  // Page loads on connections the server has already accepted: half of them have sent the first
  // line of the request, half send the whole request just before the signal. (A connection the
  // server has not accepted yet when it stops listening may be reset: that request never reached it.)
  const pages = cookies.flatMap((cookie) => [true, false].map((split) => rawGet(server!.port, modulePath, cookie, split)));
  await sleep(300);
  for (const page of pages) page.finish();
  server.process.kill('SIGTERM');
  await sleep(300);
  for (const write of slowWrites) write.post.finish();

  const settledWrites = await Promise.allSettled(slowWrites.map((w) => w.post.answer));
  const settledPages = await Promise.allSettled(pages.map((p) => p.answer));
  const code = await server.exited;
  const output = server.output();
  server = undefined;

  // One line per request in flight, so a failure shows all of them at once.
  const writeOutcomes = await Promise.all(
    slowWrites.map(async (write, i) => {
      const settled = settledWrites[i]!;
      if (settled.status === 'rejected') return `${write.kind} ${write.email}: ${String(settled.reason)}`;
      const answer = settled.value;
      const normal =
        write.kind === 'cpd'
          ? answer.status === 302 && answer.headers.location === '/learn/cpd#log'
          : answer.status === 200 && (await actionData(answer.body))?.ok === true;
      return `${write.kind} ${write.email}: ${normal ? 'normal answer' : `${answer.status} ${answer.body.slice(0, 120)}`}`;
    }),
  );
  const outcomes = [
    ...writeOutcomes,
    ...settledPages.map((settled, i) => {
      if (settled.status === 'rejected') return `page ${i}: ${String(settled.reason)}`;
      const page = settled.value;
      const normal = page.startsWith('HTTP/1.1 200 ') && page.includes('module-title') && page.includes('</html>');
      return `page ${i}: ${normal ? 'normal answer' : page.slice(0, 120) || 'connection closed without an answer'}`;
    }),
  ];
  expect(outcomes.filter((o) => !o.endsWith('normal answer')), `server output:\n${output}`).toEqual([]);
  expect(code).toBe(0);
  expect(fs.existsSync(`${databasePath}-wal`)).toBe(false);

  const stored = readStored(databasePath);
  expect(stored.integrity).toBe('ok');
  for (const write of slowWrites) {
    if (write.kind === 'cpd') expect(stored.cpdTitles.has(write.title)).toBe(true);
    else expect(stored.reflections.get(`${write.email}|${REFLECTIONS[0].module}|${REFLECTIONS[0].itemId}`)).toBe(write.title);
  }
});
