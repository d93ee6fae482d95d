import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HttpClient } from '../scripts/bench-load.ts';

// The benchmark's client must not count the keep-alive race as a server error: a request that
// went out on an idle socket the server was closing was never read, and is sent again once on a
// new connection (the pool's other idle sockets may be closing at the same moment).

let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  // A server that answers the first request on each connection and drops the connection, unread,
  // when a second one arrives on it: every reused socket is a stale one.
  server = http.createServer((req, res) => {
    const socket = req.socket as typeof req.socket & { served?: boolean };
    if (socket.served) {
      socket.destroy();
      return;
    }
    socket.served = true;
    setTimeout(() => res.end('ok'), 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('a request lost to a closing keep-alive socket is sent again on a new connection', async () => {
  const client = new HttpClient(baseUrl);
  try {
    // Two at once leave two idle sockets in the pool.
    const first = await Promise.all([client.request({ path: '/a' }), client.request({ path: '/b' })]);
    expect(first.map((answer) => answer.status)).toEqual([200, 200]);
    // Both idle sockets are stale now: the retry must not take the other one.
    const again = await client.request({ path: '/c' });
    expect(again.status).toBe(200);
    expect(client.staleRetries).toBe(1);
  } finally {
    client.close();
  }
});
