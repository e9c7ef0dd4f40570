/**
 * The built headless host (its own process) under the requests of issue 16's attack probe:
 * malformed request-targets, as plain GETs and as WebSocket upgrades, answer 4xx and the
 * process keeps running; in Chromium the page reaches its own engine under a CSP whose
 * connect-src is 'self' only, and a WebSocket to any other host is blocked by the browser.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectRefusalWithHeaders, MALFORMED_TARGETS } from '../main/server/malformed-request-targets';
import { rawGet, rawRequest } from '../main/server/raw-http-harness';
import { type AppWithRpc, openAppWithRpc, tempDataDir } from './harness';

let app: AppWithRpc | undefined;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir: tempDataDir('e2e-attack-surface'),
    viewport: { width: 1024, height: 700 },
    pageErrors,
  });
  ({ page } = app);
}, 60_000);

afterAll(() => app?.close());

describe('headless host attack surface (built host + Chromium)', () => {
  test("the page reaches its engine under connect-src 'self'; a WebSocket elsewhere is blocked", async () => {
    // the page's RPC runs over ws://<its own host>/rpc: the demo badge comes from engine.info
    await expect.poll(() => page.getByTestId('demo-data-badge').count(), { timeout: 20_000 }).toBe(1);

    // another listener on another loopback address: the page must not reach it
    const connections: string[] = [];
    const other: Server = createServer((_req, res) => res.end());
    other.on('upgrade', (req, socket) => {
      connections.push(req.url ?? '');
      socket.destroy();
    });
    other.on('connection', () => connections.push('tcp'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
    const port = (other.address() as AddressInfo).port;
    try {
      // page code as a string: the e2e tsconfig has no DOM types
      const violation = await page.evaluate<{
        directive: string;
        blocked: string;
        error: string;
      }>(`new Promise((resolve) => {
        let error = '';
        document.addEventListener('securitypolicyviolation', (e) => {
          resolve({ directive: e.effectiveDirective, blocked: e.blockedURI, error });
        }, { once: true });
        try {
          const ws = new WebSocket('ws://127.0.0.2:${port}/rpc');
          ws.onerror = () => { error = 'error event'; };
        } catch (e) {
          error = String(e);
        }
        setTimeout(() => resolve({ directive: 'none', blocked: '', error }), 5000);
      })`);
      expect(violation.directive).toBe('connect-src');
      expect(violation.blocked).toContain('127.0.0.2');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(connections).toEqual([]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
    expect(pageErrors).toEqual([]);
  });
  test("the issue's request (//localhost:99999/rpc with Upgrade) gets 400 and the process lives", async () => {
    const { host } = app!;
    const answer = await rawRequest(
      host.port,
      rawGet('//localhost:99999/rpc', `127.0.0.1:${host.port}`, { upgrade: true, token: host.token }),
    );
    // give a dying process time to be seen dead
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(host.process.exitCode, host.output().slice(-2000)).toBeNull();
    expect(answer.status).toBe(400);
    expectRefusalWithHeaders(answer);
    expect((await fetch(`${host.origin}/`)).status).toBe(200);
  });

  test('malformed request-targets answer 4xx and the host process keeps serving', async () => {
    const { host } = app!;
    const hostHeader = `127.0.0.1:${host.port}`;
    for (const [name, target] of MALFORMED_TARGETS) {
      for (const upgrade of [false, true]) {
        const answer = await rawRequest(
          host.port,
          rawGet(target, hostHeader, { upgrade, token: host.token }),
        );
        expect.soft(answer.status, `${name}, ${upgrade ? 'upgrade' : 'GET'}`).not.toBeNull();
        expectRefusalWithHeaders(answer);
      }
    }
    expect(host.process.exitCode).toBeNull();
    expect(host.process.signalCode).toBeNull();
    expect((await fetch(`${host.origin}/`)).status).toBe(200);
    expect(await app!.rpc.request('engine.info')).toMatchObject({ host: 'node' });
  });
});
