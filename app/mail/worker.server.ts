import { getEnv } from '#app/utils/env.server.ts';
import { singleton } from '#app/utils/singleton.server.ts';
import { newWorkerId, sendDue } from './outbox.server.ts';
import { runSchedule } from './schedule.server.ts';
import { createMailer } from './transport.server.ts';

// Runs inside the server process, beside the web server but never in a request: pages only write
// outbox rows, so a slow or failing SMTP server cannot slow a page.

export interface MailWorker {
  stop(): Promise<void>;
}

export function startMailWorker(): MailWorker {
  const env = getEnv();
  const mailer = createMailer(env);
  const workerId = newWorkerId();
  const wakeHolder = singleton('mail-wake', () => ({ wake: () => {} }));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let scheduleTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let busy = false;

  const tick = () => {
    if (stopped || busy) return;
    clearTimeout(timer);
    busy = true;
    running = (async () => {
      let handled = 0;
      try {
        handled = await sendDue(mailer, workerId);
      } catch (error) {
        console.warn(`[mail] the outbox could not be read: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        busy = false;
      }
      // A full batch means there may be more: carry on at once (after letting requests in).
      if (!stopped) timer = setTimeout(tick, handled > 0 ? 0 : env.MAIL_POLL_MS);
    })();
  };
  wakeHolder.wake = () => {
    if (!busy && !stopped) {
      clearTimeout(timer);
      timer = setTimeout(tick, 20);
    }
  };

  const schedule = () => {
    if (stopped) return;
    runSchedule()
      .catch((error: unknown) => console.warn(`[mail] the reminder schedule failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        if (!stopped) scheduleTimer = setTimeout(schedule, env.MAIL_SCHEDULE_MS);
      });
  };

  timer = setTimeout(tick, 100);
  scheduleTimer = setTimeout(schedule, 1000);
  console.log(env.SMTP_URL ? 'Email goes out over SMTP.' : `Email is written to ${env.MAIL_OUTBOX_PATH} (no SMTP_URL); open /dev/outbox to read it.`);

  return {
    async stop() {
      stopped = true;
      wakeHolder.wake = () => {};
      clearTimeout(timer);
      clearTimeout(scheduleTimer);
      // A send in flight gets a moment to finish; one stuck on a silent server keeps its lease and
      // is sent again after the next start, rather than holding up the shutdown.
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise((resolve) => (timeout = setTimeout(resolve, 3000)))]);
      clearTimeout(timeout);
      mailer.close();
    },
  };
}
