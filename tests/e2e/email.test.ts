import { describe, expect, test } from 'vitest';
import { expectAccessible, expectHeading, newContext, signIn, watchForErrors, withServerAndBrowser } from './browser.ts';

// The password reset a newcomer tries on `npm start`: no SMTP server, so the email is read in the
// local outbox; then the same request with JavaScript off, because every form must work without it.

const ctx = withServerAndBrowser({ COURSES_PATH: 'tests/fixtures/courses', MAIL_POLL_MS: '100' });

describe('password reset through the local outbox', () => {
  test('forgot password → outbox → new password → sign in → email choices; every page accessible', async () => {
    const context = await newContext(ctx.browser, ctx.server.url);
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Forgotten your password?' }).click();
    await expectHeading(page, 'Forgotten your password?');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Send me a reset link' }).click();
    await page.getByText('Enter an email address').first().waitFor();
    await page.getByLabel('Email address').fill('coach@brookside.example');
    await page.getByRole('button', { name: 'Send me a reset link' }).click();
    await expectHeading(page, 'Check your email');
    await expectAccessible(page);

    let found = false;
    for (let i = 0; i < 50 && !found; i += 1) {
      await page.goto('/dev/outbox');
      found = (await page.getByRole('link', { name: 'Reset your Kindred password' }).count()) > 0;
      if (!found) await page.waitForTimeout(200);
    }
    expect(found).toBe(true);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Reset your Kindred password' }).first().click();
    await expectHeading(page, 'Reset your Kindred password');
    await expectAccessible(page);
    await page.getByRole('link', { name: /\/reset-password\// }).click();
    await expectHeading(page, 'Choose a new password');
    await expectAccessible(page);
    await page.getByLabel('New password', { exact: true }).fill('a new and rather long passphrase');
    await page.getByLabel('New password again').fill('a new and rather long passphrase');
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.getByText('Your password is changed').waitFor();
    await signIn(page, 'coach@brookside.example', 'a new and rather long passphrase');
    await page.goto('/account');
    await expectHeading(page, 'Your account');
    await page.getByRole('checkbox', { name: /^Due dates: a week before/ }).uncheck();
    await page.getByRole('button', { name: 'Save email choices' }).click();
    await page.getByText('Your email choices are saved.').waitFor();
    expect(await page.getByRole('checkbox', { name: /^Due dates: a week before/ }).isChecked()).toBe(false);
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('asking for a reset link works with JavaScript off', async () => {
    const context = await newContext(ctx.browser, ctx.server.url, { javaScript: false });
    const page = await context.newPage();
    await page.goto('/forgot-password');
    await page.getByLabel('Email address').fill('not an address');
    await page.getByRole('button', { name: 'Send me a reset link' }).click();
    await page.getByText('Enter an email address like name@school.org.uk').waitFor();
    await page.getByLabel('Email address').fill('nobody@brookside.example');
    await page.getByRole('button', { name: 'Send me a reset link' }).click();
    await expectHeading(page, 'Check your email');
    await context.close();
  });
});
