import { eraseExpiredPeople } from './personal-data.server.ts';

// Runs the retention erasure in the server process, like the email schedule: soon after start,
// then every `intervalMs`. It keeps no state, so restarts and several processes are safe.
export function startRetentionSweep(intervalMs: number): { stop: () => Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = eraseExpiredPeople()
      .then((erased) => {
        if (erased > 0) console.log(`[retention] erased ${erased} ${erased === 1 ? 'person' : 'people'} past their organisation's retention period`);
      })
      .catch((error: unknown) => console.warn(`[retention] the sweep failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(sweep, intervalMs);
      });
  };
  timer = setTimeout(sweep, 2000);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
