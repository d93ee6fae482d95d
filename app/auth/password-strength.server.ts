import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// zxcvbn-ts with its common and English dictionaries: realistic guessing, not character rules.
//
// Its dictionaries take about 12 MB of heap once loaded and 13 MB more once ranked, for a check
// made when someone chooses a password: a few times a day. Kept in the server's heap they would
// be marked by every full garbage collection for the rest of the process's life, so they live in
// a worker thread, started when a password is checked and ended after a minute with none
// (docs/decisions/028-soak-and-memory.md).

export interface PasswordStrength {
  /** 0 (too guessable) to 4 (very unguessable). */
  score: number;
  /** zxcvbn's warning, in English, or '' when it has none. */
  warning: string;
}

/** How long the worker waits for the next check before it ends. */
const IDLE_MS = 60_000;

const resolve = createRequire(import.meta.url).resolve;

// CommonJS run by the worker: the packages are loaded by their resolved paths, so it does not
// matter where the worker's own code is thought to live.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { ZxcvbnFactory } = require(workerData.core);
const common = require(workerData.common);
const english = require(workerData.english);
let estimator;
parentPort.on('message', ({ id, password, userInputs, extraWords }) => {
  try {
    estimator ??= new ZxcvbnFactory({ translations: english.translations, graphs: common.adjacencyGraphs, dictionary: { ...common.dictionary, ...english.dictionary, extra: extraWords } });
    const result = estimator.check(password, userInputs);
    parentPort.postMessage({ id, score: result.score, warning: result.feedback.warning ?? '' });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

interface Pending {
  resolve: (strength: PasswordStrength) => void;
  reject: (error: Error) => void;
}

interface Running {
  thread: Worker;
  /** Checks sent to this thread and not answered yet. */
  pending: Map<number, Pending>;
  idleTimer: NodeJS.Timeout | null;
}

let running: Running | null = null;
let nextId = 0;

function startWorker(): Running {
  const thread = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { core: resolve('@zxcvbn-ts/core'), common: resolve('@zxcvbn-ts/language-common'), english: resolve('@zxcvbn-ts/language-en') },
  });
  const started: Running = { thread, pending: new Map(), idleTimer: null };
  // An idle worker never keeps the process alive.
  thread.unref();
  const failAll = (error: Error) => {
    if (running === started) running = null;
    for (const waiting of started.pending.values()) waiting.reject(error);
    started.pending.clear();
  };
  thread.on('message', (message: { id: number; score?: number; warning?: string; error?: string }) => {
    const waiting = started.pending.get(message.id);
    if (!waiting) return;
    started.pending.delete(message.id);
    if (message.error !== undefined) waiting.reject(new Error(`Password strength check failed: ${message.error}`));
    else waiting.resolve({ score: message.score!, warning: message.warning ?? '' });
  });
  thread.on('error', failAll);
  thread.on('exit', (code) => failAll(new Error(`Password strength worker stopped (exit code ${code})`)));
  return started;
}

/** Ends the worker once it has had no check to do for IDLE_MS. */
function endWhenIdle(worker: Running): void {
  if (worker.idleTimer) clearTimeout(worker.idleTimer);
  worker.idleTimer = setTimeout(() => {
    worker.idleTimer = null;
    if (worker.pending.size > 0) return endWhenIdle(worker);
    if (running === worker) running = null;
    void worker.thread.terminate();
  }, IDLE_MS).unref();
}

/** zxcvbn's estimate for `password`, with the person's own words and `extraWords` as known words. */
export function estimatePasswordStrength(password: string, userInputs: string[], extraWords: string[]): Promise<PasswordStrength> {
  const worker = (running ??= startWorker());
  const id = (nextId += 1);
  const answer = new Promise<PasswordStrength>((resolve, reject) => worker.pending.set(id, { resolve, reject }));
  worker.thread.postMessage({ id, password, userInputs, extraWords });
  endWhenIdle(worker);
  return answer;
}

/** For tests: whether the worker is running now. */
export function passwordStrengthWorkerRunning(): boolean {
  return running !== null;
}
