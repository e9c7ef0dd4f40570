import os from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HeadlessServer } from './headless-server';
import { createHostAllowlist } from './host-allowlist';
import { rawGet, rawRequest } from './raw-http-harness';
import { startTestHost, TEST_TOKEN } from './test-host';

describe('Host allowlist', () => {
  const check = createHostAllowlist('127.0.0.1', 5170);

  test('loopback names with the listening port pass, in any case and IPv6 spelling', () => {
    for (const host of [
      '127.0.0.1:5170',
      'localhost:5170',
      'LocalHost:5170',
      '[::1]:5170',
      '[0:0:0:0:0:0:0:1]:5170',
    ]) {
      expect(check(host), host).toBe('ok');
    }
  });

  test('another name (DNS rebinding), another port or no port are refused', () => {
    for (const host of [
      'rebind.attacker.example:5170',
      '127.0.0.1.nip.io:5170',
      'localhost.:5170',
      '127.0.0.1:5171',
      '127.0.0.1',
      'localhost',
    ]) {
      expect(check(host), host).toBe('refused');
    }
  });

  test('a missing or malformed Host is told apart', () => {
    expect(check(undefined)).toBe('missing');
    expect(check('')).toBe('missing');
    for (const host of ['a b:5170', 'evil@127.0.0.1:5170', '[::1:5170', '127.0.0.1:5170/x', '127.0.0.1:']) {
      expect(check(host), host).toBe('bad');
    }
  });

  test('a named bind address passes; bound to every interface, each interface address and the machine name do', () => {
    expect(createHostAllowlist('fieldline.plant.lan', 80)('fieldline.plant.lan')).toBe('ok');
    expect(createHostAllowlist('fieldline.plant.lan', 80)('other.plant.lan')).toBe('refused');
    const any = createHostAllowlist('0.0.0.0', 8080);
    for (const info of Object.values(os.networkInterfaces()).flat()) {
      if (!info || info.address.includes('%')) continue;
      const literal = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      expect(any(`${literal}:8080`), literal).toBe('ok');
    }
    expect(any(`${os.hostname()}:8080`)).toBe('ok');
    expect(any('rebind.attacker.example:8080')).toBe('refused');
  });
});

describe('Host allowlist on a listening host', () => {
  let server: HeadlessServer;
  beforeAll(async () => {
    server = await startTestHost();
  });
  afterAll(async () => {
    await server?.close();
  });

  test('a rebound name gets 421 for pages and WebSockets, even with the token and a matching Origin', async () => {
    const evil = `rebind.attacker.example:${server.port}`;
    const page = await rawRequest(server.port, rawGet('/', evil));
    expect(page.status).toBe(421);
    expect(page.body).not.toContain('<div id="root">');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const upgrade = await rawRequest(
      server.port,
      rawGet('/rpc', evil, { upgrade: true, token: TEST_TOKEN }).replace(
        '\r\n\r\n',
        `\r\nOrigin: http://${evil}\r\n\r\n`,
      ),
    );
    expect(upgrade.status).toBe(421);
    // an absolute-form target names the host instead of Host (RFC 9112 §3.2.2)
    const absolute = await rawRequest(server.port, rawGet(`http://${evil}/`, `127.0.0.1:${server.port}`));
    expect(absolute.status).toBe(421);
  });

  test('no Host header: 400; the listening name: served', async () => {
    const noHost = await rawRequest(server.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(noHost.status).toBe(400);
    expect((await rawRequest(server.port, rawGet('/', `localhost:${server.port}`))).status).toBe(200);
    const absolute = await rawRequest(
      server.port,
      rawGet(`http://127.0.0.1:${server.port}/`, 'ignored.example'),
    );
    expect(absolute.status).toBe(200);
  });
});
