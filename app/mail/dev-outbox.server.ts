import fs from 'node:fs';
import path from 'node:path';
import { getEnv } from '#app/utils/env.server.ts';
import { notFound } from '#app/utils/http.server.ts';

// The local outbox a developer reads when there is no SMTP server (docs/decisions/012-email-outbox.md):
// never in production, and only when mail goes to files.

export function requireLocalOutbox(): string {
  const env = getEnv();
  if (env.isProduction || env.SMTP_URL) throw notFound();
  return path.resolve(env.MAIL_OUTBOX_PATH);
}

export interface OutboxFileSummary {
  id: string;
  to: string;
  subject: string;
  date: string;
}

const FILE_NAME = /^(\d{8})\.eml$/;

async function parseFile(folder: string, name: string) {
  // Loaded when the outbox is first read (development only), not at every start.
  const { simpleParser } = await import('mailparser');
  return simpleParser(await fs.promises.readFile(path.join(folder, name)));
}

export async function listOutboxFiles(limit = 200): Promise<OutboxFileSummary[]> {
  const folder = requireLocalOutbox();
  const names = fs.existsSync(folder) ? (await fs.promises.readdir(folder)).filter((n) => FILE_NAME.test(n)).sort().reverse().slice(0, limit) : [];
  return Promise.all(
    names.map(async (name) => {
      const mail = await parseFile(folder, name);
      return { id: FILE_NAME.exec(name)![1]!, to: mail.to && !Array.isArray(mail.to) ? mail.to.text : '', subject: mail.subject ?? '', date: mail.date?.toISOString() ?? '' };
    }),
  );
}

export async function readOutboxFile(id: string) {
  const folder = requireLocalOutbox();
  if (!/^\d{8}$/.test(id)) throw notFound();
  const file = path.join(folder, `${id}.eml`);
  if (!fs.existsSync(file)) throw notFound();
  const mail = await parseFile(folder, `${id}.eml`);
  return {
    id,
    from: mail.from?.text ?? '',
    to: mail.to && !Array.isArray(mail.to) ? mail.to.text : '',
    subject: mail.subject ?? '',
    date: mail.date?.toISOString() ?? '',
    messageId: mail.messageId ?? '',
    listUnsubscribe: mail.headers.has('list-unsubscribe') ? String(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '') : null,
    text: mail.text ?? '',
  };
}
