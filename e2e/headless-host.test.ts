/**
 * The headless host as a user and an attacker see it: it refuses what it must, and the
 * cached data survives a restart.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRpc, type RunningHost, repoRoot, startHost, tempDataDir, waitFor } from './harness';

const serverJs = path.join(repoRoot, 'out/main/server.js');
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({ dataDir: tempDataDir('host') });
});
afterAll(async () => {
  await host?.stop();
});

describe('headless host', () => {
  test('refuses to bind a non-loopback address without a token', () => {
    const result = spawnSync(process.execPath, [serverJs, '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without --token/);
  });

  test('serves the renderer with a strict CSP', async () => {
    const res = await fetch(`${host.origin}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="root"');
    const traversal = await fetch(`${host.origin}/..%2f..%2fpackage.json`);
    expect([400, 404]).toContain(traversal.status);
  });

  test('RPC needs the token and a same-origin page', async () => {
    await expect(connectRpc(host, { token: 'wrong-token-wrong-token-0000' })).rejects.toThrow(/401/);
    await expect(connectRpc(host, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const rpc = await connectRpc(host, { origin: host.origin });
    const info = await rpc.call('engine.info');
    expect(info.result).toMatchObject({ demo: true, host: 'node' });
    const bad = await rpc.call('readings.query', { deviceId: 42 });
    expect(bad.error?.code).toBe('INVALID_PARAMS');
    rpc.close();
  });

  test('cached readings survive a restart of the host', async () => {
    const rpc = await connectRpc(host);
    const storedBefore = await waitFor('readings to be stored', async () => {
      const stats = (await rpc.call('engine.stats')).result as { storedTotal: number };
      return stats.storedTotal > 200 ? stats.storedTotal : undefined;
    });
    rpc.close();
    expect(await host.stop('SIGTERM')).toBe(0);

    // the demo again: its cache is its own folder's (a --no-demo start shows none of it, see demo-first-run)
    host = await startHost({ dataDir: host.dataDir });
    const again = await connectRpc(host);
    const stats = (await again.call('engine.stats')).result as { storedTotal: number };
    expect(stats.storedTotal).toBeGreaterThanOrEqual(storedBefore);
    const devices = (await again.call('devices.list')).result as unknown[];
    expect(devices.length).toBeGreaterThanOrEqual(12);
    again.close();
  });
});
