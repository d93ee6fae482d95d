import { describe, expect, test } from 'vitest';
import { expectAccessible, expectHeading, newContext, signIn, watchForErrors, withServerAndBrowser } from './browser.ts';

const ctx = withServerAndBrowser();

const ROLES = [
  { role: 'teacher', email: 'teacher@oakfield.example', nav: ['Learn', 'Courses', 'Account'], notNav: ['Coach', 'Lead', 'Admin'] },
  { role: 'coach', email: 'coach@oakfield.example', nav: ['Learn', 'Courses', 'Coach', 'Account'], notNav: ['Lead', 'Admin'] },
  { role: 'leader', email: 'leader@oakfield.example', nav: ['Learn', 'Courses', 'Lead', 'Account'], notNav: ['Coach', 'Admin'] },
  { role: 'trust leader', email: 'trust.leader@northfield.example', nav: ['Learn', 'Lead'], notNav: ['Coach', 'Admin'] },
  { role: 'platform admin', email: 'admin@kindred.example', nav: ['Learn', 'Admin'], notNav: ['Coach', 'Lead'] },
];

describe('the shell, for each demo role', () => {
  test('the sign-in page has no serious accessibility problems', async () => {
    const context = await newContext(ctx.browser, ctx.server.url);
    const page = await context.newPage();
    await page.goto('/sign-in');
    await expectAccessible(page);
    await context.close();
  });

  for (const { role, email, nav, notNav } of ROLES) {
    test(`a ${role} signs in, lands on their home page and sees their navigation`, async () => {
      const context = await newContext(ctx.browser, ctx.server.url);
      const page = await context.newPage();
      const errors = watchForErrors(page);
      await signIn(page, email);
      // Coaches start where their teachers are; everyone else on their own learning.
      expect(new URL(page.url()).pathname).toBe(role === 'coach' ? '/coach' : '/learn');
      await expectHeading(page, role === 'coach' ? 'My coaching' : 'My learning');
      const navigation = page.getByRole('navigation', { name: 'Main' });
      for (const name of nav) expect(await navigation.getByRole('link', { name, exact: true }).count(), name).toBe(1);
      for (const name of notNav) expect(await navigation.getByRole('link', { name, exact: true }).count(), name).toBe(0);
      await expectAccessible(page);
      // The home page of each role's own area is accessible too.
      const area = nav.find((n) => ['Coach', 'Lead', 'Admin'].includes(n));
      if (area) {
        await navigation.getByRole('link', { name: area, exact: true }).click();
        await page.waitForURL(`**/${area.toLowerCase()}`);
        await expectAccessible(page);
      }
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  test('sign-in works with JavaScript disabled, and a wrong password says so', async () => {
    const context = await newContext(ctx.browser, ctx.server.url, { javaScript: false });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill('teacher@oakfield.example');
    await page.getByLabel('Password').fill('not the right password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('do not match an account');
    // The email address stays in its field: only the password is typed again.
    expect(await page.getByLabel('Email address').inputValue()).toBe('teacher@oakfield.example');
    await signIn(page, 'teacher@oakfield.example');
    expect(new URL(page.url()).pathname).toBe('/learn');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(ctx.server.url + '/?signedOut=1');
    expect(await page.getByRole('status').textContent()).toContain('You have signed out');
    await context.close();
  });

  test('the skip link moves focus to the main content', async () => {
    const context = await newContext(ctx.browser, ctx.server.url);
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await context.close();
  });
});
