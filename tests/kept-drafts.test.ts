import { describe, expect, test } from 'vitest';
import { continueModuleSlug } from '#app/models/progress.server.ts';
import { action as moduleAction, loader as moduleLoader } from '#app/routes/courses.$course.$module.tsx';
import { getDb } from '#app/utils/db.server.ts';
import { cookieFor, getRequest, jsonOf, postRequest, run, userIdByEmail } from './utils.ts';

const PARAMS = { course: 'sample-course', module: 'first-steps' };
const MODULE_URL = '/courses/sample-course/first-steps';

async function postAfterSessionEnded(email: string, body: string) {
  const cookie = await cookieFor(email);
  await getDb().updateTable('sessions').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('user_id', '=', await userIdByEmail(email)).execute();
  const response = await run(moduleAction, postRequest(MODULE_URL, { intent: 'reflection', itemId: 'first-thoughts', body }, cookie), PARAMS);
  const draftCookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { response, draftCookie };
}

async function keptOnPage(email: string, draftCookie: string) {
  const data = await jsonOf<{ page: { kept: { itemId: string; body: string | null } | null } }>(
    await run(moduleLoader, getRequest(MODULE_URL, `${await cookieFor(email)}; ${draftCookie}`), PARAMS),
  );
  return data.page.kept;
}

describe('work posted after the session ended', () => {
  test('goes to sign-in with the reason, and comes back once, unsaved, to its author', async () => {
    const email = 'tom.brennan@oakfield.example';
    const { response, draftCookie } = await postAfterSessionEnded(email, 'Kept “as typed” — 😀');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/sign-in?redirectTo=${encodeURIComponent(`${MODULE_URL}#item-first-thoughts`)}&session=ended&kept=reflection`);
    expect(draftCookie).toMatch(/^kindred_draft=[A-Za-z0-9_-]{22}$/);
    expect(response.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax; Max-Age=3600/);
    // Not saved for them.
    expect(await getDb().selectFrom('reflection_responses').select('id').where('user_id', '=', await userIdByEmail(email)).execute()).toEqual([]);
    expect(await keptOnPage(email, draftCookie)).toEqual({ itemId: 'first-thoughts', body: 'Kept “as typed” — 😀', answers: null });
    expect(await keptOnPage(email, draftCookie)).toBeNull();
  });

  test('is not handed to someone else who signs in on the same browser', async () => {
    const { draftCookie } = await postAfterSessionEnded('grace.okafor@oakfield.example', 'Private thoughts');
    expect(await keptOnPage('daniel.hughes@oakfield.example', draftCookie)).toBeNull();
    expect((await keptOnPage('grace.okafor@oakfield.example', draftCookie))?.body).toBe('Private thoughts');
  });

  test('a body too large to have been typed here is not kept, but sign-in still says why', async () => {
    const { response, draftCookie } = await postAfterSessionEnded('hannah.lewis@oakfield.example', '😀'.repeat(20_000));
    expect(response.headers.get('location')).toMatch(/session=ended$/);
    expect(draftCookie).toBe('');
  });
});

test('Continue: the last module if unfinished, else the next unfinished, else the first unfinished', () => {
  const modules = ['a', 'b', 'c', 'd'];
  expect(continueModuleSlug(modules, [], 'b')).toBe('b');
  expect(continueModuleSlug(modules, ['b'], 'b')).toBe('c');
  expect(continueModuleSlug(modules, ['b', 'c', 'd'], 'd')).toBe('a');
  expect(continueModuleSlug(modules, ['a'], null)).toBe('b');
  expect(continueModuleSlug(modules, [], 'gone')).toBe('a');
});
