/**
 * Malformed request-targets (RFC 9112 §3.2) sent byte for byte to a real listening host,
 * as plain GETs and as WebSocket upgrades carrying the right token: each gets a 4xx answer
 * with proper headers, and the host goes on serving. Issue 16: `//localhost:99999/rpc`
 * with `Upgrade: websocket` made `new URL()` throw in the upgrade listener and end the host.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HeadlessServer } from './headless-server';
import { type RawAnswer, rawGet, rawRequest } from './raw-http-harness';
import { startTestHost, TEST_TOKEN } from './test-host';

/** [what it is, request-target as sent] */
export const MALFORMED_TARGETS: [string, string][] = [
  // origin-form (§3.2.1) whose path a URL parser reads as an authority
  ['scheme-relative with an out-of-range port (the issue)', '//localhost:99999/rpc'],
  ['scheme-relative with a non-numeric port', '//host:badport/x'],
  ['scheme-relative to another host', '//evil.example/rpc'],
  ['empty segment', '/assets//app.js'],
  // percent-encoding errors (RFC 3986 §2.1)
  ['bad percent-encoding', '/%zz'],
  ['truncated percent-encoding', '/%E0%A4%A'],
  ['encoded NUL', '/%00'],
  ['encoded NUL before a suffix', '/index.html%00.png'],
  ['overlong UTF-8 for "."', '/%C0%AE%C0%AE/%C0%AE%C0%AE/etc/passwd'],
  ['overlong UTF-8 for "/"', '/..%C0%AF..%C0%AFetc/passwd'],
  ['overlong target', `/${'a'.repeat(4000)}`],
  // separators and traversal
  ['backslashes', '/..\\..\\etc\\passwd'],
  ['backslash to another host', '/\\evil.example/rpc'],
  ['.. traversal', '/assets/../../package.json'],
  ['encoded .. traversal', '/%2e%2e/%2e%2e/package.json'],
  ['encoded slash traversal', '/..%2f..%2fpackage.json'],
  ['dot segment', '/./index.html'],
  // absolute-form (§3.2.2)
  ['absolute-form with an unclosed IPv6 literal', 'http://[::1'],
  ['absolute-form for another host', 'http://evil.example/'],
  ['absolute-form with an out-of-range port', 'http://localhost:99999/rpc'],
  ['absolute-form with another scheme', 'ftp://127.0.0.1/rpc'],
  ['absolute-form with user info', 'http://user@127.0.0.1/rpc'],
  // authority-form (§3.2.3) and asterisk-form (§3.2.4) outside CONNECT and OPTIONS
  ['authority-form', '127.0.0.1:80'],
  ['asterisk-form', '*'],
  // no path at all
  ['empty target', ''],
  ['relative path', 'index.html'],
];

let server: HeadlessServer;
let host: string;
beforeAll(async () => {
  server = await startTestHost();
  host = `127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.close();
});

export function expectRefusalWithHeaders(answer: RawAnswer): void {
  expect(answer.status, 'an HTTP answer, not a dropped socket').not.toBeNull();
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThan(500);
  expect(answer.headers['content-type']).toMatch(/^text\/plain/);
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body, 'latin1'));
  expect(answer.headers.connection).toBe('close');
}

async function expectStillServing(port: number): Promise<void> {
  const page = await rawRequest(port, rawGet('/', `127.0.0.1:${port}`));
  expect(page.status).toBe(200);
  expect(page.body).toContain('<div id="root">');
  const rpc = await rawRequest(port, rawGet('/rpc', `127.0.0.1:${port}`, { upgrade: true, token: TEST_TOKEN }));
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

  test('a request line the HTTP parser refuses still gets an answer with headers', async () => {
    for (const line of ['GET  HTTP/1.1', 'GET /a b HTTP/1.1', 'GET /\x01 HTTP/1.1', 'NOT-HTTP']) {
      const answer = await rawRequest(server.port, `${line}\r\nHost: ${host}\r\n\r\n`);
      expectRefusalWithHeaders(answer);
    }
    await expectStillServing(server.port);
  });
});
