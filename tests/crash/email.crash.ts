import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sleep } from '../../scripts/bench-load.ts';
import { removeDatabase, removeSnapshot, snapshotBuild, startServer, tempDatabasePath, type BenchServer } from '../../scripts/bench-server.ts';
import type { TestSmtp } from '../support/smtp.ts';
import { CRASH_TEMPLATE_DB } from './paths.ts';
import { SERVER_ENV, startSlowSmtp } from './support.ts';

// The mail worker is killed with SIGKILL while it sends, again and again, and restarted on the same
// database. Afterwards every queued message must have been delivered (none lost), nothing may have
// been delivered that was not queued, and a message may arrive twice only when a kill fell between
// the SMTP server accepting it and the row being marked sent: at most one such copy per kill, with
// the same Message-ID (docs/decisions/012-email-outbox.md).

const KILLS = Math.min(Number(process.env.CRASH_KILLS ?? 20), 30);
const MESSAGES = 400;

let serverJs: string;
let databasePath: string;
let server: BenchServer | undefined;
let smtp: TestSmtp;

beforeAll(async () => {
  serverJs = snapshotBuild();
  databasePath = tempDatabasePath(CRASH_TEMPLATE_DB, 'kindred-crash-mail-');
  // A slow SMTP server, so that kills land while messages are being sent.
  smtp = await startSlowSmtp(delivered, 2, 10);
  const db = new SQLite(databasePath);
  db.prepare('delete from outbox').run();
  const insert = db.prepare(
    "insert into outbox (template, to_user_id, to_address, to_name, params, next_attempt_at, created_at) values ('password-changed', null, ?, ?, ?, ?, ?)",
  );
  const at = new Date().toISOString();
  db.transaction(() => {
    for (let i = 1; i <= MESSAGES; i += 1) insert.run(`person${i}@crash.example.org`, `Person ${i}`, JSON.stringify({ at }), at, at);
  })();
  db.close();
});

const delivered: string[] = [];

afterAll(async () => {
  if (server) {
    server.process.kill('SIGKILL');
    await server.exited;
  }
  await smtp?.close();
  removeSnapshot(serverJs);
  removeDatabase(databasePath);
});

function outboxState(): { integrity: string; rows: { id: number; status: string }[] } {
  const db = new SQLite(databasePath, { fileMustExist: true });
  try {
    return { integrity: db.pragma('integrity_check', { simple: true }) as string, rows: db.prepare('select id, status from outbox order by id').all() as { id: number; status: string }[] };
  } finally {
    db.close();
  }
}

test(`every message is sent, and at most once more per kill, across ${KILLS} SIGKILLs while sending`, { timeout: 180_000 + KILLS * 8_000 }, async () => {
  const env = { ...SERVER_ENV, SMTP_URL: smtp.url, MAIL_FROM: 'Kindred <cpd@crash.example.org>', MAIL_POLL_MS: '50', MAIL_RETRY_MS: '100', MAIL_LEASE_MS: '1000', PUBLIC_URL: 'https://cpd.crash.example.org' };
  let kills = 0;
  let deliveredAtKills = 0;
  for (kills = 0; kills < KILLS; ) {
    server = await startServer({ serverJs, databasePath, env });
    // Kill once sending is under way, at a random moment.
    const before = delivered.length;
    const deadline = Date.now() + 10_000;
    while (delivered.length === before && Date.now() < deadline) await sleep(5);
    await sleep(Math.random() * 150);
    server.process.kill('SIGKILL');
    await server.exited;
    server = undefined;
    kills += 1;
    deliveredAtKills = delivered.length;
    if (outboxState().rows.every((r) => r.status === 'sent')) break;
  }
  // The last start runs until the outbox is empty; leases of killed workers run out after a second.
  server = await startServer({ serverJs, databasePath, env });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !outboxState().rows.every((r) => r.status === 'sent')) await sleep(200);
  await server.stop('SIGTERM');
  server = undefined;

  const { integrity, rows } = outboxState();
  const expectedIds = new Set(rows.map((r) => `<outbox-${r.id}@cpd.crash.example.org>`));
  const copies = new Map<string, number>();
  for (const id of delivered) copies.set(id, (copies.get(id) ?? 0) + 1);
  const lost = [...expectedIds].filter((id) => !copies.has(id));
  const unexpected = [...copies.keys()].filter((id) => !expectedIds.has(id));
  const twice = [...copies].filter(([, n]) => n > 1);
  console.log(
    `mail crash test: ${kills} kills (${deliveredAtKills} deliveries before the last), ${rows.length} messages, ${delivered.length} deliveries, ${twice.length} delivered twice, lost ${lost.length}, still pending ${rows.filter((r) => r.status !== 'sent').length}, integrity ${integrity}`,
  );
  expect(integrity).toBe('ok');
  expect(rows).toHaveLength(MESSAGES);
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  expect(lost).toEqual([]);
  expect(unexpected).toEqual([]);
  // Messages are sent one at a time, so a kill can repeat at most the one in flight: the extra
  // copies, all told, are no more than the kills (one message may be caught by two of them).
  const extraCopies = twice.reduce((sum, [, n]) => sum + n - 1, 0);
  expect(extraCopies).toBeLessThanOrEqual(kills);
  expect(kills).toBeGreaterThan(0);
});
