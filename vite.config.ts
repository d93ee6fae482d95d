import { vitePlugin as remix } from '@remix-run/dev';
import { defineConfig } from 'vitest/config';
import remixConfig from './remix.config.js';

const isVitest = Boolean(process.env.VITEST);

export default defineConfig({
  // The Remix plugin takes over the build; vitest runs loaders and actions as plain functions.
  plugins: isVitest ? [] : [remix(remixConfig)],
  build: { target: 'es2022' },
  server: { hmr: { port: Number(process.env.HMR_PORT ?? 24678) } },
  test: {
    include: ['app/**/*.test.{ts,tsx}', 'db/**/*.test.ts', 'tests/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    globalSetup: ['tests/setup/global-setup.ts'],
    setupFiles: ['tests/setup/setup-test-env.ts'],
    pool: 'forks',
    // The PostgreSQL pass (DATABASE_URL) runs a cluster beside the built servers that tests/http start: slower starts on a shared machine.
    testTimeout: process.env.DATABASE_URL ? 60_000 : 20_000,
    hookTimeout: 60_000,
  },
});
