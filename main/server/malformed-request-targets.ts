/**
 * Malformed request-targets (RFC 9112 §3.2, RFC 3986 §2.1 and §3.3) for the unit tests and
 * the end-to-end test against the built host, and what every answer to one must look like.
 */
import { expect } from 'vitest';
import type { RawAnswer } from './raw-http-harness';

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

export function expectRefusalWithHeaders(answer: RawAnswer): void {
  expect(answer.status, 'an HTTP answer, not a dropped socket').not.toBeNull();
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThan(500);
  expect(answer.headers['content-type']).toMatch(/^text\/plain/);
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body, 'latin1'));
  expect(answer.headers.connection).toBe('close');
}
