import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { expectHeading, newContext, signIn, watchForErrors, withServerAndBrowser } from './browser.ts';
import { DEMO_PASSWORD } from '#db/seed.ts';

// Issue 12, "a teacher's evening, round 2": each numbered item, with JavaScript on and off where
// it applies, and the considered look (no sideways scrolling, axe at 0). Only the sample course
// is installed here, so a learner can finish every course there is.
const coursesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindred-courses-'));
fs.cpSync('tests/fixtures/courses/sample-course', path.join(coursesDir, 'sample-course'), { recursive: true });
const ctx = withServerAndBrowser({ COURSES_PATH: coursesDir });

const SCREENSHOTS = process.env.SCREENSHOTS_DIR;

function database() {
  return new SQLite(ctx.databasePath);
}

/** Every axe violation, whatever its impact: the bar is zero. */
async function axeViolations(page: Page): Promise<string[]> {
  const source = fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document);
    return result.violations.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

async function startSampleCourse(page: Page) {
  await page.goto('/courses/sample-course');
  await page.getByRole('button', { name: 'Start the course' }).click();
  await expectHeading(page, 'First steps');
}

async function passFirstModule(page: Page) {
  await page.getByLabel('What do you think so far?').fill('Talk before writing.');
  await page.locator('#item-first-thoughts').getByRole('button', { name: 'Save reflection' }).click();
  await page.locator('#item-first-thoughts').getByRole('status').filter({ hasText: /saved on/i }).waitFor();
  await page.getByRole('group', { name: /Which colour is the sky/ }).getByLabel('Blue', { exact: true }).check();
  const even = page.getByRole('group', { name: /even numbers/ });
  await even.getByLabel('Two', { exact: true }).check();
  await even.getByLabel('Four', { exact: true }).check();
  await page.getByRole('button', { name: /Check my answers/ }).click();
  await page.getByText('You answered all 2 questions correctly').waitFor();
}

async function finishModule(page: Page) {
  await page.getByRole('button', { name: 'Mark module complete' }).click();
  await page.getByText(/You completed this module on/).waitFor();
}

async function finishSecondModule(page: Page) {
  await page.goto('/courses/sample-course/second-steps');
  await page.getByLabel('What will you do next?').fill('Share it with my team.');
  await page.getByRole('button', { name: 'Save reflection' }).click();
  await page.getByRole('status').filter({ hasText: /saved on/i }).waitFor();
  await finishModule(page);
}

for (const javaScript of [true, false]) {
  const mode = `JavaScript ${javaScript ? 'on' : 'off'}`;
  describe(mode, () => {
    test('1. a reflection typed after the session ended comes back after signing in again, unsaved', async () => {
      const email = javaScript ? 'tom.brennan@oakfield.example' : 'owen.price@brookside.example';
      const context = await newContext(ctx.browser, ctx.server.url, { javaScript });
      const page = await context.newPage();
      const errors = watchForErrors(page);
      await signIn(page, email);
      await startSampleCourse(page);
      const text = 'Zoë’s group — “talk first” — worked: 12 of 14 wrote more. 😀\nSecond line.';
      await page.getByLabel('What do you think so far?').fill(text);
      // The session ends while the teacher types (idle timeout, or signed out elsewhere).
      const db = database();
      db.prepare('delete from sessions where user_id = (select id from users where email = ?)').run(email);
      await page.locator('#item-first-thoughts').getByRole('button', { name: 'Save reflection' }).click();

      await page.waitForURL('**/sign-in?**');
      // With JavaScript the address changes before the new page is drawn.
      await expectHeading(page, 'Sign in to Kindred');
      expect(await page.getByRole('main').getByRole('status').textContent()).toBe('Your session ended. Sign in again and your reflection will be back where you left it.');
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/courses/sample-course/first-steps#item-first-thoughts');
      await expectHeading(page, 'First steps');
      expect(await page.getByLabel('What do you think so far?').inputValue()).toBe(text);
      await page.locator('#item-first-thoughts').getByText('Your session ended before this was saved').waitFor();
      if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, `restored-${mode.replace(/\W+/g, '-')}.png`) });
      // Not saved silently: the teacher saves it.
      const saved = () => db.prepare("select count(*) as n from reflection_responses r join users u on u.id = r.user_id where u.email = ?").get(email) as { n: number };
      expect(saved().n).toBe(0);
      await page.locator('#item-first-thoughts').getByRole('button', { name: 'Save reflection' }).click();
      await page.locator('#item-first-thoughts').getByRole('status').filter({ hasText: /saved on/i }).waitFor();
      expect(saved().n).toBe(1);
      // Handed back once: opening the page again shows the saved text, with no "session ended" note.
      await page.goto('/courses/sample-course/first-steps');
      expect(await page.getByText('Your session ended before this was saved').count()).toBe(0);
      db.close();
      expect(errors).toEqual([]);
      await context.close();
    });

    test('2 and 7. errors are summarised at the top, with links, and nothing picked or typed is lost', async () => {
      const email = javaScript ? 'daniel.hughes@oakfield.example' : 'nisha.shah@brookside.example';
      const context = await newContext(ctx.browser, ctx.server.url, { javaScript });
      const page = await context.newPage();
      const errors = watchForErrors(page);
      await signIn(page, email);
      await startSampleCourse(page);

      // An early "Mark module complete": the summary names what is left and is where the page opens.
      await page.getByRole('button', { name: 'Mark module complete' }).click();
      const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'This module is not finished yet' }) });
      await summary.waitFor();
      expect(await summary.getByRole('link').count()).toBe(2);
      expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary');
      if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, `summary-${mode.replace(/\W+/g, '-')}.png`) });
      const box = await summary.boundingBox();
      expect(box!.y).toBeLessThan(await page.evaluate(() => window.innerHeight));
      if (javaScript) expect(await axeViolations(page)).toEqual([]);

      // A part-answered check: the answer picked stays picked; the link leads to the question left.
      await page.getByRole('group', { name: /Which colour is the sky/ }).getByLabel('Blue', { exact: true }).check();
      await page.getByRole('button', { name: 'Check my answers' }).click();
      if (javaScript) {
        // The page stays put: focus moves to the question still to answer.
        await page.getByText('Choose an answer to this question.').waitFor();
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('first-check-q2-answer');
      } else {
        const checkSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
        await checkSummary.waitFor();
        expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary');
        await checkSummary.getByRole('link', { name: 'Question 2: choose an answer' }).click();
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('first-check-q2-answer');
      }
      expect(await page.getByRole('group', { name: /Which colour is the sky/ }).getByLabel('Blue', { exact: true }).isChecked()).toBe(true);

      // An empty reflection.
      await page.locator('#item-first-thoughts').getByRole('button', { name: 'Save reflection' }).click();
      if (javaScript) {
        await page.locator('#item-first-thoughts').getByText('Write your reflection before saving').waitFor();
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('reflection-first-thoughts');
      } else {
        const link = page.getByRole('alert').getByRole('link', { name: 'Write your reflection before saving' });
        await link.click();
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('reflection-first-thoughts');
      }
      if (javaScript) expect(await axeViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    });

    test('3. finishing the last module says so, with the certificate and its PDF; the course page links to it', async () => {
      const email = javaScript ? 'kwame.mensah@oakfield.example' : 'ciara.byrne@brookside.example';
      const context = await newContext(ctx.browser, ctx.server.url, { javaScript });
      const page = await context.newPage();
      const errors = watchForErrors(page);
      await signIn(page, email);
      await startSampleCourse(page);
      await passFirstModule(page);
      await finishModule(page);
      expect(await page.getByRole('region', { name: /finished the course|Course complete/ }).count()).toBe(0);
      await finishSecondModule(page);
      const panel = page.getByRole('region', { name: 'You have finished the course' });
      await panel.waitFor();
      const certificateLink = panel.getByRole('link', { name: 'View your certificate' });
      const href = await certificateLink.getAttribute('href');
      expect(href).toMatch(/^\/certificates\/[A-Z0-9]{6}-[A-Z0-9]{6}-[A-Z0-9]{6}$/);
      expect(await panel.getByRole('link', { name: 'Download the certificate (PDF)' }).getAttribute('href')).toBe(`${href}/pdf`);
      if (javaScript) expect(await axeViolations(page)).toEqual([]);
      await page.goto('/courses/sample-course');
      expect(await page.getByRole('link', { name: 'View your certificate' }).getAttribute('href')).toBe(href);
      await page.getByRole('link', { name: 'View your certificate' }).click();
      await expectHeading(page, 'This certificate is valid');
      expect(errors).toEqual([]);
      await context.close();
    });

    test('8. the reflection limit is shown and warned about, and longer text is refused, not cut', async () => {
      const email = javaScript ? 'hannah.lewis@oakfield.example' : 'kofi.owusu@brookside.example';
      const context = await newContext(ctx.browser, ctx.server.url, { javaScript });
      const page = await context.newPage();
      await signIn(page, email);
      await startSampleCourse(page);
      const field = page.getByLabel('What do you think so far?');
      expect(await field.getAttribute('maxlength')).toBeNull();
      const long = 'a'.repeat(10_050);
      await field.fill(long);
      expect(await page.locator('#item-first-thoughts .hint').textContent()).toContain('Up to 10,000 characters');
      if (javaScript) {
        expect(await page.locator('#reflection-first-thoughts-count').textContent()).toBe('50 characters too many: shorten your reflection to 10,000 characters before saving.');
      }
      await page.locator('#item-first-thoughts').getByRole('button', { name: 'Save reflection' }).click();
      await page.locator('#item-first-thoughts').getByText('Use at most 10,000 characters').waitFor();
      expect((await field.inputValue()).length).toBe(10_050);
      await context.close();
    });
  });
}

test('4. with JavaScript, the "not finished yet" box goes once the items are done', async () => {
  const context = await newContext(ctx.browser, ctx.server.url);
  const page = await context.newPage();
  await signIn(page, 'joe.nowak@oakfield.example');
  await startSampleCourse(page);
  await page.getByRole('button', { name: 'Mark module complete' }).click();
  const notFinished = page.getByText('This module is not finished yet');
  await notFinished.first().waitFor();
  await passFirstModule(page);
  await page.getByText('Everything is done: you can mark this module complete.').waitFor();
  expect(await notFinished.count()).toBe(0);
  await context.close();
});

test('5. multi-byte text reaches the browser whole (no U+0000, no U+FFFD)', async () => {
  const context = await newContext(ctx.browser, ctx.server.url, { javaScript: false });
  const page = await context.newPage();
  await signIn(page, 'ellie.thompson@oakfield.example');
  await page.goto('/learn/cpd');
  const title = 'Trust “SEND” day — Zoë’s notes ✓ 😀';
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Date').fill('2026-11-20');
  await page.getByLabel('Hours').fill('2');
  await page.getByLabel('Note (optional)').fill('“Quotes” — and dashes — '.repeat(60));
  await page.getByRole('button', { name: 'Add to my log' }).click();
  await page.getByRole('link', { name: `Edit ${title}` }).click();
  expect(await page.getByLabel('Title').inputValue()).toBe(title);
  const html = await page.content();
  expect(html).not.toContain('\u0000');
  expect(html).not.toContain('\uFFFD');
  await context.close();
});

test('6. every field has a type and the field styles, on CPD and account', async () => {
  const context = await newContext(ctx.browser, ctx.server.url);
  const page = await context.newPage();
  await signIn(page, 'zara.ahmed@oakfield.example');
  for (const url of ['/learn/cpd', '/account']) {
    await page.goto(url);
    const fields = await page.locator('main input:not([type=hidden]):not([type=radio]):not([type=checkbox])').evaluateAll((inputs) =>
      inputs.map((input) => ({ name: (input as HTMLInputElement).name, type: input.getAttribute('type'), border: getComputedStyle(input).borderTopWidth, width: input.getBoundingClientRect().width })),
    );
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      expect(field.type, `${url} ${field.name}`).not.toBeNull();
      expect(field.border, `${url} ${field.name}`).toBe('2px');
      expect(field.width, `${url} ${field.name}`).toBeGreaterThan(150);
    }
  }
  await context.close();
});

test('9. the public certificate page fits a phone at 390 and 320 px', async () => {
  const db = database();
  const row = db.prepare('select code from certificates limit 1').get() as { code: string } | undefined;
  db.close();
  expect(row, 'a certificate from test 3').toBeDefined();
  const context = await newContext(ctx.browser, ctx.server.url);
  const page = await context.newPage();
  for (const width of [390, 320]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`/certificates/${row!.code}`);
    await expectHeading(page, 'This certificate is valid');
    expect(await horizontalOverflow(page), `${width} px`).toBeLessThanOrEqual(0);
  }
  await context.close();
});

for (const javaScript of [true, false]) {
  test(`10. CPD (JavaScript ${javaScript ? 'on' : 'off'}): an empty form after adding, UK dates, no sideways scroll on a phone`, async () => {
    const context = await newContext(ctx.browser, ctx.server.url, { javaScript });
    const page = await context.newPage();
    await signIn(page, javaScript ? 'rhys.morgan@oakfield.example' : 'megan.evans@brookside.example');
    await page.setViewportSize({ width: 320, height: 800 });
    await page.goto('/learn/cpd');
    await page.getByLabel('Title').fill('Reading group');
    await page.getByLabel('Provider (optional)').fill('Our trust');
    await page.getByLabel('Date').fill('2026-12-02');
    await page.getByLabel('Hours').fill('1.5');
    await page.getByRole('button', { name: 'Add to my log' }).click();
    const row = page.getByRole('row', { name: /Reading group/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('2 December 2026');
    expect(await row.textContent()).not.toContain('2026-12-02');
    for (const label of ['Title', 'Provider (optional)', 'Date', 'Hours']) expect(await page.getByLabel(label).inputValue(), label).toBe('');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await context.close();
  });
}

describe('11. the small things', () => {
  test('Continue leads to the module still to do, and its name keeps the percentage', async () => {
    const context = await newContext(ctx.browser, ctx.server.url);
    const page = await context.newPage();
    await signIn(page, 'priya.patel@oakfield.example');
    await startSampleCourse(page);
    await passFirstModule(page);
    await finishModule(page);
    // The last module visited is the finished one.
    await page.goto('/courses/sample-course/first-steps');
    await page.goto('/learn');
    const cont = page.getByRole('link', { name: 'Continue Sample course (50%)' });
    expect(await cont.getAttribute('href')).toBe('/courses/sample-course/second-steps');
    await page.goto('/courses/sample-course');
    expect(await page.getByRole('link', { name: 'Continue', exact: true }).getAttribute('href')).toBe('/courses/sample-course/second-steps');
    await context.close();
  });

  test('/learn with every course finished says so instead of "choose one below"', async () => {
    const db = database();
    const finished = db.prepare("select u.email from enrolments e join users u on u.id = e.user_id where e.course_slug = 'sample-course' and e.completed_at is not null limit 1").get() as { email: string } | undefined;
    db.close();
    expect(finished, 'a learner who finished the course in test 3').toBeDefined();
    const context = await newContext(ctx.browser, ctx.server.url);
    const page = await context.newPage();
    await signIn(page, finished!.email);
    const next = page.getByRole('region', { name: 'What to do next' });
    expect(await next.textContent()).toContain('You have finished every course');
    expect(await next.textContent()).not.toContain('Choose one below');
    await context.close();
  });

  test('a 404 page has a title that says so', async () => {
    const context = await newContext(ctx.browser, ctx.server.url);
    const page = await context.newPage();
    const response = await page.goto('/no-such-page');
    expect(response?.status()).toBe(404);
    expect(await page.title()).toBe('Page not found – Kindred');
    await context.close();
  });
});

describe('a considered look', () => {
  const PAGES: { who: string | null; urls: string[] }[] = [
    { who: null, urls: ['/', '/sign-in', '/courses', '/courses/sample-course'] },
    { who: 'kwame.mensah@oakfield.example', urls: ['/learn', '/learn/cpd', '/account', '/courses/sample-course/first-steps', '/courses/sample-course/second-steps'] },
    { who: 'priya.patel@oakfield.example', urls: ['/learn', '/courses/sample-course/second-steps'] },
    { who: 'coach@oakfield.example', urls: ['/coach'] },
    { who: 'leader@oakfield.example', urls: ['/lead', '/lead/people', '/lead/assignments', '/lead/groups', '/lead/governors', '/audit'] },
    { who: 'admin@kindred.example', urls: ['/admin'] },
    { who: 'trust.leader@northfield.example', urls: ['/lead', '/lead/governors'] },
  ];

  test('the main pages: no sideways scrolling at 1280, 390 and 320 px, and axe finds nothing', { timeout: 240_000 }, async () => {
    for (const { who, urls } of PAGES) {
      const context = await newContext(ctx.browser, ctx.server.url);
      const page = await context.newPage();
      if (who) await signIn(page, who);
      for (const url of urls) {
        for (const width of [1280, 390, 320]) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(url);
          if (SCREENSHOTS) {
            fs.mkdirSync(SCREENSHOTS, { recursive: true });
            const name = `${who ? who.split('@')[0] + '-' : ''}${url.replace(/\W+/g, '_').replace(/^_|_$/g, '') || 'home'}-${width}`;
            await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
            // Phone widths also in screen-sized parts, to be read at their real size.
            const height = await page.evaluate(() => document.documentElement.scrollHeight);
            for (let y = 0; width < 1280 && y < Math.min(height, 6000); y += 900) {
              await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-part${y / 900}.png`), fullPage: true, clip: { x: 0, y, width, height: Math.min(900, height - y) } });
            }
          }
          expect(await horizontalOverflow(page), `${url} at ${width} px`).toBeLessThanOrEqual(0);
          if (width === 1280) expect(await axeViolations(page), url).toEqual([]);
        }
      }
      await context.close();
    }
  });

  test('one set of design tokens, and a print stylesheet for modules', async () => {
    const context = await newContext(ctx.browser, ctx.server.url);
    const page = await context.newPage();
    await signIn(page, 'kwame.mensah@oakfield.example');
    await page.goto('/courses/sample-course/first-steps');
    const tokens = await page.evaluate(() => {
      const style = getComputedStyle(document.documentElement);
      return ['--step-0', '--space-4', '--brand', '--radius'].map((name) => style.getPropertyValue(name).trim());
    });
    for (const token of tokens) expect(token).not.toBe('');
    if (SCREENSHOTS) await page.pdf({ path: path.join(SCREENSHOTS, 'module-print.pdf'), format: 'A4' });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible()).toBe(false);
    expect(await page.getByRole('navigation', { name: 'Modules in this course' }).isVisible()).toBe(false);
    expect(await page.getByRole('heading', { level: 1, name: 'First steps' }).isVisible()).toBe(true);
    expect(await page.locator('#item-first-thoughts').isVisible()).toBe(true);
    // The whole reflection is printed as text, not a text box that shows its first lines.
    expect(await page.getByLabel('What do you think so far?').isVisible()).toBe(false);
    expect(await page.locator('#item-first-thoughts .print-only').textContent()).toBe('Talk before writing.');
    await page.emulateMedia({ media: 'screen' });
    expect(await page.locator('#item-first-thoughts .print-only').isVisible()).toBe(false);
    await context.close();
  });

  test('the progress on My learning: one segment per module and the time left', async () => {
    const context = await newContext(ctx.browser, ctx.server.url);
    const page = await context.newPage();
    await signIn(page, 'priya.patel@oakfield.example');
    await expectHeading(page, 'My learning');
    const segments = page.getByRole('list', { name: 'Modules of Sample course' }).first();
    expect(await segments.getByRole('listitem').count()).toBe(2);
    expect(await segments.getByRole('listitem').first().textContent()).toBe('First steps: done');
    expect(await page.getByText('1 of 2 modules done · about 15 minutes left').count()).toBeGreaterThan(0);
    await context.close();
  });
});
