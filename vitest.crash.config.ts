import { defineConfig } from 'vitest/config';

// Durability tests (tests/crash): the built server killed, stopped and backed up under load.
// Files are named *.crash.ts so the main suite (tests/**/*.test.ts) does not pick them up.
// CRASH_KILLS sets the number of SIGKILLs (20 here and in CI; `npm run test:crash` runs 100).
export default defineConfig({
  test: {
    include: ['tests/crash/**/*.crash.ts'],
    globalSetup: ['tests/crash/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
