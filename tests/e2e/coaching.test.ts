import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { parseCsv } from '#app/utils/csv.ts';
import { startBuiltServer } from '#tests/support/server.ts';
import { expectAccessible, expectHeading, newContext, signIn, watchForErrors, withServerAndBrowser } from './browser.ts';

const ctx = withServerAndBrowser();

async function asPerson(email: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await newContext(ctx.browser, ctx.server.url);
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signIn(page, email);
  return { context, page, errors };
}

const inThreeDays = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);

describe('a school year in miniature', () => {
  test('import → group → assignment → share → reply → dashboard → overdue → CSV', async () => {
    // The leader imports a staff list with one new teacher.
    const leader = await asPerson('leader@oakfield.example');
    await leader.page.goto('/lead/import');
    await expectAccessible(leader.page);
    const csvPath = `${ctx.databasePath}.staff.csv`;
    fs.writeFileSync(csvPath, 'name,email,roles,group\nNia Roberts,nia.roberts@oakfield.example,teacher,\n');
    await leader.page.getByLabel('CSV file').setInputFiles(csvPath);
    await leader.page.getByRole('button', { name: 'Preview' }).click();
    await leader.page.getByRole('heading', { name: 'Check before importing' }).waitFor();
    await expectAccessible(leader.page);
    expect(await leader.page.getByRole('rowheader', { name: 'New' }).count()).toBe(1);
    await leader.page.getByRole('button', { name: 'Import 1 row' }).click();
    const link = (await leader.page.locator('td.token-box').first().textContent())!;
    expect(link).toContain('/invitations/');

    // A coaching group with a coach, and the new teacher in it.
    await leader.page.goto('/lead/groups');
    await leader.page.getByLabel('Name', { exact: true }).fill('New staff');
    await leader.page.getByLabel('Coach', { exact: true }).selectOption({ label: 'Oakfield Coach 1 (Oakfield Primary School)' });
    await leader.page.getByRole('button', { name: 'Create group' }).click();
    await expectHeading(leader.page, 'New staff');
    await leader.page.getByLabel('Person', { exact: true }).selectOption({ label: 'Nia Roberts' });
    await leader.page.getByRole('button', { name: 'Add to group' }).click();
    await leader.page.getByRole('listitem').filter({ hasText: 'Nia Roberts' }).waitFor();

    // The course, assigned to the group with a due date.
    await leader.page.goto('/lead/assignments');
    await leader.page.getByLabel('Course', { exact: true }).selectOption({ label: 'Sample course' });
    await leader.page.getByLabel('Assign to', { exact: true }).selectOption({ label: 'Group: New staff (Oakfield Primary School)' });
    await leader.page.getByLabel('Due date (optional)').fill(inThreeDays);
    await leader.page.getByRole('button', { name: 'Assign', exact: true }).click();
    await leader.page.getByRole('status').filter({ hasText: /Sample course assigned to the group “New staff”, due \d+ \w+ \d{4}\./ }).waitFor();
    // Post/Redirect/Get: the form comes back empty, so a refresh or a second click assigns nothing twice.
    expect(await leader.page.getByLabel('Assign to', { exact: true }).inputValue()).toBe('');

    // The teacher accepts the invitation, sees the assignment, writes and shares a reflection.
    const teacherContext = await newContext(ctx.browser, ctx.server.url);
    const teacher = await teacherContext.newPage();
    const teacherErrors = watchForErrors(teacher);
    await teacher.goto(link);
    await teacher.getByLabel('Choose a password').fill('a good long passphrase');
    await teacher.getByLabel('The password again').fill('a good long passphrase');
    await teacher.getByRole('button', { name: 'Set password and continue' }).click();
    await expectHeading(teacher, 'My learning');
    const assigned = teacher.getByRole('region', { name: 'Assigned to you' });
    expect(await assigned.textContent()).toContain('Sample course');
    expect(await assigned.textContent()).toContain('Assigned by Oakfield Head');
    await assigned.getByRole('link', { name: 'Start Sample course' }).click();
    await teacher.getByRole('button', { name: 'Start the course' }).click();
    await expectHeading(teacher, 'First steps');
    await teacher.getByLabel('What do you think so far?').fill('I want to try more paired talk <script>alert(1)</script>.');
    await teacher.locator('#item-first-thoughts').getByRole('button', { name: 'Save reflection' }).click();
    await teacher.locator('#item-first-thoughts').getByRole('status').filter({ hasText: /saved on/i }).waitFor();
    await teacher.reload();
    await teacher.locator('#item-first-thoughts').getByRole('button', { name: 'Share with my coach' }).click();
    await teacher.locator('#item-first-thoughts').getByRole('button', { name: 'Stop sharing' }).waitFor();

    // The coach sees the teacher and the shared reflection, and replies.
    const coach = await asPerson('coach@oakfield.example');
    await coach.page.goto('/coach');
    await expectAccessible(coach.page);
    // The shared reflection waits for the coach's answer at the top of /coach.
    await coach.page.getByRole('link', { name: 'Nia Roberts shared a reflection' }).waitFor();
    await coach.page.getByRole('link', { name: 'Nia Roberts', exact: true }).click();
    await expectHeading(coach.page, 'Nia Roberts');
    await expectAccessible(coach.page);
    expect(await coach.page.locator('blockquote').textContent()).toBe('I want to try more paired talk <script>alert(1)</script>.');
    await coach.page.getByLabel('Reply to Nia Roberts').fill('Try it with Year 4 tomorrow and tell me how it goes.');
    await coach.page.getByRole('button', { name: 'Send reply' }).click();
    await coach.page.locator('.comment-body').filter({ hasText: 'Try it with Year 4 tomorrow' }).waitFor();

    // The teacher sees the reply, marked new, on /learn and on the module page.
    await teacher.goto('/learn');
    const replies = teacher.getByRole('region', { name: /Replies from your coach/ });
    expect(await replies.textContent()).toContain('1 new');
    expect(await replies.textContent()).toContain('Try it with Year 4 tomorrow');
    await teacher.goto('/courses/sample-course/first-steps');
    expect(await teacher.locator('#item-first-thoughts').textContent()).toContain('Try it with Year 4 tomorrow');

    // The leader's dashboard: in progress now.
    await leader.page.goto('/lead?q=Nia');
    await expectAccessible(leader.page);
    const niaRow = leader.page.getByRole('row', { name: /Nia Roberts/ });
    expect(await niaRow.textContent()).toContain('In progress');
    expect(await niaRow.textContent()).not.toContain('Overdue');

    for (const ctx of [leader.context, coach.context, teacherContext]) await ctx.close();
    expect([...leader.errors, ...coach.errors, ...teacherErrors]).toEqual([]);

    // Five days later the due date has passed: overdue.
    await ctx.server.stop();
    ctx.server = await startBuiltServer({ databasePath: ctx.databasePath, env: { ...ctx.env, KINDRED_CLOCK_OFFSET_MS: String(5 * 86_400_000) } });
    const later = await asPerson('leader@oakfield.example');
    await later.page.goto('/lead?q=Nia');
    expect(await later.page.getByRole('row', { name: /Nia Roberts/ }).textContent()).toMatch(/Overdue \(due .*\): In progress/);

    // The CSV export matches the table.
    const [download] = await Promise.all([later.page.waitForEvent('download'), later.page.getByRole('link', { name: 'Download these rows as CSV' }).click()]);
    const csv = parseCsv(fs.readFileSync((await download.path())!, 'utf8'));
    const headers = await later.page.getByRole('columnheader').allTextContents();
    const cells = await later.page.getByRole('row', { name: /Nia Roberts/ }).getByRole('cell').allTextContents();
    expect(csv).toHaveLength(2);
    expect(csv[1]![0]).toBe('Nia Roberts');
    const courseColumn = headers.findIndex((h) => h.startsWith('Sample course')); // the heading also says how it sorts, to screen readers
    expect(csv[0]).toContain('Sample course');
    expect(csv[1]![csv[0]!.indexOf('Sample course')]).toBe(cells[courseColumn - 1]);
    await later.context.close();
  });
});
