// The HTTP bench's open loop against a real HTTP server in this process: the rate it keeps, what it counts as
// an error, and that a stall shows in its latency even though no request went out during it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pacedLoad } from '../../bench/http/paced-load.ts';

async function withServer(answer: (request: IncomingMessage, response: ServerResponse, n: number) => void, body: (url: string) => Promise<void>): Promise<void> {
  let n = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(request, response, n++));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}/agents/coder/messages`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('paced load keeps its rate, counts non-2xx apart, and measures from each request\'s intended time', async () => {
  const stallMs = 300;
  let stallUntil = 0;
  await withServer(
    (_request, response, n) => {
      const reply = (): void => {
        response.statusCode = n % 10 === 0 ? 503 : 200;
        response.end('{}');
      };
      // Once, a third of the way in: every answer waits until the stall ends.
      if (n === 500) stallUntil = Date.now() + stallMs;
      const wait = stallUntil - Date.now();
      if (wait > 0) setTimeout(reply, wait);
      else reply();
    },
    async (url) => {
      const result = await pacedLoad({ url, body: '{}', rate: 1000, durationS: 1.5, warmupS: 0.3, connections: 4 });
      // 1.5 s at 1,000/s; the warm-up's edge falls on a float sum, so one request either side of it.
      assert.ok(Math.abs(result.offered - 1500) <= 1, `offered ${result.offered}`);
      assert.equal(result.errors, 0);
      assert.ok(Math.abs(result.rps - 1000) <= 20, `kept the rate: ${result.rps} req/s`);
      // Every tenth answer was a 503 (the warm-up's answers are not counted).
      assert.ok(result.non2xx >= 140 && result.non2xx <= 160, `non-2xx: ${result.non2xx}`);
      // With 4 connections all held by the stall, no request went out during it; the requests due then still
      // count their wait from when they were due, so the worst is about the whole stall.
      assert.ok(result.latency.max >= stallMs * 0.9, `max ${result.latency.max} ms shows the ${stallMs} ms stall`);
      assert.ok(result.latency.p50 < 50, `P50 ${result.latency.p50} ms outside the stall`);
      // The chart's curve: the same histogram, rising, ending at the stall.
      const micros = result.distribution.map((point) => point.micros);
      assert.ok(micros.length > 10 && micros.every((value, i) => i === 0 || value >= micros[i - 1]!), 'distribution rises with the percentile');
      assert.ok(micros.at(-1)! >= stallMs * 0.9 * 1000, `its last point ${micros.at(-1)} µs is the stall`);
    },
  );
});

test('paced load counts a refused connection as an error, not as a response', async () => {
  let url = '';
  await withServer(() => {}, async (u) => { url = u; });
  // The server is closed now: every request fails.
  const result = await pacedLoad({ url, body: '{}', rate: 200, durationS: 0.5, warmupS: 0, connections: 2 });
  assert.equal(result.rps, 0);
  assert.equal(result.non2xx, 0);
  assert.equal(result.errors, result.offered);
  assert.ok(result.offered >= 100);
});
