import fs from 'node:fs';
import path from 'node:path';
import type { Transporter, createTransport } from 'nodemailer';
import type { Env } from '#app/utils/env.server.ts';

// The two ways a message leaves: SMTP when SMTP_URL is set, otherwise an .eml file in the local
// outbox folder that a developer can open (and /dev/outbox lists).

export interface OutgoingMail {
  /** The outbox row id: names the file and makes the Message-ID. */
  id: number;
  from: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  unsubscribeUrl?: string;
}

export interface Mailer {
  kind: 'smtp' | 'files';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** An SMTP answer that will not change on a retry (5xx), as opposed to a 4xx or a lost connection. */
export class PermanentSendError extends Error {}

// Short enough that one stuck server cannot hold a claimed row past its lease (outbox.server.ts).
const SMTP_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 };

function mailOptions(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    // RFC 3834: no out-of-office replies to these. RFC 8058: one-click unsubscribe for optional emails.
    headers: {
      'Auto-Submitted': 'auto-generated',
      ...(mail.unsubscribeUrl ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
    },
    ...(mail.unsubscribeUrl ? { list: { unsubscribe: mail.unsubscribeUrl } } : {}),
  };
}

/**
 * nodemailer is loaded when the first message is sent, not with the server: most processes send
 * nothing for long stretches, and its modules would otherwise stay in the heap (decision 029).
 */
function lazyTransport(options: Parameters<typeof createTransport>[0]): { get(): Promise<Transporter>; close(): void } {
  let made: Promise<Transporter> | null = null;
  let transport: Transporter | null = null;
  let closed = false;
  return {
    get: () =>
      (made ??= import('nodemailer').then(({ default: nodemailer }) => {
        transport = nodemailer.createTransport(options);
        // Closed while loading: a pool opened now would hold the process open.
        if (closed) transport.close();
        return transport;
      })),
    close: () => {
      closed = true;
      transport?.close();
    },
  };
}

export function createMailer(env: Pick<Env, 'SMTP_URL' | 'MAIL_OUTBOX_PATH'>): Mailer {
  if (env.SMTP_URL) {
    const transport = lazyTransport({ url: env.SMTP_URL, pool: true, maxConnections: 1, ...SMTP_TIMEOUTS });
    return {
      kind: 'smtp',
      async send(mail) {
        try {
          await (await transport.get()).sendMail(mailOptions(mail));
        } catch (error) {
          const code = (error as { responseCode?: number }).responseCode;
          if (typeof code === 'number' && code >= 500 && code < 600) throw new PermanentSendError((error as Error).message);
          throw error;
        }
      },
      close: () => transport.close(),
    };
  }
  const folder = path.resolve(env.MAIL_OUTBOX_PATH);
  const transport = lazyTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'files',
    async send(mail) {
      const info = await (await transport.get()).sendMail(mailOptions(mail));
      fs.mkdirSync(folder, { recursive: true });
      // Written whole, then renamed: a reader never sees half a message, and a second send of the
      // same row replaces the file instead of adding another.
      const file = path.join(folder, outboxFileName(mail.id));
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, info.message as Buffer);
      fs.renameSync(temporary, file);
    },
    close: () => transport.close(),
  };
}

export function outboxFileName(id: number): string {
  return `${String(id).padStart(8, '0')}.eml`;
}
