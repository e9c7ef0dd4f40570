/**
 * The MQTT connector against a real mosquitto on 127.0.0.1: JSON topic templates,
 * Sparkplug B with aliases, TLS and mutual TLS, a broker killed and restarted, a
 * persistent session's QoS 1 backlog deduplicated by a real ReadingStore.
 */
import { execFileSync } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../../common/reading';
import { openStore, silent } from '../../store/test-fixtures';
import { MosquittoBroker, sleep, waitFor } from './mosquitto-harness';
import {
  createMqttConnector,
  MAX_TOPICS,
  type MqttConnector,
  MqttConnectorConfigSchema,
} from './mqtt-connector';
import { sparkplugCodec } from './sparkplug';
import { RecordingSink } from './test-sink';

const T0 = Date.UTC(2026, 0, 1);
const brokers: MosquittoBroker[] = [];
const connectors: MqttConnector[] = [];
const clients: MqttClient[] = [];
let broker: MosquittoBroker;

async function publisher(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 100, ...options });
  clients.push(c);
  return c;
}

function connector(sink: RecordingSink, config: Partial<Parameters<typeof createMqttConnector>[0]> = {}) {
  const c = createMqttConnector(
    {
      id: 'mqtt-test',
      url: broker.url,
      subscriptions: [{ topicTemplate: 'plant/{site}/{deviceId}/{metric}' }],
      reconnectMinMs: 50,
      reconnectMaxMs: 400,
      ...config,
    },
    sink,
    silent,
  );
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  broker = new MosquittoBroker({ tls: true });
  brokers.push(broker);
  await broker.start();
}, 60_000);

afterAll(async () => {
  for (const c of connectors) await c.stop().catch(() => {});
  for (const c of clients) await c.endAsync(true).catch(() => {});
  for (const b of brokers) await b.stop();
  for (const b of brokers) {
    // pgrep exits 1 when nothing matches: every broker we started is gone
    const left = (() => {
      try {
        return execFileSync('pgrep', ['-f', b.dir], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })();
    expect(left, `mosquitto still running for ${b.dir}`).toBe('');
  }
}, 30_000);

describe('config', () => {
  it('validates the schema and fills defaults', () => {
    const c = MqttConnectorConfigSchema.parse({
      id: 'a',
      url: 'mqtts://broker.example:8883',
      subscriptions: [{ topicTemplate: 'x/{deviceId}' }],
    });
    expect(c).toMatchObject({ qos: 1, clean: true, rejectUnauthorized: true, protocolVersion: 5 });
    expect(() => MqttConnectorConfigSchema.parse({ id: 'a', url: 'http://x', sparkplug: {} })).toThrow();
    expect(() => MqttConnectorConfigSchema.parse({ id: 'a', url: 'mqtt://x' })).toThrow(/sparkplug/);
    expect(() =>
      MqttConnectorConfigSchema.parse({ id: 'a', url: 'mqtt://x', sparkplug: {}, cert: 'x' }),
    ).toThrow(/cert and key/);
  });
});

describe('MQTT 5 features', () => {
  it('shared subscriptions split one stream between two hosts; topic aliases from a publisher resolve', async () => {
    const a = new RecordingSink();
    const b = new RecordingSink();
    const ca = connector(a, { id: 'share-a', shareGroup: 'site', userProperties: { site: 'north' } });
    const cb = connector(b, { id: 'share-b', shareGroup: 'site' });
    ca.start();
    cb.start();
    await waitFor(
      () => ca.status().state === 'connected' && cb.status().state === 'connected',
      'both connected',
    );
    const pub = await publisher(broker.url, { properties: { topicAliasMaximum: 10 } });
    for (let i = 0; i < 40; i++) {
      // after the first message the publisher sends only the alias, not the topic
      await pub.publishAsync(
        i === 0 ? 'plant/north/shared-1/temp' : '',
        JSON.stringify({ ts: T0 + i, value: i }),
        {
          qos: 1,
          properties: { topicAlias: 3 },
        },
      );
    }
    await waitFor(() => a.all.length + b.all.length >= 40, 'all 40 delivered once between the two');
    await sleep(200);
    expect(a.all.length + b.all.length).toBe(40);
    expect(a.all.length).toBeGreaterThan(0);
    expect(b.all.length).toBeGreaterThan(0);
    for (const r of [...a.all, ...b.all]) expect(r).toMatchObject({ deviceId: 'shared-1', metric: 'temp' });
    expect(() =>
      MqttConnectorConfigSchema.parse({ id: 'x', url: 'mqtt://h', sparkplug: {}, shareGroup: 'a/b' }),
    ).toThrow(/share group/);
  });
});

describe('JSON topic templates', () => {
  it('turns messages into readings and announces devices', async () => {
    const sink = new RecordingSink();
    const c = connector(sink, {
      subscriptions: [
        { topicTemplate: 'plant/{site}/{deviceId}/{metric}', fixed: { site: 'north' } },
        { topicTemplate: 'meters/{deviceId}' },
      ],
    });
    c.start();
    await waitFor(() => c.status().state === 'connected', 'connected');
    const pub = await publisher(broker.url);
    await pub.publishAsync('plant/north/pump-1/temp', JSON.stringify({ ts: T0, seq: 7, value: 21.5 }), {
      qos: 1,
    });
    await pub.publishAsync('plant/north/pump-1/flow', '3.25', { qos: 1 });
    await pub.publishAsync('plant/south/pump-9/temp', '1', { qos: 1 }); // not subscribed
    await pub.publishAsync('meters/m-1', JSON.stringify({ ts: T0 + 1, v: null }), { qos: 1 });
    await pub.publishAsync('plant/north/pump-1/temp', 'not json', { qos: 1 });
    await waitFor(() => sink.all.length >= 3 && c.status().decodeErrors >= 1, 'readings');
    const temp = sink.all.find((r) => r.metric === 'temp')!;
    expect(temp).toMatchObject({
      deviceId: 'pump-1',
      ts: T0,
      value: 21.5,
      seq: 7,
      quality: 'good',
      source: 'mqtt-test',
    });
    expect(sink.all.find((r) => r.metric === 'flow')).toMatchObject({ deviceId: 'pump-1', value: 3.25 });
    expect(sink.all.find((r) => r.deviceId === 'm-1')).toMatchObject({
      metric: 'value',
      value: null,
      quality: 'null',
    });
    expect(sink.all.some((r) => r.deviceId === 'pump-9')).toBe(false);
    expect(sink.devices.map((d) => d.id).sort()).toEqual(['m-1', 'pump-1']);
    expect(sink.devices[0]).toMatchObject({
      kind: 'mqtt device',
      profile: '',
      transport: 'mqtt',
      connectorId: 'mqtt-test',
    });
    const s = c.status();
    expect(s).toMatchObject({ messagesIn: 4, readingsIn: 3, decodeErrors: 1, devices: 2 });
    expect(s.lastError).toMatch(/not JSON/);
    const topics = c.topics();
    const t = topics.find((x) => x.topic === 'plant/north/pump-1/temp')!;
    expect(t.messages).toBe(2);
    expect(Buffer.from(t.preview).toString()).toBe('not json');
    await c.stop();
    expect(c.status().state).toBe('disconnected');
  });

  it('keeps a bounded topic table with 256-byte previews and publishes', async () => {
    const sink = new RecordingSink();
    const c = connector(sink, { subscriptions: [{ topicTemplate: 'many/{deviceId}' }], qos: 0 });
    c.start();
    await waitFor(() => c.status().state === 'connected', 'connected');
    const total = MAX_TOPICS + 200;
    for (let i = 0; i < total; i++)
      await c.publish(`many/d${i}`, i === total - 1 ? 'x'.repeat(1000) : '1', { qos: 0 });
    await waitFor(() => c.status().messagesIn >= total, `${total} messages`, 20_000);
    const topics = c.topics();
    expect(topics.length).toBe(MAX_TOPICS);
    expect(topics.some((t) => t.topic === 'many/d0')).toBe(false);
    const last = topics.find((t) => t.topic === `many/d${total - 1}`)!;
    expect(last.preview.length).toBe(256);
    expect(last.lastSize).toBe(1000);
    await c.stop();
  }, 30_000);
});

describe('Sparkplug B', () => {
  const sp = sparkplugCodec();
  const enc = (p: object) => Buffer.from(sp.encodePayload(p));

  it('decodes NBIRTH/DBIRTH/DDATA with aliases, tracks seq, bdSeq and DEATH', async () => {
    const sink = new RecordingSink();
    const c = connector(sink, { subscriptions: [], sparkplug: { groupId: 'G1' } });
    c.start();
    await waitFor(() => c.status().state === 'connected', 'connected');
    const pub = await publisher(broker.url);
    const ncmd: Buffer[] = [];
    await pub.subscribeAsync('spBv1.0/G1/NCMD/#', { qos: 1 });
    pub.on('message', (topic, payload) => {
      if (topic.includes('/NCMD/')) ncmd.push(payload);
    });
    const send = (topic: string, p: object) => pub.publishAsync(`spBv1.0/G1/${topic}`, enc(p), { qos: 1 });
    await send('NBIRTH/edge1', {
      timestamp: T0,
      seq: 0,
      metrics: [
        { name: 'bdSeq', type: 'UInt64', value: 3 },
        { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
        { name: 'cpu', alias: 1, type: 'Float', value: 12.5, timestamp: T0 },
      ],
    });
    await send('DBIRTH/edge1/press-1', {
      timestamp: T0,
      seq: 1,
      metrics: [
        { name: 'pressure', alias: 10, type: 'Double', value: 1.5, timestamp: T0 },
        { name: 'running', alias: 11, type: 'Boolean', value: true, timestamp: T0 },
        { name: 'label', alias: 12, type: 'String', value: 'ignored', timestamp: T0 },
        { name: 'count', alias: 13, type: 'Int64', value: 42, timestamp: T0 },
      ],
    });
    await send('DDATA/edge1/press-1', {
      timestamp: T0 + 1000,
      seq: 2,
      metrics: [
        { alias: 10, type: 'Double', value: 2.25, timestamp: T0 + 900 },
        { alias: 13, type: 'Int64', value: 43 },
      ],
    });
    await send('NDATA/edge1', {
      timestamp: T0 + 2000,
      seq: 3,
      metrics: [{ alias: 1, type: 'Float', value: 50 }],
    });
    await waitFor(() => sink.all.length >= 7, 'sparkplug readings');
    const dev = 'G1:edge1:press-1';
    const of = (metric: string, deviceId = dev) =>
      sink.all.filter((r) => r.deviceId === deviceId && r.metric === metric);
    expect(of('pressure').map((r) => [r.ts, r.value])).toEqual([
      [T0, 1.5],
      [T0 + 900, 2.25],
    ]);
    expect(of('count').map((r) => [r.ts, r.value])).toEqual([
      [T0, 42],
      [T0 + 1000, 43],
    ]);
    expect(of('running').map((r) => r.value)).toEqual([1]);
    expect(of('label')).toEqual([]);
    expect(of('cpu', 'G1:edge1').map((r) => [r.ts, r.value])).toEqual([
      [T0, 12.5],
      [T0 + 2000, 50],
    ]);
    expect(sink.all.some((r) => r.metric === 'bdSeq' || r.metric.startsWith('Node Control'))).toBe(false);
    expect(sink.devices.map((d) => [d.id, d.kind])).toEqual([
      ['G1:edge1', 'sparkplug device'],
      [dev, 'sparkplug device'],
    ]);
    expect(c.status().decodeErrors).toBe(0);
    expect(c.sparkplugOnline(dev)).toBe(true);

    // a seq gap is counted; an unknown alias is an error and asks the node for a rebirth
    await send('DDATA/edge1/press-1', {
      timestamp: T0 + 3000,
      seq: 9,
      metrics: [{ alias: 99, type: 'Double', value: 1 }],
    });
    await waitFor(() => c.status().decodeErrors >= 2, 'seq gap and alias errors');
    await waitFor(() => ncmd.length >= 1, 'rebirth request');
    const rebirth = sp.decodePayload(ncmd[0]!);
    expect(rebirth.metrics?.[0]).toMatchObject({ name: 'Node Control/Rebirth', value: true });

    // a stale NDEATH (older bdSeq) is ignored; the current one takes node and devices offline
    await send('NDEATH/edge1', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 2 }] });
    await sleep(200);
    expect(c.sparkplugOnline('G1:edge1')).toBe(true);
    await send('NDEATH/edge1', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 3 }] });
    await waitFor(() => c.sparkplugOnline('G1:edge1') === false, 'node offline');
    expect(c.sparkplugOnline(dev)).toBe(false);
    expect(c.status().detail).toMatch(/nodes 0 online \/ 1 offline, devices 0 online \/ 1 offline/);

    // a new birth brings it back, a DDEATH takes only the device down
    await send('NBIRTH/edge1', {
      timestamp: T0 + 5000,
      seq: 0,
      metrics: [{ name: 'bdSeq', type: 'UInt64', value: 4 }],
    });
    await send('DBIRTH/edge1/press-1', {
      timestamp: T0 + 5000,
      seq: 1,
      metrics: [{ name: 'pressure', alias: 10, type: 'Double', value: 3 }],
    });
    await waitFor(() => c.sparkplugOnline(dev) === true, 'device online again');
    await send('DDEATH/edge1/press-1', { timestamp: T0 + 6000, seq: 2 });
    await waitFor(() => c.sparkplugOnline(dev) === false, 'device offline');
    expect(c.sparkplugOnline('G1:edge1')).toBe(true);
    await c.stop();
  });
});

describe('hostile publishers', () => {
  it('counts garbage on the wire as decode errors and keeps going', async () => {
    const sink = new RecordingSink();
    const c = connector(sink, { sparkplug: {}, qos: 0 });
    c.start();
    await waitFor(() => c.status().state === 'connected', 'connected');
    const pub = await publisher(broker.url);
    let seed = 7;
    const bytes = (n: number) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        b[i] = seed >>> 24;
      }
      return b;
    };
    const topics = [
      'plant/a/x/t',
      'spBv1.0/G/NDATA/e',
      'spBv1.0/G/DDATA/e/d',
      'spBv1.0/G/NBIRTH/e',
      'spBv1.0/bad',
    ];
    for (let i = 0; i < 300; i++)
      await pub.publishAsync(topics[i % topics.length]!, bytes(i % 97), { qos: 0 });
    await pub.publishAsync('plant/a/x/t', Buffer.alloc(2 * 1024 * 1024, 0x20), { qos: 0 });
    await pub.publishAsync('spBv1.0/G/NDATA/e', Buffer.alloc(2 * 1024 * 1024, 0x12), { qos: 0 });
    await pub.publishAsync('plant/a/x/t', `${'['.repeat(50_000)}`, { qos: 0 });
    await pub.publishAsync('plant/a/ok/t', JSON.stringify({ ts: T0, value: 1 }), { qos: 0 });
    await waitFor(() => sink.all.some((r) => r.deviceId === 'ok'), 'the good message after the garbage');
    const s = c.status();
    expect(s.state).toBe('connected');
    expect(s.messagesIn).toBe(304);
    expect(s.decodeErrors).toBeGreaterThan(250);
    await c.stop();
  });
});

describe('TLS', () => {
  const connected = async (config: Partial<Parameters<typeof createMqttConnector>[0]>) => {
    const sink = new RecordingSink();
    const c = connector(sink, {
      reconnectMinMs: 200,
      reconnectMaxMs: 1000,
      connectTimeoutMs: 3000,
      ...config,
    });
    c.start();
    const deadline = Date.now() + 3000;
    // until connected, or the first attempt failed (TLS alert, verification error, close)
    while (Date.now() < deadline && c.status().state !== 'connected') {
      if (sink.states().some((s) => s === 'error' || s === 'disconnected')) break;
      await sleep(25);
    }
    const ok = c.status().state === 'connected';
    const status = c.status();
    await c.stop();
    return { ok, status, states: sink.states() };
  };

  it('connects over TLS with the project CA, and refuses a broker it cannot verify', async () => {
    const pki = broker.pki!;
    expect((await connected({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca: pki.caPem })).ok).toBe(true);
    const unverified = await connected({ url: `mqtts://127.0.0.1:${broker.tlsPort}` });
    expect(unverified.ok).toBe(false);
    expect(unverified.states).toContain('error');
    expect(unverified.status.lastError).toMatch(/certificate/i);
  });

  it('does mutual TLS: a client certificate from the CA connects, none or a stranger is refused', async () => {
    const pki = broker.pki!;
    const url = `mqtts://127.0.0.1:${broker.mtlsPort}`;
    const good = await connected({ url, ca: pki.caPem, cert: pki.clientCert, key: pki.clientKey });
    expect(good.ok).toBe(true);
    const none = await connected({ url, ca: pki.caPem });
    expect(none.ok).toBe(false);
    const stranger = await connected({ url, ca: pki.caPem, cert: pki.strangerCert, key: pki.strangerKey });
    expect(stranger.ok).toBe(false);
  });

  it('moves readings over mutual TLS', async () => {
    const pki = broker.pki!;
    const sink = new RecordingSink();
    const c = connector(sink, {
      url: `mqtts://127.0.0.1:${broker.mtlsPort}`,
      ca: pki.caPem,
      cert: pki.clientCert,
      key: pki.clientKey,
      subscriptions: [{ topicTemplate: 'secure/{deviceId}/{metric}' }],
    });
    c.start();
    await waitFor(() => c.status().state === 'connected', 'connected');
    const pub = await publisher(`mqtts://127.0.0.1:${broker.mtlsPort}`, {
      ca: pki.caPem,
      cert: pki.clientCert,
      key: pki.clientKey,
    });
    await pub.publishAsync('secure/s1/t', JSON.stringify({ ts: T0, value: 5 }), { qos: 1 });
    await waitFor(() => sink.all.length === 1, 'reading over mTLS');
    expect(sink.all[0]).toMatchObject({ deviceId: 's1', metric: 't', value: 5 });
    await c.stop();
  });
});

describe('broker restarts', () => {
  it('reconnects after the broker is killed and restarted, and data continues', async () => {
    const own = new MosquittoBroker();
    brokers.push(own);
    await own.start();
    const sink = new RecordingSink();
    const c = connector(sink, { url: own.url, qos: 0 });
    c.start();
    await waitFor(() => c.status().state === 'connected', 'connected');
    const pub = await publisher(own.url);
    await pub.publishAsync('plant/a/d1/t', JSON.stringify({ ts: T0, value: 1 }), { qos: 0 });
    await waitFor(() => sink.all.length === 1, 'first reading');
    await own.kill();
    await waitFor(() => c.status().state !== 'connected', 'disconnect noticed');
    await sleep(600); // a few failed attempts: the backoff grows to its cap
    await own.start();
    await waitFor(() => c.status().state === 'connected', 'reconnected', 10_000);
    await waitFor(() => pub.connected, 'publisher reconnected', 10_000);
    await pub.publishAsync('plant/a/d1/t', JSON.stringify({ ts: T0 + 1000, value: 2 }), { qos: 0 });
    await waitFor(() => sink.all.length === 2, 'reading after restart');
    expect(sink.all.map((r) => r.value)).toEqual([1, 2]);
    const states = sink.states();
    expect(states.filter((s) => s === 'connected').length).toBeGreaterThanOrEqual(2);
    // capped exponential backoff between attempts: 50, 100, 200, 400, 400, ...
    const delays = sink.statuses
      .map((s) => /retrying in (\d+) ms/.exec(s.detail)?.[1])
      .filter((d) => d !== undefined)
      .map(Number);
    expect(delays.slice(0, 4)).toEqual([50, 100, 200, 400]);
    expect(Math.max(...delays)).toBe(400);
    // and mqtt.js really waits that long: with a fixed 50 ms period there would be ~12 attempts
    const attempts = sink.statuses.filter((s) => s.detail.startsWith('reconnecting')).length;
    expect(attempts).toBeLessThanOrEqual(7);
    expect(states).toContain('disconnected');
    await c.stop();
    await own.stop();
  }, 30_000);

  it('gets the QoS 1 backlog of a persistent session after reconnecting; the store keeps duplicates once', async () => {
    const { store, db } = openStore();
    let duplicates = 0;
    let stored = 0;
    const sink = new RecordingSink();
    sink.onDevice = (d) => store.upsertDevice(d);
    sink.onReadings = (batch: Reading[]) => {
      const r = store.insertBatch(batch);
      duplicates += r.duplicates;
      stored += r.accepted.length;
    };
    const config = {
      clean: false,
      clientId: 'fieldline-persistent-test',
      sessionExpirySec: 600,
      qos: 1 as const,
    };
    let c = connector(sink, config);
    c.start();
    await waitFor(() => c.status().state === 'connected', 'connected');
    const pub = await publisher(broker.url, { clientId: 'persistent-publisher' });
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await pub.publishAsync('plant/p/dev-q/t', JSON.stringify({ ts: T0 + i * 1000, seq: i, value: i }), {
          qos: 1,
        });
      }
    };
    await send(0, 50);
    await waitFor(() => stored === 50, '50 stored');
    await c.stop();
    // while the connector is away: new messages, and a publisher replaying 40..59 after its own reconnect
    await send(50, 100);
    await send(40, 60);
    c = connector(sink, config);
    c.start();
    await waitFor(() => stored + duplicates === 120, 'backlog delivered', 10_000);
    expect(c.status().detail).toMatch(/session resumed/);
    expect(stored).toBe(100);
    expect(duplicates).toBe(20);
    const rows = store.rawWindow('dev-q', 't', T0, T0 + 200_000, 1000);
    expect(rows.ts.length).toBe(100);
    expect(new Set(rows.ts).size).toBe(100);
    await c.stop();
    db.close();
  }, 30_000);
});
