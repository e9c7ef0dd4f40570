/**
 * The stack light / siren channel on a real mosquitto: a retained publish through the
 * engine's own MQTT connector, the payload template filled from the alarm; while the
 * broker is down the message waits in the outbox and goes out once it is back.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MosquittoBroker, waitFor } from '../connectors/mqtt/mosquitto-harness';
import { createMqttConnector, type MqttConnector } from '../connectors/mqtt/mqtt-connector';
import { RecordingSink } from '../connectors/mqtt/test-sink';
import { silent } from '../store/test-fixtures';
import { publishThroughConnector } from './channels/mqtt-channel';
import { insertNotice, openNotify } from './test-notices';

let broker: MosquittoBroker;
let connector: MqttConnector;
let watcher: MqttClient;
let fx: ReturnType<typeof openNotify>;
const seen: { payload: string; retain: boolean }[] = [];

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
}, 60_000);

afterAll(async () => {
  await broker.stop();
});

beforeEach(async () => {
  seen.length = 0;
  connector = createMqttConnector(
    {
      id: 'plant-broker',
      url: broker.url,
      subscriptions: [{ topicTemplate: 'plant/{site}/{deviceId}/{metric}' }],
      reconnectMinMs: 50,
      reconnectMaxMs: 400,
    },
    new RecordingSink(),
    silent,
  );
  connector.start();
  await waitFor(() => connector.status().state === 'connected', 'connector connected');
  watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 100 });
  watcher.on('message', (_topic, payload, packet) =>
    seen.push({ payload: payload.toString(), retain: packet.retain }),
  );
  await watcher.subscribeAsync('plant/line-1/stacklight', { qos: 1 });
  fx = openNotify(undefined, undefined, {
    publishMqtt: publishThroughConnector((id) => (id === connector.id ? connector : undefined)),
  });
  fx.service.channels.save(
    {
      id: 'light',
      name: 'Line 1 stack light',
      config: {
        kind: 'mqtt',
        connectorId: 'plant-broker',
        topic: 'plant/line-1/stacklight',
        payload: '{"state":"{{state}}","severity":"{{severity}}","device":"{{device}}"}',
      },
    },
    fx.clock.now(),
  );
  fx.service.policies.savePolicy(
    { routes: [], defaultChannels: ['light'], flood: { alarms: 10, windowMs: 600_000 }, siteTimeZone: 'UTC' },
    () => true,
    fx.clock.now(),
  );
});

afterEach(async () => {
  await fx.service.close();
  fx.db.close();
  await watcher.endAsync(true);
  await connector.stop();
  // the retained light state must not leak into the next test
  const cleaner = await mqtt.connectAsync(broker.url);
  await cleaner.publishAsync('plant/line-1/stacklight', '', { qos: 1, retain: true });
  await cleaner.endAsync();
});

describe('MQTT stack light channel', () => {
  it('publishes the filled template, retained, for the raise and for the resolve', async () => {
    insertNotice(fx.db, { kind: 'raised', episode: 'q1', severity: 'critical' });
    await fx.service.tick();
    await waitFor(() => seen.length >= 1, 'the raise on the light topic');
    insertNotice(fx.db, { kind: 'ended', episode: 'q1', severity: 'critical' });
    await fx.service.tick();
    await waitFor(() => seen.length >= 2, 'the resolve on the light topic');
    expect(seen.map((s) => JSON.parse(s.payload))).toEqual([
      { state: 'active_unack', severity: 'critical', device: 'boiler-3' },
      { state: 'resolved', severity: 'critical', device: 'boiler-3' },
    ]);
    // a late subscriber (a light that rebooted) gets the current state at once
    const late = await mqtt.connectAsync(broker.url);
    const retained = new Promise<string>((resolve) => late.on('message', (_t, p) => resolve(p.toString())));
    await late.subscribeAsync('plant/line-1/stacklight', { qos: 1 });
    expect(JSON.parse(await retained)).toMatchObject({ state: 'resolved' });
    await late.endAsync();
  });

  it('keeps the message while the broker is down and publishes it once it is back', async () => {
    await broker.kill();
    await waitFor(() => connector.status().state !== 'connected', 'connector sees the broker gone');
    insertNotice(fx.db, { kind: 'raised', episode: 'q2' });
    await fx.service.tick();
    expect(fx.service.outbox.list('pending', 10)).toHaveLength(1);
    expect(fx.service.channels.get('light')?.lastResult?.ok).toBe(false);
    await broker.start();
    await waitFor(() => connector.status().state === 'connected', 'connector back', 20_000);
    await waitFor(() => watcher.connected, 'watcher back', 20_000);
    await watcher.subscribeAsync('plant/line-1/stacklight', { qos: 1 });
    fx.clock.advance(60_000);
    await fx.service.tick();
    await waitFor(() => seen.some((s) => s.payload.includes('active_unack')), 'the raise after the outage');
    expect(fx.service.outbox.list('sent', 10)).toHaveLength(1);
  }, 30_000);
});
