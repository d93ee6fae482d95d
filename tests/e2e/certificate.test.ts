import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, test } from 'vitest';
import { expectAccessible, expectHeading, newContext, signIn, watchForErrors, withServerAndBrowser } from './browser.ts';

const ctx = withServerAndBrowser();

async function finishSampleCourse(page: Page) {
  await page.goto('/courses/sample-course');
  await page.getByRole('button', { name: 'Start the course' }).click();
  await expectHeading(page, 'First steps');
  await page.getByLabel('What do you think so far?').fill('Worth doing.');
  await page.locator('#item-first-thoughts').getByRole('button', { name: 'Save reflection' }).click();
  await page.locator('#item-first-thoughts').getByRole('status').filter({ hasText: /saved on/i }).waitFor();
  await page.getByRole('group', { name: /Which colour is the sky/ }).getByLabel('Blue', { exact: true }).check();
  const even = page.getByRole('group', { name: /even numbers/ });
  await even.getByLabel('Two', { exact: true }).check();
  await even.getByLabel('Four', { exact: true }).check();
  await page.getByRole('button', { name: 'Check my answers' }).click();
  await page.getByText('You answered all 2 questions correctly').waitFor();
  await page.getByRole('button', { name: 'Mark module complete' }).click();
  await page.getByText(/You completed this module on/).waitFor();
  await page.getByRole('link', { name: /Next: Second steps/ }).click();
  await expectHeading(page, 'Second steps');
  await page.getByLabel('What will you do next?').fill('Share it with my team.');
  await page.getByRole('button', { name: 'Save reflection' }).click();
  await page.getByRole('status').filter({ hasText: /saved on/i }).waitFor();
  await page.getByRole('button', { name: 'Mark module complete' }).click();
  await page.getByText(/You completed this module on/).waitFor();
}

for (const javaScript of [true, false]) {
  describe(`from a whole course to a checked certificate, JavaScript ${javaScript ? 'on' : 'off'}`, () => {
    test('the certificate is on /learn at once; its page verifies it; its PDF has the facts as text', async () => {
      const email = javaScript ? 'sophie.walsh@oakfield.example' : 'sean.doyle@brookside.example';
      const learner = javaScript ? 'Sophie Walsh' : 'Sean Doyle';
      const context = await newContext(ctx.browser, ctx.server.url, { javaScript });
      const page = await context.newPage();
      const errors = watchForErrors(page);
      await signIn(page, email);
      await finishSampleCourse(page);

      await page.goto('/learn');
      await expectHeading(page, 'My learning');
      if (javaScript) await expectAccessible(page);
      const certificates = page.getByRole('region', { name: 'My certificates' });
      const verifyLink = certificates.getByRole('link', { name: /verification page/ });
      const code = /\(([A-Z0-9-]+)\)/.exec((await verifyLink.textContent()) ?? '')![1]!;
      expect(code).toMatch(/^[A-Z0-9]{6}-[A-Z0-9]{6}-[A-Z0-9]{6}$/);
      expect(await page.getByRole('region', { name: 'My CPD log' }).getByText('Sample course').count()).toBeGreaterThan(0);

      await verifyLink.click();
      await expectHeading(page, 'This certificate is valid');
      if (javaScript) await expectAccessible(page);
      expect(await page.locator('.facts').textContent()).toContain(learner);
      expect(await page.content()).not.toContain(email);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the PDF' }).click()]);
      const bytes = new Uint8Array(fs.readFileSync((await download.path())!));
      const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
      const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
      for (const fact of [learner, 'Sample course', 'CPD hours: 0.5', `Completed on: ${today}`, code]) expect(text).toContain(fact);
      // A tagged PDF with a title, so screen readers read it in order (poppler's pdfinfo).
      const info = execFileSync('pdfinfo', [(await download.path())!], { encoding: 'utf8' });
      expect(info).toMatch(/^Tagged:\s+yes$/m);
      expect(info).toMatch(/^Title:\s+Certificate: Sample course$/m);
      expect(errors).toEqual([]);
      await context.close();
    });
  });
}

test('the public page needs no sign-in, and an unknown code gets a clear 404', async () => {
  const context = await newContext(ctx.browser, ctx.server.url);
  const page = await context.newPage();
  const response = await page.goto('/certificates/ABC234-DEF567-GHJ789');
  expect(response?.status()).toBe(404);
  await expectHeading(page, 'No certificate has that code');
  await expectAccessible(page);
  await context.close();
});
