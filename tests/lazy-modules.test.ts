import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';

// Decision 029: the PostgreSQL driver, the MDX bundler (esbuild and its plugins) and nodemailer
// load when first used, so a server on SQLite with a warm content cache does not keep them in its
// heap for every full collection to mark. Checked in a fresh process (the test runner has loaded
// them all), on the built app as the server imports it.
const script = `
import { createRequire } from 'node:module';
await import('./build/server/index.js');
const loaded = Object.keys(createRequire(process.cwd() + '/').cache).map((file) => file.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//)?.[1]);
console.log(JSON.stringify([...new Set(loaded.filter(Boolean))]));
`;

test('the built app loads no PostgreSQL driver, MDX bundler or nodemailer until it uses them', () => {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(result.stderr).toBe('');
  const packages = JSON.parse(result.stdout) as string[];
  // The check can see what the app does load.
  expect(packages).toEqual(expect.arrayContaining(['react-dom', 'better-sqlite3']));
  for (const lazy of ['pg', 'pg-pool', 'esbuild', '@esbuild-plugins/node-resolve', 'nodemailer']) expect(packages).not.toContain(lazy);
});
