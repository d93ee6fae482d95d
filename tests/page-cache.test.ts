import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequestHandler, type ServerBuild } from '@remix-run/node';
import { beforeAll, describe, expect, test } from 'vitest';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { acceptsGzip, combineCrc32, crc32Part, keepPage, keptPage, pageCacheStats, pageKey } from '#app/utils/page-cache.server.ts';
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

describe('the CRC-32 of a kept page, made from its pieces’', () => {
  test('is the CRC-32 of the pieces one after another, at any lengths', () => {
    const lengths = [0, 1, 3, 22, 255, 1024, 4095, 65_535, 65_536, 200_001];
    for (const lengthA of lengths) {
      for (const lengthB of lengths) {
        const a = crypto.randomBytes(lengthA);
        const b = crypto.randomBytes(lengthB);
        expect(combineCrc32(zlib.crc32(a), crc32Part(b))).toBe(zlib.crc32(Buffer.concat([a, b])));
      }
    }
    const pieces = Array.from({ length: 12 }, (_, i) => crypto.randomBytes(i * 97));
    expect(pieces.reduce((crc, piece) => combineCrc32(crc, crc32Part(piece)), 0)).toBe(zlib.crc32(Buffer.concat(pieces)));
  });
});

describe('a kept page sent gzip-compressed', () => {
  const NONCE_LENGTH = 24;
  const randomText = (length: number, seed: number) => {
    // Text a page could hold: markup, words, multi-byte characters, and stretches that repeat.
    const words = ['<p class="lead">', 'disadvantaged', ' learners', '</p>\n', 'Küçük', ' “quoted” ', '😀', ' and ', '<a href="/courses">', 'pupil premium', '\u00a0'];
    let text = '';
    let state = seed;
    while (text.length < length) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      text += words[state % words.length];
    }
    return text;
  };
  const nonceFor = (n: number) => `nonce${String(n).padStart(NONCE_LENGTH - 5, 'x')}`;
  const tokenFor = (n: number) => `token${String(n).padStart(17, 'y')}`;

  test('decompresses to the page with this request’s fresh values, wherever they are and however long the page', () => {
    const cases = [
      (n: string, t: string) => `<html><script nonce="${n}">x</script><input value="${t}-1">${randomText(2_000, 1)}<input value="${t}-2"></html>`,
      // Fresh values first, last and side by side, and a page longer than deflate's 32 KB window.
      (n: string, t: string) => `${n}${t}${randomText(90_000, 2)}<b>${t}-3</b>${randomText(40_000, 3)}${n}`,
      () => `${randomText(500, 4)} no fresh values here ${randomText(500, 5)}`,
      (n: string) => `${n}`,
    ];
    cases.forEach((page, index) => {
      const key = `gzip-case-${index}`;
      keepPage(key, page(nonceFor(index), tokenFor(index)), [nonceFor(index), tokenFor(index)]);
      for (const request of [100 + index, 200 + index]) {
        const fresh = [nonceFor(request), tokenFor(request)];
        const expected = page(fresh[0]!, fresh[1]!);
        const zipped = keptPage(key, fresh, true)!;
        expect(zipped.encoding).toBe('gzip');
        expect(zlib.gunzipSync(zipped.body).toString('utf8')).toBe(expected);
        const plain = keptPage(key, fresh, false)!;
        expect(plain.encoding).toBeNull();
        expect(plain.body.toString('utf8')).toBe(expected);
      }
    });
  });

  test('is compressed about as well as the whole page at once', () => {
    const page = (n: string) => `${randomText(30_000, 7)}<script nonce="${n}"></script>${randomText(30_000, 8)}<script nonce="${n}"></script>`;
    keepPage('gzip-size', page(nonceFor(1)), [nonceFor(1)]);
    const zipped = keptPage('gzip-size', [nonceFor(2)], true)!;
    expect(zipped.body.length).toBeLessThan(zlib.gzipSync(page(nonceFor(2))).length * 1.05);
  });

  test('fresh values of another length, or a page holding zero bytes, are sent uncompressed for the compression middleware to take', () => {
    keepPage('gzip-lengths', `<p>${nonceFor(1)}</p>`, [nonceFor(1)]);
    expect(keptPage('gzip-lengths', ['short'], true)).toEqual({ body: Buffer.from('<p>short</p>'), encoding: null });
    keepPage('gzip-zero', `<p>a\u0000b ${nonceFor(1)}</p>`, [nonceFor(1)]);
    expect(keptPage('gzip-zero', [nonceFor(2)], true)!.encoding).toBeNull();
  });

  test('only when the browser accepts gzip', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('br')).toBe(false);
    expect(acceptsGzip('gzip;q=0, br')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(null)).toBe(false);
  });
});
