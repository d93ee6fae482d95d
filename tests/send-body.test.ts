import { EventEmitter } from 'node:events';
import type { Response as ExpressResponse } from 'express';
import { describe, expect, test } from 'vitest';
import { sendBody } from '../server/remix-handler.ts';

// A response that records what the handler writes, flushes and ends, in order.
function recordingResponse(options: { acceptsUntilBytes?: number } = {}) {
  const events: string[] = [];
  const written: Buffer[] = [];
  let buffered = 0;
  const res = Object.assign(new EventEmitter(), {
    write(chunk: Uint8Array) {
      written.push(Buffer.from(chunk));
      events.push(`write ${chunk.byteLength}`);
      buffered += chunk.byteLength;
      return options.acceptsUntilBytes === undefined || buffered < options.acceptsUntilBytes;
    },
    flush() {
      events.push('flush');
    },
    end() {
      events.push('end');
    },
    destroy() {
      events.push('destroy');
    },
    destroyed: false,
  });
  return { res: res as unknown as ExpressResponse & { flush: () => void }, events, body: () => Buffer.concat(written).toString('utf8'), drain: () => ((buffered = 0), res.emit('drain')) };
}

const encoder = new TextEncoder();

describe('sending a response body', () => {
  test('a page rendered in hundreds of pieces goes out in one write, whole, with no flush per piece', async () => {
    const pieces = Array.from({ length: 400 }, (_, i) => `<p>piece ${i} – café</p>`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(encoder.encode(piece));
        controller.close();
      },
    });
    const { res, events, body } = recordingResponse();
    await sendBody(stream, res);
    expect(body()).toBe(pieces.join(''));
    expect(events.filter((e) => e.startsWith('write'))).toHaveLength(1);
    expect(events).not.toContain('flush');
    expect(events.at(-1)).toBe('end');
  });

  test('when the stream pauses, what has arrived is sent and flushed before the rest comes', async () => {
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode('name,email\n'));
        controller.enqueue(encoder.encode('Ada,ada@example.org\n'));
        await paused;
        controller.enqueue(encoder.encode('Ben,ben@example.org\n'));
        controller.close();
      },
    });
    const { res, events, body } = recordingResponse();
    const sending = sendBody(stream, res);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The first rows reached the client (compressed output flushed) while the stream waited.
    expect(events).toEqual([`write ${'name,email\nAda,ada@example.org\n'.length}`, 'flush']);
    release();
    await sending;
    expect(body()).toBe('name,email\nAda,ada@example.org\nBen,ben@example.org\n');
    expect(events.at(-1)).toBe('end');
  });

  test('a large body is sent in parts, and a slow client is waited for', async () => {
    const part = encoder.encode('x'.repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 12; i++) controller.enqueue(part);
        controller.close();
      },
    });
    const { res, events, drain } = recordingResponse({ acceptsUntilBytes: 64 * 1024 });
    const sending = sendBody(stream, res);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The client's buffer is full after the first 64 KB: nothing more is written until it drains.
    expect(events).toEqual([`write ${64 * 1024}`]);
    const draining = setInterval(drain, 5);
    await sending;
    clearInterval(draining);
    expect(events).toEqual([`write ${64 * 1024}`, `write ${64 * 1024}`, `write ${64 * 1024}`, 'end']);
  });

  test('when the client has gone, the rest of the stream is not read', async () => {
    let cancelled = false;
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(encoder.encode('x'.repeat(32 * 1024)));
      },
      cancel() {
        cancelled = true;
      },
    });
    const recorder = recordingResponse({ acceptsUntilBytes: 64 * 1024 });
    const sending = sendBody(stream, recorder.res);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The client's buffer is full; then the connection closes.
    Object.assign(recorder.res, { destroyed: true });
    recorder.res.emit('close');
    await sending;
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(10);
    expect(recorder.events).not.toContain('end');
  });
});
