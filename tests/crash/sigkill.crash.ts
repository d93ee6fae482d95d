import { afterAll, beforeAll, expect, test } from 'vitest';
import { HttpClient, sleep } from '../../scripts/bench-load.ts';
import { removeDatabase, removeSnapshot, snapshotBuild, startServer, tempDatabasePath, type BenchServer } from '../../scripts/bench-server.ts';
import { CRASH_TEMPLATE_DB } from './paths.ts';
import { addCpd, demoTeachers, readStored, REFLECTIONS, reflectionBody, saveReflection, sequenceOf, SERVER_ENV, signIn } from './support.ts';

// Progress writes while the server is killed with SIGKILL at random moments and restarted on the
// same database, again and again. Nothing the server acknowledged may be lost, and the file must
// stay sound. CRASH_KILLS sets the number of kills (20 by default; `npm run test:crash` runs 100).

const KILLS = Number(process.env.CRASH_KILLS ?? 20);
const LEARNERS = 6;

let serverJs: string;
let databasePath: string;
let server: BenchServer | undefined;

beforeAll(() => {
  serverJs = snapshotBuild();
  databasePath = tempDatabasePath(CRASH_TEMPLATE_DB, 'kindred-crash-');
});

afterAll(async () => {
  if (server) {
    server.process.kill('SIGKILL');
    await server.exited;
  }
  removeSnapshot(serverJs);
  removeDatabase(databasePath);
});

test(`no acknowledged write is lost across ${KILLS} SIGKILLs`, { timeout: 120_000 + KILLS * 8_000 }, async () => {
  server = await startServer({ serverJs, databasePath, env: SERVER_ENV, harnessPassword: true });
  const port = server.port;
  let client = new HttpClient(server.url, { maxSockets: 64, retryStaleSockets: false });
  const learners = demoTeachers(LEARNERS);
  const cookies = new Map<string, string>();
  for (const email of learners) cookies.set(email, await signIn(client, email));
  // The modules written to are compiled once before the kills start, so the content cache holds
  // them. Otherwise, on a slow machine, a server killed within its first second never finishes
  // compiling them: no reflection save is ever answered, and the test checks nothing.
  for (const path of new Set(REFLECTIONS.map((r) => r.path))) {
    expect((await client.request({ path, headers: { cookie: cookies.get(learners[0]!)! } }, 60_000)).status).toBe(200);
  }

  const ackedCpd = new Set<string>();
  /** email|module|itemId → last acknowledged sequence */
  const ackedSequence = new Map<string, number>();
  // refused: the server was down, so the request never reached it; failed: sent but not acknowledged.
  const counts = { sent: 0, acknowledged: 0, failed: 0, refused: 0 };
  let stopping = false;

  // One worker per learner, each waiting for an answer before its next write, so a learner's
  // writes to an item carry strictly increasing sequence numbers in the order they were sent.
  const worker = async (email: string, w: number) => {
    const cookie = cookies.get(email)!;
    const sequences = new Map<string, number>();
    let n = 0;
    while (!stopping) {
      n += 1;
      counts.sent += 1;
      const current = client;
      try {
        if (n % 2 === 0) {
          const title = `crash cpd ${w}-${n}`;
          if (await addCpd(current, cookie, title)) {
            ackedCpd.add(title);
            counts.acknowledged += 1;
          } else counts.failed += 1;
        } else {
          const target = REFLECTIONS[((n - 1) / 2) % REFLECTIONS.length]!;
          const key = `${email}|${target.module}|${target.itemId}`;
          const sequence = (sequences.get(key) ?? 0) + 1;
          sequences.set(key, sequence);
          if (await saveReflection(current, cookie, target, reflectionBody(sequence, email))) {
            ackedSequence.set(key, sequence);
            counts.acknowledged += 1;
          } else counts.failed += 1;
        }
      } catch (error) {
        // The server died under this request, or is not back yet: not acknowledged.
        if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') counts.refused += 1;
        else counts.failed += 1;
        await sleep(25);
      }
    }
  };
  const workers = learners.map((email, w) => worker(email, w));

  let kills = 0;
  try {
    for (kills = 0; kills < KILLS; ) {
      // Let writes flow for a random while, sometimes only a moment after start-up.
      await sleep(Math.random() < 0.2 ? Math.random() * 100 : 150 + Math.random() * 900);
      server.process.kill('SIGKILL');
      await server.exited;
      kills += 1;
      if (kills < KILLS) {
        server = await startServer({ serverJs, databasePath, env: SERVER_ENV, port, harnessPassword: true });
        const old = client;
        client = new HttpClient(server.url, { maxSockets: 64, retryStaleSockets: false });
        old.close();
      }
    }
  } finally {
    stopping = true;
    await Promise.all(workers);
    client.close();
  }
  server = undefined;

  const stored = readStored(databasePath);
  const lostCpd = [...ackedCpd].filter((title) => !stored.cpdTitles.has(title));
  const lostReflections = [...ackedSequence].filter(([key, sequence]) => sequenceOf(stored.reflections.get(key) ?? '') < sequence);
  const lost = lostCpd.length + lostReflections.length;
  console.log(
    `crash test: ${kills} kills, ${counts.acknowledged} acknowledged writes (${ackedCpd.size} CPD rows, ${counts.acknowledged - ackedCpd.size} reflection saves over ${ackedSequence.size} items), ${counts.failed} sent but not acknowledged (${counts.refused} more refused while the server was down), writes lost: ${lost}, integrity_check: ${stored.integrity}`,
  );
  expect(kills).toBe(KILLS);
  expect(stored.integrity).toBe('ok');
  expect(lostCpd).toEqual([]);
  expect(lostReflections).toEqual([]);
  // The test means something only if writes of both kinds were acknowledged between the kills.
  expect(counts.acknowledged).toBeGreaterThan(KILLS * 5);
  expect(ackedSequence.size).toBeGreaterThan(0);
});
