/**
 * Request-target forms from RFC 9112 §3.2 and path syntax from RFC 3986 §3.3 / §2.1.
 */
import { describe, expect, test } from 'vitest';
import { MAX_TARGET_LENGTH, parseRequestTarget } from './request-target';

describe('request-target', () => {
  test('origin-form (§3.2.1) paths a browser sends are decoded', () => {
    expect(parseRequestTarget('/')).toEqual({ ok: true, path: '/', authority: null });
    expect(parseRequestTarget('/assets/index-B1x_9.js?v=2')).toEqual({
      ok: true,
      path: '/assets/index-B1x_9.js',
      authority: null,
    });
    expect(parseRequestTarget('/assets/')).toMatchObject({ ok: true, path: '/assets/' });
    expect(parseRequestTarget('/caf%C3%A9.txt')).toMatchObject({ ok: true, path: '/café.txt' });
    expect(parseRequestTarget("/a:b@c!$&'()*+,;=~")).toMatchObject({ ok: true });
  });

  test('absolute-form (§3.2.2) gives its authority in place of Host', () => {
    expect(parseRequestTarget('http://127.0.0.1:5170/rpc')).toEqual({
      ok: true,
      path: '/rpc',
      authority: '127.0.0.1:5170',
    });
    expect(parseRequestTarget('HTTP://[::1]:5170')).toEqual({ ok: true, path: '/', authority: '[::1]:5170' });
    expect(parseRequestTarget('http://localhost?x')).toEqual({ ok: true, path: '/', authority: 'localhost' });
  });

  test('everything else is a 400 (414 when too long), never an exception', () => {
    for (const target of [
      undefined,
      '',
      '*', // §3.2.4, OPTIONS only
      'localhost:5170', // §3.2.3, CONNECT only
      'index.html',
      '//localhost:99999/rpc',
      '//host:badport/x',
      'http://[::1',
      'http://user@localhost/',
      'https://localhost/',
      'ws://localhost/rpc',
      '/%zz',
      '/%',
      '/%00',
      '/%C0%AE%C0%AE/', // overlong UTF-8 for "."
      '/%ED%A0%80', // a UTF-16 surrogate in UTF-8 (RFC 3629 §3)
      '/a/../b',
      '/%2e%2e/x',
      '/./x',
      '/a%2fb',
      '/a%5cb',
      '/a\\b',
      '/a b',
      '/a\u0001b',
      '/a?b c',
      '/a#frag',
    ]) {
      const result = parseRequestTarget(target);
      expect(result.ok, String(target)).toBe(false);
      if (!result.ok) expect(result.status).toBe(400);
    }
    expect(parseRequestTarget(`/${'a'.repeat(MAX_TARGET_LENGTH)}`)).toMatchObject({ ok: false, status: 414 });
  });
});
