import crypto from 'node:crypto';
import SQLite from 'better-sqlite3';
import { DEMO_SCHOOLS } from '#db/seed.ts';
import { HARNESS_PASSWORD } from '../../scripts/bench-server.ts';
import { actionData, fetcherPath, type HttpClient } from '../../scripts/bench-load.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

// Shared by the durability tests: demo learners, the two kinds of write they send, and reading
// back what the database holds.

/** One SESSION_SECRET for every start of a server, so cookies stay valid across restarts. */
export const SESSION_SECRET = crypto.randomBytes(32).toString('hex');
export const SERVER_ENV = { NODE_ENV: 'production', SESSION_SECRET, SEED_DEMO_DATA: 'never' };

export function demoTeachers(count: number): string[] {
  const emails: string[] = [];
  for (const school of DEMO_SCHOOLS) {
    school.teachers.forEach((name, i) => emails.push(i === 0 ? `teacher@${school.slug}.example` : `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@${school.slug}.example`));
  }
  return emails.slice(0, count);
}

export async function signIn(client: HttpClient, email: string): Promise<string> {
  const answer = await client.request({ path: '/sign-in', form: { email, password: HARNESS_PASSWORD } });
  const cookie = answer.headers['set-cookie']?.[0];
  if (answer.status !== 302 || !cookie) throw new Error(`sign-in as ${email} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  return cookie.split(';')[0]!;
}

/** Reflections a learner can save (course closing-the-gap). */
export const REFLECTIONS = [
  { path: '/courses/closing-the-gap/who-counts', module: 'who-counts', itemId: 'who-counts-own-class' },
  { path: '/courses/closing-the-gap/who-counts', module: 'who-counts', itemId: 'who-counts-language' },
  { path: '/courses/closing-the-gap/the-attainment-gap', module: 'the-attainment-gap', itemId: 'gap-own-data' },
  { path: '/courses/closing-the-gap/the-attainment-gap', module: 'the-attainment-gap', itemId: 'gap-questions' },
] as const;

export function reflectionBody(sequence: number, tag: string): string {
  return `seq ${sequence} (${tag}): what I noticed about who counts in my class this week.`;
}

export function sequenceOf(body: string): number {
  return Number(/^seq (\d+) /.exec(body)?.[1] ?? -1);
}

/** Saved the way the browser does with JavaScript (a fetcher: single fetch, answered in turbo-stream). */
export async function saveReflection(client: HttpClient, cookie: string, target: (typeof REFLECTIONS)[number], body: string): Promise<boolean> {
  const answer = await client.request({ path: fetcherPath(target.path), headers: { cookie }, form: { intent: 'reflection', itemId: target.itemId, body, enhanced: '1' } }, 15_000);
  return answer.status === 200 && (await actionData(answer.body))?.ok === true;
}

export function cpdFields(title: string): Record<string, string> {
  const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  return { title, provider: 'Durability test', date, hours: '1', note: 'written while the server was being killed', link: '' };
}

export async function addCpd(client: HttpClient, cookie: string, title: string): Promise<boolean> {
  const answer = await client.request({ path: '/learn/cpd', headers: { cookie }, form: cpdFields(title) }, 15_000);
  return answer.status === 302 && answer.headers.location === '/learn/cpd#log';
}

export interface Stored {
  integrity: string;
  cpdTitles: Set<string>;
  /** email|module|itemId → body */
  reflections: Map<string, string>;
}

/** Opens the database the way the app does (so a leftover WAL is recovered) and reads it back. */
export function readStored(databasePath: string): Stored {
  const db = new SQLite(databasePath, { fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const cpdTitles = new Set((db.prepare('select title from external_cpd').all() as { title: string }[]).map((r) => r.title));
    const rows = db
      .prepare(`select u.email as email, r.module_slug as module, r.item_id as itemId, r.body as body from reflection_responses r join users u on u.id = r.user_id`)
      .all() as { email: string; module: string; itemId: string; body: string }[];
    return { integrity, cpdTitles, reflections: new Map(rows.map((r) => [`${r.email}|${r.module}|${r.itemId}`, r.body])) };
  } finally {
    db.close();
  }
}

/**
 * An SMTP server that takes its time over each message (`minMs` plus up to `spreadMs`), so that
 * kills land while messages are being sent, and notes each delivery's Message-ID in `delivered`.
 */
export function startSlowSmtp(delivered: string[], minMs: number, spreadMs: number): Promise<TestSmtp> {
  return startTestSmtp({
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        setTimeout(() => {
          delivered.push(/^Message-ID:\s*(<[^>]+>)/im.exec(Buffer.concat(chunks).toString('utf8'))?.[1] ?? 'none');
          callback();
        }, minMs + Math.random() * spreadMs);
      });
    },
  });
}
