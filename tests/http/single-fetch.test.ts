import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { TEMPLATE_DB } from '#tests/setup/paths.ts';
import { signInOverHttp, startBuiltServer, tempDatabasePath, type RunningServer } from '#tests/support/server.ts';
import { actionData, fetcherPath } from '../../scripts/bench-load.ts';

// Single fetch (remix.config.js, docs/decisions/020-single-fetch-and-learner-cache.md) against
// the built server: pages carry their course HTML once, and fetchers post to `<path>.data`.

const MODULE = '/courses/closing-the-gap/who-counts';
let server: RunningServer;
let cookie: string;

beforeAll(async () => {
  server = await startBuiltServer({ databasePath: tempDatabasePath(TEMPLATE_DB) });
  cookie = await signInOverHttp(server.url, 'teacher@oakfield.example', DEMO_PASSWORD);
});

afterAll(async () => {
  await server?.stop();
});

const occurrences = (text: string, piece: string) => text.split(piece).length - 1;

describe('single fetch over HTTP', () => {
  test('a module page carries each piece of course HTML once; a data request carries it in its data', async () => {
    const page = await (await fetch(`${server.url}${MODULE}`, { headers: { cookie } })).text();
    const pieces = [...page.matchAll(/<div class="prose" data-course-html="([^"]+)">([\s\S]*?)<\/div>/g)];
    expect(pieces.length).toBeGreaterThan(1);
    // A sentence of the module's own text, long enough to be unique.
    const sentence = /<p>([^<]{60,})<\/p>/.exec(pieces[0]![2]!)?.[1];
    expect(sentence).toBeTruthy();
    expect(occurrences(page, sentence!)).toBe(1);
    // The hydration data names the piece by its key, without its HTML.
    expect(occurrences(page, pieces[0]![1]!)).toBe(2);

    const data = await fetch(`${server.url}${fetcherPath(MODULE)}`, { headers: { cookie } });
    expect(data.status).toBe(200);
    expect(await data.text()).toContain(sentence!);
  });

  test('a fetcher save answers with the action data; a plain form post still redirects back to the item', async () => {
    const page = await (await fetch(`${server.url}${MODULE}`, { headers: { cookie } })).text();
    const itemId = /<section class="reflection" id="item-([^"]+)"/.exec(page)?.[1];
    expect(itemId).toBeTruthy();
    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });

    const enhanced = await post(fetcherPath(MODULE), { intent: 'reflection', itemId: itemId!, body: 'Saved with JavaScript on.', enhanced: '1' });
    expect(enhanced.status).toBe(200);
    expect(await actionData(await enhanced.text())).toMatchObject({ intent: 'reflection', itemId, ok: true });

    const plain = await post(MODULE, { intent: 'reflection', itemId: itemId!, body: 'Saved with JavaScript off.' });
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toBe(`${MODULE}#item-${itemId}`);
    const after = await (await fetch(`${server.url}${MODULE}`, { headers: { cookie } })).text();
    expect(after).toContain('Saved with JavaScript off.');

    const invalid = await post(fetcherPath(MODULE), { intent: 'reflection', itemId: itemId!, body: '', enhanced: '1' });
    expect(invalid.status).toBe(400);
    expect(await actionData(await invalid.text())).toMatchObject({ ok: false, error: expect.any(String) });
  });
});
