import SQLite from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { expectAccessible, expectHeading, newContext, signIn, watchForErrors, withServerAndBrowser } from './browser.ts';

let stepUrl = '';

// A practice cycle with JavaScript off, as on a locked-down school laptop: the teacher plans an
// action step from the module, gets a refusal right, shares it; the coach sees it due and agrees a
// next step; the teacher says how it went and carries it on. Then axe (which needs JavaScript)
// on the same pages, and the refusal, with JavaScript on.

const ctx = withServerAndBrowser();
const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

beforeAll(() => {
  const db = new SQLite(ctx.databasePath);
  const id = (email: string) => (db.prepare('select id from users where email = ?').get(email) as { id: number }).id;
  const oakfield = (db.prepare("select id from organisations where name = 'Oakfield Primary School'").get() as { id: number }).id;
  const now = new Date().toISOString();
  const group = Number(db.prepare('insert into groups (organisation_id, name, coach_user_id, created_at) values (?, ?, ?, ?)').run(oakfield, 'Practice', id('coach@oakfield.example'), now).lastInsertRowid);
  db.prepare('insert into group_members (group_id, user_id, added_at) values (?, ?, ?)').run(group, id('teacher@oakfield.example'), now);
  db.close();
});

async function as(email: string, javaScript: boolean): Promise<{ page: Page; errors: string[] }> {
  const context = await newContext(ctx.browser, ctx.server.url, { javaScript });
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signIn(page, email);
  return { page, errors };
}

describe('a practice cycle without JavaScript', () => {
  test('plan → refusal → share → coach’s agreed next step → follow-up → next step', async () => {
    const { page: teacher, errors } = await as('teacher@oakfield.example', false);
    await teacher.goto('/courses/sample-course/first-steps');
    const panel = teacher.getByRole('region', { name: 'Try it in class: an action step' });
    await panel.waitFor();

    // A plan with nothing in it comes back with every problem by its field, on the list page.
    await panel.getByRole('button', { name: 'Save my action step' }).click();
    await expectHeading(teacher, 'My action steps');
    await teacher.getByRole('alert').first().waitFor();
    expect(await teacher.getByText('Write what you will try').count()).toBeGreaterThan(0);
    await teacher.getByLabel('What will you try?').fill('Think-pair-share before every cold call');
    await teacher.getByLabel('With which class?').fill('8R2, period 3');
    await teacher.getByLabel(/By when\?/).fill(inAWeek);
    await teacher.getByLabel('How will you know it worked?').fill('Quieter pupils answer without being chased');
    await teacher.getByRole('button', { name: 'Save my action step' }).click();

    // Back on the module, told once, and the step listed where the form was.
    await expectHeading(teacher, 'First steps');
    await teacher.getByRole('status').filter({ hasText: /Kindred will ask how it went on/ }).waitFor();
    await panel.getByRole('link', { name: 'Think-pair-share before every cold call' }).click();
    await expectHeading(teacher, 'Your action step');
    await teacher.getByRole('button', { name: /Share with my coach/ }).click();
    await teacher.getByRole('status').filter({ hasText: /Shared with Oakfield Coach 1/ }).waitFor();
    stepUrl = teacher.url();

    // The coach sees it among the open steps shared with them, and agrees the next step.
    const { page: coach, errors: coachErrors } = await as('coach@oakfield.example', false);
    await coach.goto('/coach');
    const practice = coach.getByRole('region', { name: 'Classroom practice' });
    await practice.getByRole('link', { name: 'Think-pair-share before every cold call' }).click();
    await expectHeading(coach, 'Amina Khan’s action step');
    await coach.getByLabel('What kind of note?').selectOption('agreed-next');
    await coach.getByLabel('Your note').fill('Keep it, and add mini-whiteboards for the whole class');
    await coach.getByRole('button', { name: 'Add the note' }).click();
    await coach.getByRole('status').filter({ hasText: 'Agreed next step added to the thread.' }).waitFor();
    expect(await coach.getByLabel('Your note').inputValue()).toBe('');

    // The teacher says how it went; then the next step starts from what was agreed.
    await teacher.goto(stepUrl);
    expect(await teacher.getByRole('region', { name: 'The thread' }).textContent()).toContain('Keep it, and add mini-whiteboards');
    await teacher.getByRole('button', { name: 'Save how it went' }).click();
    await teacher.getByRole('alert').first().waitFor();
    await teacher.getByLabel('Yes, but I adapted it').check();
    await teacher.getByLabel('What happened? What did pupils do or say?').fill('More hands went up; two pupils still waited it out.');
    await teacher.getByLabel('Time you gave to it, in minutes (optional)').fill('40');
    await teacher.getByRole('button', { name: 'Save how it went' }).click();
    await teacher.getByRole('status').filter({ hasText: /how it went is in the thread/ }).waitFor();
    await teacher.locator('summary', { hasText: 'Plan the next step' }).click();
    expect(await teacher.locator('#next-what').inputValue()).toBe('Keep it, and add mini-whiteboards for the whole class');
    await teacher.locator('#next-date').fill(inAWeek);
    await teacher.locator('#next-success').fill('Every board shows an answer');
    await teacher.getByRole('button', { name: 'Plan the next step' }).click();
    await expectHeading(teacher, 'Your action step');
    expect(await teacher.getByRole('navigation', { name: 'Other steps in this cycle' }).textContent()).toContain('Think-pair-share before every cold call');

    // My learning and the CPD log carry it.
    await teacher.goto('/learn');
    expect(await teacher.getByRole('region', { name: 'My CPD log' }).textContent()).toContain('Classroom action step: Think-pair-share before every cold call');
    await teacher.goto('/learn/practice');
    expect(errors).toEqual([]);
    expect(coachErrors).toEqual([]);
  }, 240_000);

  test('every page of the cycle passes axe, and a refused plan says what to fix (JavaScript on)', async () => {
    const { page: teacher, errors } = await as('teacher@oakfield.example', true);
    for (const url of ['/courses/sample-course/first-steps', '/learn/practice', '/learn', stepUrl]) {
      await teacher.goto(url);
      await expectAccessible(teacher);
    }
    // Refusals, as a browser with JavaScript shows them: the follow-up on the step's page…
    await teacher.goto(stepUrl);
    await teacher.getByRole('navigation', { name: 'Other steps in this cycle' }).getByRole('link', { name: 'The step after this one' }).click();
    await teacher.getByRole('button', { name: 'Save how it went' }).click();
    await teacher.getByRole('link', { name: 'Choose how it went' }).waitFor();
    await expectAccessible(teacher);
    // …and a plan with nothing in it, from the module page.
    const { page: other, errors: otherErrors } = await as('grace.okafor@oakfield.example', true);
    await other.goto('/courses/sample-course/first-steps');
    await other.getByRole('region', { name: 'Try it in class: an action step' }).getByRole('button', { name: 'Save my action step' }).click();
    await expectHeading(other, 'My action steps');
    await other.getByRole('link', { name: 'Write what you will try' }).waitFor();
    await expectAccessible(other);
    expect(otherErrors).toEqual([]);
    const { page: coach, errors: coachErrors } = await as('coach@oakfield.example', true);
    for (const url of ['/coach', stepUrl]) {
      await coach.goto(url);
      await expectAccessible(coach);
    }
    expect(errors).toEqual([]);
    expect(coachErrors).toEqual([]);
  }, 240_000);
});
