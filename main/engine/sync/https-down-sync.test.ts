/**
 * HTTPS with mutual TLS and a bearer token against the reference receiver (a throwaway CA
 * made by openssl), and down-sync over the same connection settings: registry entries,
 * firmware catalog and settings applied once per version.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createReceiver, type Receiver } from '../../cloud-receiver/receiver';
import { makeTestPki } from '../connectors/mqtt/mosquitto-harness';
import { tempDataDir } from '../store/test-fixtures';
import type { RegistryEntry } from './down-sync';
import { openSync, readingsBatch, waitUntil } from './test-fixtures';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function httpsReceiver(): Promise<{ receiver: Receiver; pki: ReturnType<typeof makeTestPki> }> {
  const pki = makeTestPki(tempDataDir('pki'));
  const receiver = await createReceiver({
    dbFile: path.join(tempDataDir('receiver'), 'r.sqlite'),
    token: 'secret-token',
    tls: {
      cert: readFileSync(pki.serverCertFile, 'utf8'),
      key: readFileSync(pki.serverKeyFile, 'utf8'),
      ca: pki.caPem,
      requestCert: true,
    },
  });
  cleanups.push(() => receiver.close());
  return { receiver, pki };
}

describe('HTTPS sink with mutual TLS and a bearer token; down-sync', () => {
  test('delivers with the right certificate and token; a wrong token parks (401), a stranger cannot connect', async () => {
    const { receiver, pki } = await httpsReceiver();
    const e = openSync();
    cleanups.push(() => e.sync.close());
    const base = { url: `${receiver.url}/v1/batches`, caPem: pki.caPem, certPem: pki.clientCert };
    const good = await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'good',
      enabled: true,
      config: { ...base, keyPem: pki.clientKey, authorization: 'Bearer secret-token' },
    });
    const badToken = await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'bad token',
      enabled: true,
      config: { ...base, keyPem: pki.clientKey, authorization: 'Bearer nope' },
    });
    const stranger = await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'stranger',
      enabled: true,
      config: {
        ...base,
        certPem: pki.strangerCert,
        keyPem: pki.strangerKey,
        authorization: 'Bearer secret-token',
      },
    });
    for (let b = 0; b < 4; b++) e.sync.onIngest(readingsBatch(b));
    const byId = (id: string) => e.sync.status().find((s) => s.id === id)!;
    await waitUntil(() => byId(good.id).backlog.readings === 0, 'the good sink to drain');
    expect(receiver.store.totalReadings()).toBe(2000);
    await waitUntil(() => byId(badToken.id).parked > 0, 'the wrong token to park');
    expect(byId(badToken.id).lastError?.status).toBe(401);
    await waitUntil(() => byId(stranger.id).lastError !== null, 'the stranger to fail');
    expect(byId(stranger.id).connected).toBe(false);
    expect(byId(stranger.id).backlog.readings).toBe(2000);
    // the outbox keeps what the stranger has not delivered
    expect(e.db.prepare('SELECT sum(readings) FROM outbox').pluck().get()).toBe(2000);
  });

  test('down-sync: registry entries, firmware and settings applied once per version', async () => {
    const { receiver, pki } = await httpsReceiver();
    const applied: RegistryEntry[] = [];
    const e = openSync({
      applyRegistry: (entry) => {
        if (entry.deviceId === 'ghost') throw new Error('no such device');
        applied.push(entry);
      },
    });
    cleanups.push(() => e.sync.close());
    await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'cloud',
      enabled: true,
      config: {
        url: `${receiver.url}/v1/batches`,
        downUrl: `${receiver.url}/v1/down`,
        caPem: pki.caPem,
        certPem: pki.clientCert,
        keyPem: pki.clientKey,
        authorization: 'Bearer secret-token',
      },
    });
    receiver.store.putDoc('registry', [
      { deviceId: 'dev-1', name: 'Boiler 1', site: 'plant-a', tags: ['boiler'] },
      { deviceId: 'ghost', name: 'Nobody' },
      { deviceId: '', name: 'broken' },
    ]);
    receiver.store.putDoc('firmware', [
      { version: '1.4.2', sha256: 'ab'.repeat(32), url: 'https://x/fw.bin' },
    ]);
    receiver.store.putDoc('settings', { retentionDays: 30 });

    const first = await e.sync.handlers['sync.pullDown']({});
    expect(first.map((r) => [r.kind, r.changed])).toEqual([
      ['registry', true],
      ['firmware', true],
      ['settings', true],
    ]);
    expect(applied).toEqual([{ deviceId: 'dev-1', name: 'Boiler 1', site: 'plant-a', tags: ['boiler'] }]);
    expect(first[0]!.errors).toHaveLength(2);

    // the same versions again: 304s, nothing applied twice
    const second = await e.sync.handlers['sync.pullDown']({});
    expect(second.every((r) => !r.changed)).toBe(true);
    expect(applied).toHaveLength(1);

    // a new settings version arrives and is kept
    receiver.store.putDoc('settings', { retentionDays: 60 });
    const third = await e.sync.handlers['sync.pullDown']({});
    expect(third.find((r) => r.kind === 'settings')!.changed).toBe(true);
    const docs = await e.sync.handlers['sync.downDocs']({});
    expect(docs.find((d) => d.kind === 'settings')!.data).toEqual({ retentionDays: 60 });
    expect(docs.find((d) => d.kind === 'firmware')!.data).toEqual([
      { version: '1.4.2', sha256: 'ab'.repeat(32), url: 'https://x/fw.bin' },
    ]);
  });
});
