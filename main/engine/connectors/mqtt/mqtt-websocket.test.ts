/**
 * MQTT over ws:// and wss:// against a real mosquitto, behind a WebSocket gateway (the
 * part nginx plays at sites; this mosquitto has no websockets listener of its own).
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silent } from '../../store/test-fixtures';
import { MosquittoBroker, sleep, waitFor } from './mosquitto-harness';
import { createMqttConnector, type MqttConnector } from './mqtt-connector';
import { RecordingSink } from './test-sink';
import { WebSocketGateway } from './websocket-gateway';

const T0 = Date.UTC(2026, 0, 1);
let broker: MosquittoBroker;
let ws: WebSocketGateway;
let wss: WebSocketGateway;
const connectors: MqttConnector[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = new MosquittoBroker({ tls: true });
  await broker.start();
  const pki = broker.pki!;
  ws = new WebSocketGateway({ brokerPort: broker.port });
  wss = new WebSocketGateway({
    brokerPort: broker.port,
    tls: { cert: readFileSync(pki.serverCertFile, 'utf8'), key: readFileSync(pki.serverKeyFile, 'utf8') },
  });
  await ws.start();
  await wss.start();
}, 60_000);

afterAll(async () => {
  for (const c of connectors) await c.stop().catch(() => {});
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await ws?.stop();
  await wss?.stop();
  await broker?.stop();
}, 30_000);

function start(url: string, extra: Partial<Parameters<typeof createMqttConnector>[0]> = {}) {
  const sink = new RecordingSink();
  const c = createMqttConnector(
    {
      id: 'mqtt-ws',
      url,
      subscriptions: [{ topicTemplate: 'ws/{deviceId}/{metric}' }],
      reconnectMinMs: 50,
      reconnectMaxMs: 400,
      connectTimeoutMs: 3000,
      ...extra,
    },
    sink,
    silent,
  );
  connectors.push(c);
  c.start();
  return { c, sink };
}

describe('MQTT over WebSockets', () => {
  it('moves readings over ws:// with MQTT 5 and the "mqtt" subprotocol', async () => {
    const { c, sink } = start(ws.url);
    await waitFor(() => c.status().state === 'connected', 'connected over ws');
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    clients.push(pub);
    for (let i = 0; i < 5; i++) {
      await pub.publishAsync('ws/w1/t', JSON.stringify({ ts: T0 + i * 1000, value: i }), { qos: 1 });
    }
    await waitFor(() => sink.all.length === 5, 'five readings over ws');
    expect(sink.all.map((r) => r.value)).toEqual([0, 1, 2, 3, 4]);
    expect(ws.connections).toBeGreaterThanOrEqual(1);
    await c.stop();
  });

  it('verifies the gateway over wss:// with the CA bundle and refuses it without', async () => {
    const pki = broker.pki!;
    const trusted = start(wss.url, { ca: pki.caPem });
    await waitFor(() => trusted.c.status().state === 'connected', 'connected over wss');
    await trusted.c.stop();

    const untrusted = start(wss.url);
    await waitFor(() => untrusted.sink.states().includes('error'), 'refused over wss');
    expect(untrusted.c.status().state).not.toBe('connected');
    expect(untrusted.c.status().lastError).toMatch(/certificate/i);
    await untrusted.c.stop();
  });

  it('reconnects over ws:// after the broker behind the gateway restarts', async () => {
    const { c, sink } = start(ws.url);
    await waitFor(() => c.status().state === 'connected', 'connected over ws');
    await broker.kill();
    await waitFor(() => c.status().state !== 'connected', 'noticed the broker went away');
    await sleep(200);
    await broker.start();
    await waitFor(() => c.status().state === 'connected', 'reconnected over ws', 10_000);
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    clients.push(pub);
    await pub.publishAsync('ws/w2/t', JSON.stringify({ ts: T0, value: 42 }), { qos: 1 });
    await waitFor(() => sink.all.some((r) => r.deviceId === 'w2'), 'reading after the restart');
    await c.stop();
  });
});
