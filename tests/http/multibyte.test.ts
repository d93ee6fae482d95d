import { PassThrough } from 'node:stream';
import { createElement } from 'react';
import { renderToPipeableStream } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '#db/seed.ts';
import { signInOverHttp, startBuiltServer, type RunningServer } from '#tests/support/server.ts';
import { serverDatabase } from '#tests/support/server-database.ts';

// React 18.3.1's Node stream writer put U+0000 into pages where a multi-byte character met the
// edge of one of its 2 KB buffers (react issue 31134). patches/react-dom+18.3.1.patch sends only the
// bytes written, as React 19 does; these tests slide multi-byte text across those edges at every
// byte offset and read the bytes back. Without the patch the first test fails.

// Two-, three- and four-byte characters (é, —, “ ”, ’, 😀, 中) in runs longer than a buffer.
const PIECE = 'é—“Kindred”’😀中';
const notes = Array.from({ length: 8 }, (_, i) => Array.from(`${i}:${PIECE.repeat(60)}`).slice(0, 560).join(''));
// The longest UTF-8 character is 4 bytes and the runs mix 2, 3 and 4: 12 paddings put every
// kind of character at every position across a buffer edge.
const PADDINGS = Array.from({ length: 12 }, (_, p) => p);

async function reactStreamBytes(padding: number): Promise<string> {
  const element = createElement('main', null, createElement('p', null, 'x'.repeat(padding)), ...notes.map((n, i) => createElement('p', { key: i }, n)));
  const body = new PassThrough();
  const chunks: Buffer[] = [];
  body.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    const { pipe } = renderToPipeableStream(element, { onAllReady: () => pipe(body), onShellError: reject });
    body.on('end', () => resolve());
  });
  return Buffer.concat(chunks).toString('utf8');
}

describe('the text that reaches the browser', () => {
  test('the Node stream renderer the pages use keeps multi-byte text whole at every buffer offset', async () => {
    for (const padding of PADDINGS) {
      const text = await reactStreamBytes(padding);
      expect(text).not.toContain('\u0000');
      for (const note of notes) expect(text).toContain(note);
    }
  });

  describe('over HTTP against the built server', () => {
    let server: RunningServer;
    let cookie: string;
    beforeAll(async () => {
      server = await startBuiltServer({ database: await serverDatabase() });
      cookie = await signInOverHttp(server.url, 'teacher@oakfield.example', DEMO_PASSWORD);
    });
    afterAll(async () => {
      await server?.stop();
    });

    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
        body: new URLSearchParams(fields),
      });

    test('the CPD log shows multi-byte notes exactly, with no U+0000, at every offset', async () => {
      for (const [i, note] of notes.entries()) {
        const response = await post('/learn/cpd', { title: `Reading ${i}`, provider: '', date: '2026-10-0' + (i + 1), hours: '1', note, link: '' });
        expect(response.status).toBe(302);
      }
      const page = await (await fetch(`${server.url}/learn/cpd`, { headers: { cookie } })).text();
      // The newest entry comes first; its title is the padding that moves everything after it.
      const firstId = /href="\/learn\/cpd\/(\d+)"/.exec(page)?.[1];
      expect(firstId).toBeDefined();
      for (const padding of PADDINGS) {
        const title = `Reading ${'x'.repeat(padding)}`;
        const saved = await post(`/learn/cpd/${firstId}`, { intent: 'save', title, provider: '', date: '2026-10-08', hours: '1', note: notes[7]!, link: '' });
        expect(saved.status).toBe(302);
        const response = await fetch(`${server.url}/learn/cpd`, { headers: { cookie } });
        const bytes = new Uint8Array(await response.arrayBuffer());
        // fatal: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD.
        const html = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        expect(html.includes('\u0000'), `U+0000 with padding ${padding}`).toBe(false);
        expect(html).not.toContain('\uFFFD');
        for (const note of notes) expect(html).toContain(note);
        expect(html).toContain(title);
        expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      }
    });

    test('the edit form of an entry with curly quotes and a dash keeps them', async () => {
      const title = 'Trust “SEND” day — Zoë’s notes';
      const page = await (await fetch(`${server.url}/learn/cpd`, { headers: { cookie } })).text();
      const id = /href="\/learn\/cpd\/(\d+)"/.exec(page)![1]!;
      expect((await post(`/learn/cpd/${id}`, { intent: 'save', title, provider: '', date: '2026-10-08', hours: '1', note: '', link: '' })).status).toBe(302);
      const edit = await (await fetch(`${server.url}/learn/cpd/${id}`, { headers: { cookie } })).text();
      expect(edit).toContain(`value="${title}"`);
      expect(edit).not.toContain('\u0000');
    });
  });
});
