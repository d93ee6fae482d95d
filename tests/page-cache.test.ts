import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequestHandler, type ServerBuild } from '@remix-run/node';
import { beforeAll, describe, expect, test } from 'vitest';
import { pageCacheStats, pageKey } from '#app/utils/page-cache.server.ts';
import { runInRequestScope } from '#app/utils/request-scope.server.ts';
import { cookieFor, getRequest, postRequest } from './utils.ts';

// Rendered pages are kept by their URL and loader data (docs/decisions/023-rendered-pages-kept.md).
// These run the built app in this process, as the server does, one request scope per request.

const MODULE_URL = '/courses/sample-course/first-steps';
let handle: (request: Request, nonce: string) => Promise<{ status: number; html: string }>;

beforeAll(async () => {
  const build = (await import(pathToFileURL(path.resolve('build/server/index.js')).href)) as ServerBuild;
  const handler = createRequestHandler(build, 'production');
  handle = (request, nonce) =>
    runInRequestScope(async () => {
      // As the server's adapter makes it: with the Host an action's origin is compared with.
      request.headers.set('host', new URL(request.url).host);
      const response = await handler(request, { cspNonce: nonce, clientAddress: '127.0.0.1', courseHtml: new Map(), keepRenderedPages: true });
      return { status: response.status, html: await response.text() };
    });
});

const keys = (html: string) => [...html.matchAll(/name="submissionKey" value="([^"]+)"/g)].map((m) => m[1]!);
const nonces = (html: string) => new Set([...html.matchAll(/nonce="([^"]+)"/g)].map((m) => m[1]!));
/** The page with what is new on every request taken out. */
const settled = (html: string) => html.replace(/nonce="[^"]+"/g, 'nonce=""').replace(/[A-Za-z0-9_-]{22}-\d+/g, 'TOKEN');

describe('a page rendered from the same URL and data', () => {
  test('is served from memory, with this request’s nonce and form tokens', async () => {
    const cookie = await cookieFor('priya.patel@oakfield.example');
    const first = await handle(getRequest(MODULE_URL, cookie), 'firstNonceAAAAAAAAAAAA==');
    expect(first.status).toBe(200);
    const before = pageCacheStats();
    const second = await handle(getRequest(MODULE_URL, cookie), 'secondNonceBBBBBBBBBBB==');
    expect(pageCacheStats().served).toBe(before.served + 1);
    expect(nonces(second.html)).toEqual(new Set(['secondNonceBBBBBBBBBBB==']));
    expect(nonces(first.html)).toEqual(new Set(['firstNonceAAAAAAAAAAAA==']));
    expect(keys(second.html).length).toBeGreaterThan(0);
    expect(keys(second.html).filter((key) => keys(first.html).includes(key))).toEqual([]);
    // As the forms' schemas accept them (app/actions/comment.server.ts).
    for (const key of keys(second.html)) expect(key).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(settled(second.html)).toBe(settled(first.html));
  });

  test('a write that changes the page changes its data, so the next load is rendered anew', async () => {
    const cookie = await cookieFor('tom.brennan@oakfield.example');
    await handle(getRequest(MODULE_URL, cookie), 'n1');
    await handle(getRequest(MODULE_URL, cookie), 'n2');
    const saved = await handle(postRequest(MODULE_URL, { intent: 'reflection', itemId: 'first-thoughts', body: 'Written after the page was kept' }, cookie), 'n3');
    expect(saved.status).toBe(302);
    const before = pageCacheStats();
    const after = await handle(getRequest(MODULE_URL, cookie), 'n4');
    expect(pageCacheStats().served).toBe(before.served);
    expect(after.html).toContain('Written after the page was kept');
  });

  test('another person’s page is never theirs: their data differs', async () => {
    const grace = await handle(getRequest(MODULE_URL, await cookieFor('grace.okafor@oakfield.example')), 'n5');
    const hannah = await handle(getRequest(MODULE_URL, await cookieFor('hannah.lewis@oakfield.example')), 'n6');
    expect(grace.html).toContain('Grace');
    expect(hannah.html).not.toContain('Grace');
    expect(hannah.html).toContain('Hannah');
  });

  test('an answer that is not a plain 200 page is not kept: not found, a refused form', async () => {
    const cookie = await cookieFor('grace.okafor@oakfield.example');
    const before = pageCacheStats();
    expect((await handle(getRequest('/courses/sample-course/no-such-module', cookie), 'n7')).status).toBe(404);
    expect((await handle(getRequest('/courses/sample-course/no-such-module', cookie), 'n8')).status).toBe(404);
    const refused = await handle(postRequest('/learn/cpd', { title: '', provider: '', date: 'not a date', hours: 'x', note: '', link: '' }, cookie), 'n9');
    expect(refused.status).toBe(400);
    expect(pageCacheStats()).toEqual(before);
  });
});

describe('the key of a page', () => {
  test('is the same for the same data whatever the request’s fresh values, and differs with the data or the URL', () => {
    const a = pageKey('http://x/a', { root: { user: 'A', token: 'rand1-1' } }, ['nonce1', 'rand1']);
    expect(pageKey('http://x/a', { root: { user: 'A', token: 'rand2-1' } }, ['nonce2', 'rand2'])).toBe(a);
    expect(pageKey('http://x/a', { root: { user: 'B', token: 'rand2-1' } }, ['nonce2', 'rand2'])).not.toBe(a);
    expect(pageKey('http://x/b', { root: { user: 'A', token: 'rand2-1' } }, ['nonce2', 'rand2'])).not.toBe(a);
  });

  test('is null for data that is not plain JSON, where one JSON could stand for two values', () => {
    for (const data of [{ at: new Date(0) }, { map: new Map() }, { later: Promise.resolve(1) }, { list: [undefined] }, { n: Number.NaN }, { big: 1n }]) {
      expect(pageKey('http://x/a', data, ['n'])).toBeNull();
    }
    expect(pageKey('http://x/a', { list: [null], nothing: undefined, text: 'x', n: 1 }, ['n'])).not.toBeNull();
  });
});
