/**
 * Brute-forcing the access token against a real listening host: the guessing address is
 * locked out (429) after ten wrong tokens, even for the right one; another address still
 * gets in; the log holds a bounded number of lines, not one per attempt.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger } from '../engine/log';
import type { HeadlessServer } from './headless-server';
import { rawGet, rawRequest } from './raw-http-harness';
import { startTestHost, TEST_TOKEN } from './test-host';

let server: HeadlessServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const WRONG = 'wrong-token-0123456789abcd';
const INTERVAL_MS = 3000;

type Line = { msg: string; count?: number };

describe('token lock-out', () => {
  test('a brute-force run is locked out; the right token from another address still works; log lines bounded', async () => {
    const lines: string[] = [];
    const s = await startTestHost({
      log: createLogger({ level: 'info', write: (line) => lines.push(line) }),
      limits: {
        tokenAttempts: {
          maxFailures: 10,
          windowMs: 60_000,
          lockoutMs: 60_000,
          maxLockoutMs: 600_000,
          maxTracked: 100,
        },
        logIntervalMs: INTERVAL_MS,
      },
    });
    server = s;
    const host = `127.0.0.1:${s.port}`;
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 200; i++) {
      const answer = await rawRequest(s.port, rawGet('/rpc', host, { upgrade: true, token: `${WRONG}${i}` }));
      statuses.push(answer.status ?? 0);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(190).fill(429));

    const locked = await rawRequest(s.port, rawGet('/rpc', host, { upgrade: true, token: TEST_TOKEN }));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(50);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);

    const other = await rawRequest(s.port, rawGet('/rpc', host, { upgrade: true, token: TEST_TOKEN }), {
      localAddress: '127.0.0.2',
    });
    expect(other.status).toBe(101);

    // per interval: the first wrong token, the lock-out and the first 429 as they happen,
    // then one summary line per kind counting the rest (9 more 401s, 190 more 429s)
    const entries = () => lines.map((line) => JSON.parse(line) as Line);
    const summarized = () => entries().reduce((sum, entry) => sum + (entry.count ?? 0), 0);
    await expect.poll(summarized, { timeout: 4 * INTERVAL_MS }).toBe(9 + 190);
    const intervals = Math.ceil((Date.now() - started) / INTERVAL_MS);
    expect(entries().filter((entry) => entry.count === undefined).length).toBeLessThanOrEqual(3 * intervals);
    expect(entries().filter((entry) => entry.count !== undefined).length).toBeLessThanOrEqual(2 * intervals);
    expect(lines.length).toBeLessThan(20);
  });
});
