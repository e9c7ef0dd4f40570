/**
 * Field payloads through a real mosquitto on 127.0.0.1 into a real ReadingStore: a
 * Tasmota SENSOR object, Zigbee2MQTT flat objects, a multi-field object with its own
 * device time, a Shelly status with a payload mapping (metric, unit, scale), and a
 * payload with nothing to read, which is a counted decode error naming the topic.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../devices/device-registry';
import { openStore, silent } from '../../store/test-fixtures';
import { MosquittoBroker, waitFor } from './mosquitto-harness';
import { createMqttConnector, type MqttConnector, MqttConnectorConfigSchema } from './mqtt-connector';
import { RecordingSink } from './test-sink';

const T0 = Date.UTC(2026, 0, 1);
let broker: MosquittoBroker;
let connector: MqttConnector | undefined;
let publisher: MqttClient | undefined;

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
}, 60_000);

afterAll(async () => {
  await connector?.stop().catch(() => {});
  await publisher?.endAsync(true).catch(() => {});
  await broker.stop();
}, 30_000);

describe('JSON payloads from the field', () => {
  it('stores one reading per field with the right metric names, device time and mapped units', async () => {
    const { store, db } = openStore();
    const registry = new DeviceRegistry(store, new Map());
    const sink = new RecordingSink();
    let stored = 0;
    sink.onDevice = (d) => registry.register(d);
    sink.onReadings = (batch) => {
      const result = store.insertBatch(batch);
      registry.applyBatch(result);
      stored += result.accepted.length;
    };
    const c = createMqttConnector(
      {
        id: 'field',
        url: broker.url,
        reconnectMinMs: 50,
        subscriptions: [
          { topicTemplate: 'tele/{deviceId}/SENSOR' },
          { topicTemplate: 'zigbee2mqtt/{deviceId}' },
          { topicTemplate: 'plant/{deviceId}' },
          {
            topicTemplate: 'shellies/{deviceId}/status/temperature:0',
            payload: { fields: [{ path: 'tC', metric: 'temperature', unit: '°C', scale: 1 }] },
          },
          {
            topicTemplate: 'gw/{deviceId}',
            payload: { fields: [{ path: 'p', metric: 'pressure', unit: 'bar', scale: 0.001 }] },
          },
        ],
      },
      sink,
      silent,
    );
    connector = c;
    registry.connectorUnit = (_id, deviceId, metric) => c.metricUnit?.(deviceId, metric);
    c.start();
    await waitFor(() => c.status().state === 'connected', 'connected');
    publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const before = Date.now();
    // tasmota/docs docs/AM2301.md
    await publisher.publishAsync(
      'tele/th-1/SENSOR',
      '{"Time":"2019-01-01T00:00:00","AM2301":{"Temperature":24.6,"Humidity":58.2},"TempUnit":"C"}',
      { qos: 1 },
    );
    // zigbee2mqtt.io guide/usage/mqtt_topics_and_messages (WSDCGQ01LM, RTCGQ01LM)
    await publisher.publishAsync(
      'zigbee2mqtt/0x00158d0001',
      '{ "temperature" : 27.34 , "humidity" : 44.72 }',
      {
        qos: 1,
      },
    );
    await publisher.publishAsync('zigbee2mqtt/0x00158d0002', '{ "occupancy" : true }', { qos: 1 });
    await publisher.publishAsync(
      'plant/pump-1',
      JSON.stringify({ ts: T0, temperature: 21.5, humidity: 40, status: 'ok' }),
      {
        qos: 1,
      },
    );
    await publisher.publishAsync('shellies/shelly-1/status/temperature:0', '{"id":0,"tC":21.6,"tF":70.9}', {
      qos: 1,
    });
    await publisher.publishAsync('gw/g-1', '{"p":1013}', { qos: 1 });
    await publisher.publishAsync('plant/pump-1', '{"status":"ok"}', { qos: 1 });
    await waitFor(() => stored >= 9 && c.status().decodeErrors >= 1, 'readings stored and the error counted');
    const after = Date.now();

    const tasmota = store.rawWindow('th-1', 'AM2301.Temperature', before, after, 10);
    expect(tasmota.values).toEqual([24.6]);
    // Time has no zone: the arrival time is the reading's time
    expect(tasmota.ts[0]).toBeGreaterThanOrEqual(before);
    expect(store.rawWindow('th-1', 'AM2301.Humidity', before, after, 10).values).toEqual([58.2]);
    expect(store.rawWindow('th-1', 'TempUnit', 0, after, 10).ts).toEqual([]);
    expect(store.rawWindow('0x00158d0001', 'temperature', before, after, 10).values).toEqual([27.34]);
    expect(store.rawWindow('0x00158d0002', 'occupancy', before, after, 10).values).toEqual([1]);
    const pump = store.rawWindow('pump-1', 'temperature', T0, T0 + 1, 10);
    expect(pump).toMatchObject({ ts: [T0], values: [21.5] });
    expect(store.rawWindow('pump-1', 'humidity', T0, T0 + 1, 10).values).toEqual([40]);
    expect(store.rawWindow('shelly-1', 'temperature', before, after, 10).values).toEqual([21.6]);
    expect(store.rawWindow('shelly-1', 'tF', 0, after, 10).ts).toEqual([]);
    expect(store.rawWindow('g-1', 'pressure', before, after, 10).values).toEqual([1.013]);

    const s = c.status();
    expect(s).toMatchObject({ messagesIn: 7, readingsIn: 9, decodeErrors: 1 });
    expect(s.lastError).toBe('plant/pump-1: no numeric or boolean field in {"status":"ok"}');

    // mapped units reach the device summaries the charts take their units from
    const units = (id: string) =>
      Object.fromEntries(registry.get(id)!.metrics.map((m) => [m.name, m.unit] as const));
    expect(units('shelly-1')).toEqual({ temperature: '°C' });
    expect(units('g-1')).toEqual({ pressure: 'bar' });
    expect(units('pump-1')).toEqual({ humidity: '', temperature: '' });
    await c.stop();
    db.close();
  }, 30_000);

  it('refuses a mapping that cannot work, naming the subscription', () => {
    const parsed = MqttConnectorConfigSchema.safeParse({
      id: 'x',
      url: 'mqtt://127.0.0.1',
      subscriptions: [
        { topicTemplate: 'a/{deviceId}', payload: { fields: [{ path: 'a', metric: 'no spaces' }] } },
      ],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['subscriptions', 0, 'payload', 'fields', 0, 'metric']);
  });
});
