/**
 * Malformed request-targets (RFC 9112 §3.2) sent byte for byte to a real listening host,
 * as plain GETs and as WebSocket upgrades carrying the right token: each gets a 4xx answer
 * with proper headers, and the host goes on serving. Issue 16: `//localhost:99999/rpc`
 * with `Upgrade: websocket` made `new URL()` throw in the upgrade listener and end the host.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HeadlessServer } from './headless-server';
import { expectRefusalWithHeaders, MALFORMED_TARGETS } from './malformed-request-targets';
import { rawGet, rawRequest } from './raw-http-harness';
import { startTestHost, TEST_TOKEN } from './test-host';

let server: HeadlessServer;
let host: string;
beforeAll(async () => {
  server = await startTestHost();
  host = `127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.close();
});

async function expectStillServing(port: number): Promise<void> {
  const page = await rawRequest(port, rawGet('/', `127.0.0.1:${port}`));
  expect(page.status).toBe(200);
  expect(page.body).toContain('<div id="root">');
  const rpc = await rawRequest(
    port,
    rawGet('/rpc', `127.0.0.1:${port}`, { upgrade: true, token: TEST_TOKEN }),
  );
  expect(rpc.status).toBe(101);
}

describe('malformed request-targets', () => {
  for (const [name, target] of MALFORMED_TARGETS) {
    for (const upgrade of [false, true]) {
      test(`${name} (${JSON.stringify(target.slice(0, 40))}, ${upgrade ? 'WebSocket upgrade' : 'GET'}): 4xx, host still serves`, async () => {
        const answer = await rawRequest(server.port, rawGet(target, host, { upgrade, token: TEST_TOKEN }));
        expectRefusalWithHeaders(answer);
        expect(answer.body).not.toContain('root:');
        await expectStillServing(server.port);
      });
    }
  }

  test('answers from the host itself carry the security headers', async () => {
    const answer = await rawRequest(server.port, rawGet('//localhost:99999/rpc', host, { upgrade: true }));
    expect(answer.status).toBe(400);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
    const plain = await rawRequest(server.port, rawGet('/%zz', host));
    expect(plain.status).toBe(400);
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
  });

  test('CONNECT with an authority-form target (§3.2.3) gets 405: this host is no proxy', async () => {
    const answer = await rawRequest(
      server.port,
      `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`,
    );
    expectRefusalWithHeaders(answer);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
    await expectStillServing(server.port);
  });

  test('a request line the HTTP parser refuses still gets an answer with headers', async () => {
    for (const line of ['GET  HTTP/1.1', 'GET /a b HTTP/1.1', 'GET /\x01 HTTP/1.1', 'NOT-HTTP']) {
      const answer = await rawRequest(server.port, `${line}\r\nHost: ${host}\r\n\r\n`);
      expectRefusalWithHeaders(answer);
    }
    await expectStillServing(server.port);
  });
});
