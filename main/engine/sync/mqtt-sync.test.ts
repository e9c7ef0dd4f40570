/**
 * The MQTT uplink through a real mosquitto to the reference receiver's MQTT consumer: a
 * broker restart (SIGKILL, no persistence) mid-stream, and mutual TLS. With a receipt topic,
 * a batch is done only when the receiver says it stored it, so nothing the dead broker
 * swallowed is lost: every reading once, outbox empty.
 */
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createReceiver, type Receiver } from '../../cloud-receiver/receiver';
import { MosquittoBroker } from '../connectors/mqtt/mosquitto-harness';
import { tempDataDir } from '../store/test-fixtures';
import { openSync, readingsBatch, waitUntil } from './test-fixtures';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function expectExactlyOnce(receiver: Receiver, batches: number): void {
  const expected = new Map<string, number[]>();
  for (let b = 0; b < batches; b++) {
    for (const r of readingsBatch(b)) {
      const k = `${r.deviceId}\u0000${r.metric}`;
      expected.set(k, [...(expected.get(k) ?? []), r.ts]);
    }
  }
  for (const [k, ts] of expected) {
    const [deviceId, metric] = k.split('\u0000') as [string, string];
    expect(receiver.store.series(deviceId, metric).ts).toEqual(ts);
  }
  expect(receiver.store.totalReadings()).toBe(batches * 500);
}

describe('MQTT uplink → real mosquitto → reference receiver', () => {
  test('broker SIGKILLed and restarted mid-stream: every reading once, outbox empty', async () => {
    const broker = new MosquittoBroker();
    await broker.start();
    cleanups.push(() => broker.stop());
    const receiver = await createReceiver({
      dbFile: path.join(tempDataDir('receiver'), 'r.sqlite'),
      mqtt: { url: broker.url, topic: 'fieldline/+/raw' },
    });
    cleanups.push(() => receiver.close());
    const e = openSync({ maxBatchReadings: 1000 });
    cleanups.push(() => e.sync.close());
    await e.sync.handlers['sync.addSink']({
      kind: 'mqtt',
      name: 'broker',
      enabled: true,
      config: {
        url: broker.url,
        topic: 'fieldline/{sink}/{kind}',
        receiptTopic: 'fieldline/receipts/{sink}',
        ackTimeoutMs: 1500,
      },
    });
    await waitUntil(() => receiver.mqtt!.subscribed() && e.sync.status()[0]!.connected, 'both connected');
    for (let b = 0; b < 10; b++) e.sync.onIngest(readingsBatch(b));
    await waitUntil(() => receiver.store.totalReadings() > 0, 'first delivery');
    await broker.kill();
    for (let b = 10; b < 30; b++) e.sync.onIngest(readingsBatch(b));
    await new Promise((r) => setTimeout(r, 500));
    expect(e.sync.status()[0]!.connected).toBe(false);
    await broker.start();
    await waitUntil(
      () => receiver.store.totalReadings() >= 30 * 500 && e.sync.status()[0]!.backlog.readings === 0,
      'the backlog to drain after the restart',
      30_000,
    );
    expectExactlyOnce(receiver, 30);
    expect(e.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
    expect(receiver.store.counters.mqttMessages).toBeGreaterThan(0);
  }, 60_000);

  test('mutual TLS to the broker with the client certificate and CA bundle (key sealed at rest)', async () => {
    const broker = new MosquittoBroker({ tls: true });
    await broker.start();
    cleanups.push(() => broker.stop());
    const pki = broker.pki!;
    const mtls = `mqtts://127.0.0.1:${broker.mtlsPort}`;
    const receiver = await createReceiver({
      dbFile: path.join(tempDataDir('receiver'), 'r.sqlite'),
      mqtt: { url: mtls, topic: 'site/#', ca: pki.caPem, cert: pki.clientCert, key: pki.clientKey },
    });
    cleanups.push(() => receiver.close());
    const e = openSync();
    cleanups.push(() => e.sync.close());
    const added = await e.sync.handlers['sync.addSink']({
      kind: 'mqtt',
      name: 'mtls',
      enabled: true,
      config: {
        url: mtls,
        topic: 'site/{sink}',
        caPem: pki.caPem,
        certPem: pki.clientCert,
        keyPem: pki.clientKey,
      },
    });
    // the key is in the secret store, never in the sink's saved config
    const saved = await e.sync.handlers['sync.getSink']({ id: added.id });
    expect(saved.config.keyPem).toBe('<stored>');
    expect(JSON.stringify(e.db.prepare('SELECT config FROM sync_sinks').all())).not.toContain('PRIVATE KEY');
    for (let b = 0; b < 5; b++) e.sync.onIngest(readingsBatch(b));
    await waitUntil(
      () => receiver.store.totalReadings() >= 2500 && e.sync.status()[0]!.backlog.readings === 0,
      'delivery over mutual TLS',
    );
    expectExactlyOnce(receiver, 5);
  }, 60_000);
});
