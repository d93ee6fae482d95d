import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { expectAccessible, expectHeading, newContext, signIn, watchForErrors, withServerAndBrowser } from './browser.ts';

const ctx = withServerAndBrowser();

async function answer(page: Page, question: string, options: string[]) {
  const group = page.getByRole('group', { name: new RegExp(question) });
  for (const option of options) await group.getByLabel(option, { exact: true }).check();
}

for (const javaScript of [true, false]) {
  describe(`taking a module with JavaScript ${javaScript ? 'on' : 'off'}`, () => {
    test('catalogue → start → reflection → fail then pass the check → complete → next module', async () => {
      const context = await newContext(ctx.browser, ctx.server.url, { javaScript });
      const page = await context.newPage();
      const errors = watchForErrors(page);
      await signIn(page, javaScript ? 'teacher@oakfield.example' : 'teacher@brookside.example');

      await page.goto('/courses');
      if (javaScript) await expectAccessible(page);
      await page.getByRole('link', { name: 'Sample course' }).click();
      await page.waitForURL('**/courses/sample-course');
      if (javaScript) await expectAccessible(page);
      await page.getByRole('button', { name: 'Start the course' }).click();
      await page.waitForURL('**/courses/sample-course/first-steps');
      await expectHeading(page, 'First steps');
      if (javaScript) await expectAccessible(page);

      // The checklist lists both outstanding items; completing now is refused with reasons.
      const completion = page.locator('#completion');
      expect(await completion.getByRole('listitem').count()).toBe(2);
      await page.getByRole('button', { name: 'Mark module complete' }).click();
      await page.getByRole('alert').filter({ hasText: 'This module is not finished yet' }).waitFor();

      // Reflection: saved and shown with its time.
      await page.getByLabel('What do you think so far?').fill('Pupils need to talk more before they write.');
      await page.locator('#item-first-thoughts').getByRole('button', { name: 'Save reflection' }).click();
      await page.locator('#item-first-thoughts').getByRole('status').filter({ hasText: /Saved on|Last saved on/ }).waitFor();

      // A wrong attempt: graded by the server, with explanations.
      await answer(page, 'Which colour is the sky', ['Green']);
      await answer(page, 'Which of these are even numbers', ['Two']);
      await page.getByRole('button', { name: 'Check my answers' }).click();
      await page.getByText('You got 0 of 2 right').waitFor();
      expect(await page.getByText('SKY-EXPLANATION', { exact: false }).count()).toBe(1);

      // The right answers pass.
      await answer(page, 'Which colour is the sky', ['Blue']);
      await answer(page, 'Which of these are even numbers', ['Four']);
      await page.getByRole('button', { name: 'Check my answers again' }).click();
      await page.getByText('You answered all 2 questions correctly').waitFor();

      await page.getByText('Everything is done: you can mark this module complete.').waitFor();
      await page.getByRole('button', { name: 'Mark module complete' }).click();
      await page.getByText(/You completed this module on/).waitFor();
      if (javaScript) await expectAccessible(page);

      await page.getByRole('link', { name: /Next: Second steps/ }).click();
      await page.waitForURL('**/courses/sample-course/second-steps');
      const moduleNav = page.getByRole('navigation', { name: 'Modules in this course' });
      expect(await moduleNav.getByRole('listitem').first().textContent()).toContain('Completed');
      expect(errors).toEqual([]);
      await context.close();
    });
  });
}

test('a broken module shows its error page and the rest of the site works', async () => {
  const context = await newContext(ctx.browser, ctx.server.url);
  const page = await context.newPage();
  await signIn(page, 'grace.okafor@oakfield.example');
  const response = await page.goto('/courses/flawed-course/bad-syntax');
  expect(response?.status()).toBe(500);
  expect(await page.getByRole('alert').textContent()).toContain('This module cannot be shown right now');
  await page.getByRole('link', { name: 'A fine module' }).click();
  await page.waitForURL('**/flawed-course/fine');
  await expectHeading(page, 'A fine module');
  await context.close();
});
