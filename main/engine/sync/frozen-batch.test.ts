/**
 * Issue 16, "Idempotency keys that change on retry": a batch is frozen the first time it
 * goes on the wire, and every retry sends the same bytes under the same Idempotency-Key,
 * even when rows arrived while the sink backed off (they go in the next batch). The
 * receivers here trust the key alone (key-dedup-receiver.ts), so a batch that grew or
 * changed on retry shows up as readings stored twice. The restart case (SIGKILL between
 * attempts) is in crash-sync.test.ts.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import mqtt from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { MosquittoBroker } from '../connectors/mqtt/mosquitto-harness';
import { ROLLUPS_EVENT_TYPE } from './cloudevents';
import { createKeyDedupReceiver, expectedSeries, KeyDedupStore } from './key-dedup-receiver';
import { openSync, readingsBatch, waitUntil } from './test-fixtures';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Engine = ReturnType<typeof openSync>;

function ingest(e: Engine, from: number, batches: number): void {
  for (let b = from; b < from + batches; b++) e.sync.onIngest(readingsBatch(b));
}

function openEngine(): Engine {
  const e = openSync({ maxBatchReadings: 1000 });
  cleanups.push(() => e.sync.close());
  return e;
}

const drained = (e: Engine) =>
  waitUntil(
    () => e.sync.status()[0]!.backlog.readings === 0 && e.sync.status()[0]!.backlog.events === 0,
    'the backlog to drain',
  );

const eventsOf = (gzipped: Buffer) =>
  JSON.parse(gunzipSync(gzipped).toString('utf8')) as { id: string; type: string }[];

describe('frozen batches over HTTP (receiver on 127.0.0.1 that dedups on the key alone)', () => {
  test('503 on the first attempt, rows arriving during the backoff: the retry is byte-identical under the same key, the new rows go next', async () => {
    let e!: Engine;
    const receiver = await createKeyDedupReceiver((n) => {
      if (n !== 0) return undefined;
      // batches 1..4 reach the outbox before the sink even learns that its batch failed
      ingest(e, 1, 4);
      return { status: 503, retryAfterS: 1 };
    });
    cleanups.push(() => receiver.close());
    e = openEngine();
    await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'cloud',
      enabled: true,
      config: { url: receiver.url },
    });
    ingest(e, 0, 1);
    e.sync.enqueueEvent('io.fieldline.audit.v1', 'dev-0', { action: 'renamed' });
    await drained(e);

    const [first, retry, next] = receiver.requests;
    expect(retry!.key).toBe(first!.key);
    expect(retry!.body.equals(first!.body)).toBe(true);
    // the frozen batch is batch 0 and the audit event, nothing of what came later
    const frozen = eventsOf(first!.body);
    expect(frozen.filter((x) => x.type === 'io.fieldline.audit.v1')).toHaveLength(1);
    expect(receiver.store.batches.get(first!.key)!.length).toBe(frozen.length);
    expect(next!.key).not.toBe(first!.key);
    expect(eventsOf(next!.body).some((x) => x.type === 'io.fieldline.audit.v1')).toBe(false);
    expect(receiver.store.readings()).toEqual(expectedSeries(5));
    expect(receiver.store.eventIds()).toHaveLength(1);
  });

  test('stored, then the connection reset before the answer, rows arriving meanwhile: every reading exactly once', async () => {
    let e!: Engine;
    const receiver = await createKeyDedupReceiver((n) => {
      if (n !== 0) return undefined;
      ingest(e, 1, 9);
      return 'store-then-reset';
    });
    cleanups.push(() => receiver.close());
    e = openEngine();
    await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'cloud',
      enabled: true,
      config: { url: receiver.url },
    });
    ingest(e, 0, 1);
    await drained(e);
    await waitUntil(() => (receiver.store.readings().get('dev-0/m0')?.length ?? 0) >= 100, 'all stored');
    const [first, retry] = receiver.requests;
    expect(retry!.key).toBe(first!.key);
    expect(retry!.body.equals(first!.body)).toBe(true);
    expect(receiver.store.readings()).toEqual(expectedSeries(10));
  });

  test('metered link: a failed rollup batch is retried byte-identical under the same key', async () => {
    let e!: Engine;
    const receiver = await createKeyDedupReceiver((n) => {
      if (n !== 0) return undefined;
      ingest(e, 1, 4);
      return { status: 503, retryAfterS: 1 };
    });
    cleanups.push(() => receiver.close());
    e = openEngine();
    e.sync.handlers['sync.configure']({ metered: true });
    await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'cloud',
      enabled: true,
      config: { url: receiver.url },
    });
    ingest(e, 0, 1);
    await drained(e);
    const [first, retry] = receiver.requests;
    expect(eventsOf(first!.body).every((x) => x.type === ROLLUPS_EVENT_TYPE)).toBe(true);
    expect(retry!.key).toBe(first!.key);
    expect(retry!.body.equals(first!.body)).toBe(true);
    // raw readings follow the rollups, each once
    expect(receiver.store.readings()).toEqual(expectedSeries(5));
  });
});

describe('frozen batches over MQTT (real mosquitto, receipts from a consumer that dedups on the key alone)', () => {
  test('a batch whose receipt says it failed goes again with the same payload, user property key and correlation data', async () => {
    const broker = new MosquittoBroker();
    await broker.start();
    cleanups.push(() => broker.stop());
    const store = new KeyDedupStore();
    const seen: { payload: Buffer; key: string; correlation: string }[] = [];
    let e!: Engine;
    const consumer = mqtt.connect(broker.url, { protocolVersion: 5, clean: true });
    cleanups.push(() => new Promise<void>((r) => consumer.end(true, {}, () => r())));
    await new Promise<void>((resolve, reject) =>
      consumer.on('connect', () =>
        consumer.subscribe('fieldline/+/raw', { qos: 1 }, (error) => (error ? reject(error) : resolve())),
      ),
    );
    consumer.on('message', (_topic, payload, packet) => {
      const key = String(packet.properties?.userProperties?.['idempotency-key'] ?? '');
      const correlation = packet.properties?.correlationData ?? Buffer.alloc(0);
      seen.push({ payload, key, correlation: correlation.toString('utf8') });
      let status = 'stored';
      if (seen.length === 1) {
        ingest(e, 1, 4);
        status = 'unavailable';
      } else if (!store.store(key, payload)) status = 'duplicate';
      consumer.publish(packet.properties!.responseTopic!, JSON.stringify({ key, status }), {
        qos: 1,
        properties: { correlationData: correlation },
      });
    });
    e = openEngine();
    await e.sync.handlers['sync.addSink']({
      kind: 'mqtt',
      name: 'broker',
      enabled: true,
      config: {
        url: broker.url,
        topic: 'fieldline/{sink}/{kind}',
        receiptTopic: 'fieldline/receipts/{sink}',
        ackTimeoutMs: 3000,
      },
    });
    await waitUntil(() => e.sync.status()[0]!.connected, 'the sink connected');
    ingest(e, 0, 1);
    await drained(e);
    const [first, retry] = seen;
    expect(retry!.key).toBe(first!.key);
    expect(retry!.correlation).toBe(first!.key);
    expect(retry!.payload.equals(first!.payload)).toBe(true);
    expect(store.readings()).toEqual(expectedSeries(5));
  }, 30_000);

  test('structured mode: a batch without its PUBACKs in time goes again with the same event ids and bytes', async () => {
    const broker = new MosquittoBroker();
    await broker.start();
    cleanups.push(() => broker.stop());
    // a consumer built on the CloudEvents SDKs dedups on source + id (MQTT binding §3.1.1)
    const byId = new Map<string, string[]>();
    const consumer = mqtt.connect(broker.url, { protocolVersion: 5, clean: true });
    cleanups.push(() => new Promise<void>((r) => consumer.end(true, {}, () => r())));
    await new Promise<void>((resolve, reject) =>
      consumer.on('connect', () =>
        consumer.subscribe('fieldline/+/raw', { qos: 1 }, (error) => (error ? reject(error) : resolve())),
      ),
    );
    consumer.on('message', (_topic, payload) => {
      const event = JSON.parse(payload.toString('utf8')) as { source: string; id: string };
      const k = `${event.source} ${event.id}`;
      byId.set(k, [...(byId.get(k) ?? []), payload.toString('utf8')]);
    });
    const e = openEngine();
    await e.sync.handlers['sync.addSink']({
      kind: 'mqtt',
      name: 'sdk',
      enabled: true,
      config: {
        url: broker.url,
        topic: 'fieldline/{sink}/{kind}',
        contentMode: 'structured',
        ackTimeoutMs: 600,
      },
    });
    await waitUntil(() => e.sync.status()[0]!.connected, 'the sink connected');
    // a frozen broker: the messages sit in its socket, no PUBACK comes back in time
    const pid = broker.pid!;
    process.kill(pid, 'SIGSTOP');
    cleanups.push(() => {
      process.kill(pid, 'SIGCONT');
    });
    ingest(e, 0, 1);
    await waitUntil(() => e.sync.status()[0]!.retries >= 1, 'the first attempt timed out');
    ingest(e, 1, 4);
    await waitUntil(() => e.sync.status()[0]!.retries >= 2, 'the retry timed out too');
    process.kill(pid, 'SIGCONT');
    await drained(e);
    const deduped = () => {
      const once = new KeyDedupStore();
      for (const [k, [first]] of byId) once.store(k, gzipSync(`[${first}]`));
      return once.readings();
    };
    const received = () => [...deduped().values()].reduce((n, ts) => n + ts.length, 0);
    await waitUntil(() => received() >= 5 * 500, 'every event at the consumer');

    // each id of the frozen batch came more than once, and always with the same bytes
    expect(Math.max(...[...byId.values()].map((copies) => copies.length))).toBeGreaterThanOrEqual(2);
    for (const copies of byId.values()) expect(new Set(copies).size).toBe(1);
    expect(deduped()).toEqual(expectedSeries(5));
  }, 30_000);
});
