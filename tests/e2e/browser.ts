import fs from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { TEMPLATE_DB } from '#tests/setup/paths.ts';
import { startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';
import { DEMO_PASSWORD } from '#db/seed.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The flags this machine's closed network needs; without them Chromium keeps dialling out.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}

export async function newContext(browser: Browser, baseURL: string, options: { javaScript?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: options.javaScript ?? true, acceptDownloads: true });
  context.setDefaultTimeout(15_000);
  return context;
}

/** Fails the test on any console error or uncaught page error. */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    // A 4xx answer to a refused form is part of the flow, not a fault.
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page; resolves with serious and critical violations only. */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's CSP does not block it.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
}

export async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousAccessibilityViolations(page), `axe on ${page.url()}`).toEqual([]);
}

/** Waits for the page's h1 to read `name`: after a client-side navigation the URL changes first. */
export async function expectHeading(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

export interface BrowserTestContext {
  server: RunningServer;
  browser: Browser;
  databasePath: string;
  env: Record<string, string>;
}

/** A built server on a copy of the seeded template, with the fixture courses, and a browser, per file. */
export function withServerAndBrowser(env: Record<string, string> = { COURSES_PATH: 'tests/fixtures/courses' }): BrowserTestContext {
  const context = { env } as BrowserTestContext;
  beforeAll(async () => {
    context.databasePath = tempDatabasePath(TEMPLATE_DB);
    context.server = await startBuiltServer({ databasePath: context.databasePath, env });
    context.browser = await launchBrowser();
  });
  afterAll(async () => {
    await context.browser?.close();
    await context.server?.stop();
  });
  return context;
}
