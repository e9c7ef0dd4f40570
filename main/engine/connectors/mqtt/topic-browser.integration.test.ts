/**
 * The topic browser against a real mosquitto: a browse session on '#' sees topics the
 * connector's template never subscribes to, without the connector seeing them; retained
 * messages arrive marked; MQTT 5 properties come through; clearing a retained message
 * deletes it on the broker (a fresh subscriber no longer gets it) and is audited.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowsedMessage } from '../../../../common/mqtt-browse-contract';
import type { AuditInput } from '../../audit/audit-log';
import { createLogger } from '../../log';
import { createMqttBrowseHandlers } from './browse-handlers';
import { freePort, MosquittoBroker, sleep, waitFor } from './mosquitto-harness';
import { createMqttConnector, type MqttConnector } from './mqtt-connector';
import { RecordingSink } from './test-sink';

const quiet = createLogger({ write: () => {} });
let broker: MosquittoBroker;
let connector: MqttConnector;
let publisher: MqttClient;
const sink = new RecordingSink();
const audited: AuditInput[] = [];

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
  connector = createMqttConnector(
    { id: 'plant', url: broker.url, subscriptions: [{ topicTemplate: 'plant/{deviceId}/{metric}' }] },
    sink,
    quiet,
  );
  connector.start();
  await waitFor(() => connector.status().state === 'connected', 'the connector to connect');
  publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
}, 30_000);

afterAll(async () => {
  await publisher?.endAsync();
  await connector?.stop();
  await broker?.stop();
});

const handlers = () =>
  createMqttBrowseHandlers(
    (id) => (id === connector.id ? connector : undefined),
    { append: (e) => audited.push(e) },
    () => 'test operator',
  );

function browse(filter: string, connectorId = connector.id) {
  const messages: BrowsedMessage[] = [];
  const states: { state: string; error: string | null }[] = [];
  const stop = handlers().streams['mqtt.browse']({ connectorId, filter }, (data) => {
    messages.push(...data.messages);
    states.push({ state: data.state, error: data.error });
  });
  return { messages, states, stop, state: () => states.at(-1)?.state };
}

const text = (m: BrowsedMessage | undefined) => Buffer.from(m?.payload ?? '', 'base64').toString();

describe('topic browser on mosquitto', () => {
  test("'#' sees topics outside the template, retained ones marked, with their MQTT 5 user properties", async () => {
    await publisher.publishAsync('site/gateway-7/status', 'Online', {
      qos: 1,
      retain: true,
      properties: {
        contentType: 'text/plain',
        userProperties: { firmware: '1.4.2', site: 'north' },
        responseTopic: 'site/gateway-7/reply',
        correlationData: Buffer.from([0xca, 0xfe]),
        messageExpiryInterval: 3600,
        payloadFormatIndicator: true,
      },
    });
    const b = browse('#');
    await waitFor(() => b.messages.some((m) => m.topic === 'site/gateway-7/status'), 'the retained status');
    const retained = b.messages.find((m) => m.topic === 'site/gateway-7/status');
    expect(b.state()).toBe('subscribed');
    expect(retained).toMatchObject({ retain: true, qos: 1, size: 6 });
    expect(text(retained)).toBe('Online');
    expect(retained?.properties.userProperties).toEqual([
      ['firmware', '1.4.2'],
      ['site', 'north'],
    ]);
    expect(retained?.properties).toMatchObject({
      contentType: 'text/plain',
      responseTopic: 'site/gateway-7/reply',
      correlationDataHex: 'cafe',
      payloadFormatUtf8: true,
    });
    // the broker counts down the expiry while it holds the message (§3.3.2.3.3)
    expect(retained?.properties.messageExpirySec).toBeLessThanOrEqual(3600);

    // live messages arrive at the QoS they were published with, without the retain flag
    await publisher.publishAsync('plant/pump-1/flow', '12.5', { qos: 2 });
    await publisher.publishAsync('elsewhere/raw', Buffer.from([0x00, 0xff]), { qos: 0 });
    await waitFor(() => b.messages.some((m) => m.topic === 'elsewhere/raw'), 'the live messages');
    expect(b.messages.find((m) => m.topic === 'plant/pump-1/flow')).toMatchObject({ qos: 2, retain: false });
    expect(b.messages.find((m) => m.topic === 'elsewhere/raw')?.payload).toBe('AP8=');
    // '#' does not match $SYS topics (§4.7.2)
    expect(b.messages.filter((m) => m.topic.startsWith('$'))).toEqual([]);
    b.stop();

    // the connector's own subscription is unchanged: it decoded its topic and never saw the others
    await waitFor(() => sink.all.some((r) => r.deviceId === 'pump-1'), 'the reading');
    expect(connector.status().decodeErrors).toBe(0);
    expect(connector.topics().map((t) => t.topic)).toEqual(['plant/pump-1/flow']);
  });

  test('$SYS/# is browsable', async () => {
    const b = browse('$SYS/broker/version');
    await waitFor(() => b.messages.length > 0, 'the broker version');
    expect(text(b.messages[0])).toContain('mosquitto');
    b.stop();
  });

  test('clearing a retained message deletes it on the broker and is audited', async () => {
    await publisher.publishAsync('site/gateway-8/status', 'Online', { qos: 1, retain: true });
    const b = browse('site/#');
    await waitFor(() => b.messages.some((m) => m.topic === 'site/gateway-8/status'), 'the retained message');
    const result = await handlers().requests['mqtt.clearRetained']({
      connectorId: connector.id,
      topic: 'site/gateway-8/status',
    });
    expect(result).toEqual({ ok: true });
    expect(audited.at(-1)).toEqual({
      actor: 'test operator',
      action: 'mqtt.retained.clear',
      subject: 'plant/site/gateway-8/status',
    });
    // the browser sees the empty retained message (retain as published): the marker can go
    await waitFor(
      () => b.messages.some((m) => m.topic === 'site/gateway-8/status' && m.size === 0 && m.retain),
      'the empty retained message',
    );
    b.stop();

    // a fresh subscriber gets the other retained message, not the cleared one
    const fresh = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const got: string[] = [];
    fresh.on('message', (topic) => got.push(topic));
    await fresh.subscribeAsync('site/#', { qos: 1 });
    await sleep(500);
    await fresh.endAsync();
    expect(got).toContain('site/gateway-7/status');
    expect(got).not.toContain('site/gateway-8/status');
  });

  test('a broker that is not there: the stream says so instead of waiting forever', async () => {
    const port = await freePort();
    const offline = createMqttConnector(
      {
        id: 'offline',
        url: `mqtt://127.0.0.1:${port}`,
        subscriptions: [{ topicTemplate: 'x/{deviceId}' }],
        connectTimeoutMs: 1000,
      },
      new RecordingSink(),
      quiet,
    );
    offline.start();
    const h = createMqttBrowseHandlers(
      () => offline,
      { append: () => {} },
      () => '',
    );
    const states: { state: string; error: string | null }[] = [];
    const stop = h.streams['mqtt.browse']({ connectorId: 'offline', filter: '#' }, (d) =>
      states.push({ state: d.state, error: d.error }),
    );
    await waitFor(() => states.some((s) => s.state === 'error'), 'an error state', 10_000);
    expect(states.find((s) => s.state === 'error')?.error).toMatch(/ECONNREFUSED|closed/);
    stop();
    await offline.stop();
  });

  test('an MQTT 3.1.1 connector browses too: retained messages marked, no properties', async () => {
    const v311 = createMqttConnector(
      {
        id: 'v311',
        url: broker.url,
        protocolVersion: 4,
        subscriptions: [{ topicTemplate: 'old/{deviceId}/{metric}' }],
      },
      new RecordingSink(),
      quiet,
    );
    v311.start();
    await publisher.publishAsync('legacy/gw/LWT', 'Online', { qos: 1, retain: true });
    const h = createMqttBrowseHandlers(
      () => v311,
      { append: () => {} },
      () => '',
    );
    const messages: BrowsedMessage[] = [];
    const stop = h.streams['mqtt.browse']({ connectorId: 'v311', filter: 'legacy/#' }, (d) =>
      messages.push(...d.messages),
    );
    await waitFor(() => messages.length > 0, 'the retained LWT');
    expect(messages[0]).toMatchObject({ topic: 'legacy/gw/LWT', retain: true, qos: 1, properties: {} });
    stop();
    await v311.stop();
  });

  test("the connector's own filters are the browser's starting point", () => {
    expect(handlers().requests['mqtt.ownFilters']({ connectorId: connector.id })).toEqual({
      filters: ['plant/+/+'],
    });
  });

  test('unknown and non-MQTT connectors are refused with a clear error', () => {
    expect(() => browse('#', 'nope')).toThrow('no connector "nope"');
    const h = createMqttBrowseHandlers(
      () => ({ id: 'serial', status: () => sink.statuses[0]!, start() {}, stop: async () => {} }),
      { append: () => {} },
      () => '',
    );
    expect(() => h.streams['mqtt.browse']({ connectorId: 'serial', filter: '#' }, () => {})).toThrow(
      'connector "serial" is not an MQTT connector',
    );
  });
});
