/**
 * Conformance with the official CloudEvents JS SDK (`cloudevents` v10) as the receiver: the
 * HTTP sink's structured batches read through `HTTP.toEvent` (batch mode,
 * application/cloudevents-batch+json, each event validated by the SDK), and the MQTT sink's
 * structured content mode through a real mosquitto read by `MQTT.toEvent` (mqtt-protocol-
 * binding.md §3.2: Content Type application/cloudevents+json, one JSON-format event per
 * message), then `validate()`. Every reading must arrive, and source/id be as specified;
 * the reference receiver on the same broker stores structured mode too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type CloudEvent, HTTP, MQTT, type MQTTMessage } from 'cloudevents';
import mqtt from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { createReceiver } from '../../cloud-receiver/receiver';
import { MosquittoBroker } from '../connectors/mqtt/mosquitto-harness';
import { tempDataDir } from '../store/test-fixtures';
import { openSync, readingsBatch, waitUntil } from './test-fixtures';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Received {
  events: CloudEvent<unknown>[];
  errors: string[];
}

/** Readings out of the SDK's events, once per (source, id): `ts` is first absolute, then deltas. */
function readingsOf(events: readonly CloudEvent<unknown>[]): Map<string, number[]> {
  const seen = new Set<string>();
  const out = new Map<string, number[]>();
  for (const e of events) {
    if (e.type !== 'io.fieldline.readings.v1' || seen.has(`${e.source}\n${e.id}`)) continue;
    seen.add(`${e.source}\n${e.id}`);
    const d = e.data as { deviceId: string; metric: string; ts: number[] };
    const k = `${d.deviceId}/${d.metric}`;
    const list = out.get(k) ?? [];
    let t = 0;
    d.ts.forEach((x, i) => {
      t = i === 0 ? x : t + x;
      list.push(t);
    });
    out.set(k, list);
  }
  return out;
}

function ingested(batches: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let b = 0; b < batches; b++) {
    for (const r of readingsBatch(b)) {
      const k = `${r.deviceId}/${r.metric}`;
      out.set(k, [...(out.get(k) ?? []), r.ts]);
    }
  }
  return out;
}

const count = (m: Map<string, number[]>) => [...m.values()].reduce((n, ts) => n + ts.length, 0);

function expectSourceAndIds(events: readonly CloudEvent<unknown>[], installationId: string): void {
  for (const e of events) {
    expect(e.specversion).toBe('1.0');
    expect(e.source).toBe(`urn:fieldline:installation:${installationId}`);
    // ids from the installation's outbox sequence: e<seq> for an event, r<first>-<last>-<n> for
    // readings, u<first>-<last>-<n> for rollups (README, "The HTTP contract")
    expect(e.id).toMatch(/^(e\d+|[ru]\d+-\d+-\d+)$/);
  }
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
}

describe('the official CloudEvents SDK reads what Fieldline sends', () => {
  test('HTTP sink: every batch parses with HTTP.toEvent (batch mode), every event validates, every reading arrives', async () => {
    const got: Received = { events: [], errors: [] };
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = gunzipSync(Buffer.concat(chunks)).toString('utf8');
          // batch mode: the SDK makes each element a strict (validated) CloudEvent
          const parsed = HTTP.toEvent({ headers: req.headers as Record<string, string>, body });
          if (!Array.isArray(parsed)) throw new Error('not read as a batch');
          got.events.push(...(parsed as CloudEvent<unknown>[]));
          res.writeHead(200).end('{}');
        } catch (error) {
          got.errors.push(String(error));
          res.writeHead(400).end(JSON.stringify({ error: String(error) }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const e = openSync({ maxBatchReadings: 1000 });
    cleanups.push(() => e.sync.close());
    // metered: the 1-minute rollup events go first and must validate too
    e.sync.handlers['sync.configure']({ metered: true });
    await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'sdk',
      enabled: true,
      config: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events` },
    });
    e.sync.enqueueEvent('io.fieldline.audit.v1', 'gateway', { action: 'first' });
    for (let b = 0; b < 10; b++) e.sync.onIngest(readingsBatch(b));
    e.sync.enqueueEvent('io.fieldline.audit.v1', 'gateway', { action: 'last' });
    await waitUntil(
      () => count(readingsOf(got.events)) >= 5000 && e.sync.status()[0]!.backlog.events === 0,
      'every reading at the SDK receiver',
    );
    expect(got.errors).toEqual([]);
    for (const ev of got.events) expect(ev.validate()).toBe(true);
    const rollups = got.events.filter((x) => x.type === 'io.fieldline.rollups.1m.v1');
    expect(rollups.length).toBeGreaterThan(0);
    expect(rollups.every((x) => /^u\d+-\d+-\d+$/.test(x.id))).toBe(true);
    expectSourceAndIds(got.events, e.sync.installation.id);
    expect(readingsOf(got.events)).toEqual(ingested(10));
    const audit = got.events.filter((x) => x.type === 'io.fieldline.audit.v1');
    expect(audit.map((x) => [x.id, x.subject, x.data])).toEqual([
      ['e1', 'gateway', { action: 'first' }],
      [`e${audit[1]!.id.slice(1)}`, 'gateway', { action: 'last' }],
    ]);
    expect(e.sync.status()[0]!.parked).toBe(0);
  });

  test('MQTT sink, structured content mode: one application/cloudevents+json event per message, read by MQTT.toEvent', async () => {
    const broker = new MosquittoBroker();
    await broker.start();
    cleanups.push(() => broker.stop());
    const got: Received = { events: [], errors: [] };
    const contentTypes = new Set<string>();
    const consumer = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 200 });
    cleanups.push(() => new Promise<void>((r) => consumer.end(true, {}, () => r())));
    let subscribed = false;
    consumer.on('connect', () =>
      consumer.subscribe('fieldline/#', { qos: 1 }, (error) => {
        subscribed = !error;
      }),
    );
    consumer.on('message', (_topic, payload, packet) => {
      const contentType = packet.properties?.contentType ?? '';
      contentTypes.add(contentType);
      const message: MQTTMessage<string> = {
        PUBLISH: { 'Content Type': contentType },
        body: payload.toString('utf8'),
        payload: payload.toString('utf8'),
        headers: {},
        'User Properties': {},
      };
      try {
        const event = MQTT.toEvent(message) as CloudEvent<unknown>;
        event.validate();
        got.events.push(event);
      } catch (error) {
        got.errors.push(String(error));
      }
    });
    // the reference receiver on the same broker takes structured mode too
    const receiver = await createReceiver({
      dbFile: path.join(tempDataDir('receiver'), 'r.sqlite'),
      mqtt: { url: broker.url, topic: 'fieldline/#' },
    });
    cleanups.push(() => receiver.close());
    await waitUntil(
      () => subscribed && receiver.mqtt!.subscribed(),
      'the SDK consumer and the receiver to subscribe',
    );

    const e = openSync({ maxBatchReadings: 1000 });
    cleanups.push(() => e.sync.close());
    // receipts belong to batch mode: asking for both is refused with a reason
    await expect(
      Promise.resolve().then(() =>
        e.sync.handlers['sync.addSink']({
          kind: 'mqtt',
          name: 'both',
          enabled: true,
          config: { url: broker.url, topic: 't', contentMode: 'structured', receiptTopic: 'r' },
        }),
      ),
    ).rejects.toThrow(/receipts work with batch mode only/);
    const sink = await e.sync.handlers['sync.addSink']({
      kind: 'mqtt',
      name: 'sdk',
      enabled: true,
      config: { url: broker.url, topic: 'fieldline/{sink}/{kind}', contentMode: 'structured' },
    });
    await waitUntil(() => e.sync.status()[0]!.connected, 'the sink to connect');
    e.sync.enqueueEvent('io.fieldline.audit.v1', 'gateway', { action: 'first' });
    for (let b = 0; b < 10; b++) e.sync.onIngest(readingsBatch(b));
    await waitUntil(
      () => count(readingsOf(got.events)) >= 5000 && e.sync.status()[0]!.backlog.readings === 0,
      'every reading at the SDK consumer',
    );
    expect(got.errors).toEqual([]);
    // §3.2.1: the MQTT 5 Content Type is the JSON event format's media type
    expect([...contentTypes]).toEqual(['application/cloudevents+json; charset=utf-8']);
    expectSourceAndIds(got.events, e.sync.installation.id);
    expect(readingsOf(got.events)).toEqual(ingested(10));
    expect(got.events.find((x) => x.id === 'e1')?.data).toEqual({ action: 'first' });
    expect(e.sync.status()[0]!.delivered.readings).toBe(5000);
    expect(sink.id).toContain(e.sync.installation.id);
    await waitUntil(
      () => receiver.store.totalReadings() === 5000,
      'the reference receiver to hold every reading',
    );
    expect(receiver.store.counters.rejectedBatches).toBe(0);
    expect(receiver.store.events().map((x) => [x.source, x.id])).toEqual([
      [`urn:fieldline:installation:${e.sync.installation.id}`, 'e1'],
    ]);
    // hostile structured-mode messages are refused and counted, never stored or a crash
    for (const bad of [
      'not json',
      '{"specversion":"1.0"}',
      '{"specversion":"1.0","id":"a","source":"s","type":"t"},{}',
    ]) {
      consumer.publish('fieldline/hostile', bad, {
        qos: 1,
        properties: { contentType: 'application/cloudevents+json; charset=utf-8' },
      });
    }
    await waitUntil(() => receiver.store.counters.rejectedBatches === 3, 'the hostile messages refused');
    expect(receiver.store.totalReadings()).toBe(5000);
    expect(receiver.store.events()).toHaveLength(1);
  }, 60_000);
});
