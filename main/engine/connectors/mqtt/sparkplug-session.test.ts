/**
 * The MQTT connector as a Sparkplug B host application against a real mosquitto on
 * 127.0.0.1: host STATE (spBv1.0/STATE/<host_id>) in the connector status, and rebirth
 * requests after the reorder window, received by a test client acting as the edge node and
 * decoded with Eclipse Tahu's sparkplug-payload (not Fieldline's code).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silent } from '../../store/test-fixtures';
import { MosquittoBroker, sleep, waitFor } from './mosquitto-harness';
import { createMqttConnector, type MqttConnector, type MqttConnectorConfig } from './mqtt-connector';
import { sparkplugCodec } from './sparkplug';
import { RecordingSink } from './test-sink';

const T0 = Date.UTC(2026, 0, 1);
const WINDOW = 300;
const INTERVAL = 1500;
let broker: MosquittoBroker;
const connectors: MqttConnector[] = [];
const clients: MqttClient[] = [];
const sp = sparkplugCodec();
const enc = (p: object) => Buffer.from(sp.encodePayload(p));

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
}, 60_000);

afterAll(async () => {
  for (const c of connectors) await c.stop().catch(() => {});
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await broker.stop();
}, 30_000);

async function client(): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 100 });
  clients.push(c);
  return c;
}

async function started(
  sparkplug: MqttConnectorConfig['sparkplug'],
  extra: Partial<MqttConnectorConfig> = {},
): Promise<[MqttConnector, RecordingSink]> {
  const sink = new RecordingSink();
  const c = createMqttConnector({ id: 'sp', url: broker.url, sparkplug, ...extra }, sink, silent);
  connectors.push(c);
  c.start();
  await waitFor(() => c.status().state === 'connected', 'connected');
  return [c, sink];
}

interface Command {
  topic: string;
  at: number;
  retain: boolean;
  qos: number;
  payload: Buffer;
}

/** A client standing in for the edge nodes: it publishes their messages and hears their NCMDs. */
async function edgeNodes(group: string) {
  const c = await client();
  const commands: Command[] = [];
  c.on('message', (topic, payload, packet) => {
    if (topic.includes('/NCMD/'))
      commands.push({ topic, at: Date.now(), retain: packet.retain, qos: packet.qos, payload });
  });
  await c.subscribeAsync(`spBv1.0/${group}/NCMD/#`, { qos: 1 });
  const send = (type: string, edge: string, p: object) =>
    c.publishAsync(`spBv1.0/${group}/${type}/${edge}`, enc(p), { qos: 1 });
  // the spec's minimum NBIRTH (bdSeq, Node Control/Rebirth) and one aliased metric
  const birthMetrics = [
    { name: 'bdSeq', type: 'UInt64', value: 0 },
    { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
    { name: 'x', alias: 1, type: 'Double', value: 0, timestamp: T0 },
  ];
  const birth = (edge: string) => send('NBIRTH', edge, { timestamp: T0, seq: 0, metrics: birthMetrics });
  const data = (edge: string, seq: number) =>
    send('NDATA', edge, { timestamp: T0 + seq, seq, metrics: [{ alias: 1, type: 'Double', value: seq }] });
  return {
    commands,
    birth,
    data,
    to: (edge: string) => commands.filter((k) => k.topic.endsWith(`/${edge}`)),
  };
}

describe('Sparkplug host STATE', () => {
  it('shows each host application online or offline in the status, never as a decode error', async () => {
    const host = await client();
    const state = (online: boolean, ts: number) =>
      host.publishAsync('spBv1.0/STATE/scada-1', JSON.stringify({ online, timestamp: ts }), {
        qos: 1,
        retain: true,
      });
    // retained before we connect, as a running primary host leaves it
    await state(true, T0);
    const [pinned] = await started({ groupId: 'S' });
    const [all] = await started({});
    // a shared subscription splits the data, not the STATE: every Fieldline host hears it
    const [shared] = await started({}, { shareGroup: 'fieldline' });
    const three = [pinned, all, shared];
    for (const c of three) {
      await waitFor(() => c.status().detail.includes('host scada-1 online'), 'host online in the detail');
      expect(c.status().detail).toMatch(
        /^host scada-1 online; sparkplug nodes 0 online .*; mqtt:\/\/127\.0\.0\.1:\d+$/,
      );
    }
    await state(false, T0 + 1000);
    for (const c of three)
      await waitFor(() => c.status().detail.includes('host scada-1 offline'), 'host offline in the detail');
    // an older STATE (a reordered or stale retained one) does not bring it back
    await state(true, T0 + 500);
    await sleep(300);
    expect(pinned.status().detail).toContain('host scada-1 offline');
    expect(pinned.status().decodeErrors).toBe(0);
    expect(all.status().decodeErrors).toBe(0);
    expect(shared.status().decodeErrors).toBe(0);

    // a STATE that is not the spec's JSON is a clear error
    await host.publishAsync('spBv1.0/STATE/old-host', 'ONLINE', { qos: 1 });
    await waitFor(() => pinned.status().decodeErrors === 1, 'bad STATE counted');
    expect(pinned.status().lastError).toBe('sparkplug host old-host: STATE payload is not UTF-8 JSON');
    await host.publishAsync('spBv1.0/STATE/scada-1', '', { qos: 1, retain: true });
    for (const c of three) await c.stop();
  });
});

describe('Sparkplug rebirth requests', () => {
  it('waits the reorder window: a filled gap asks nothing, an open one sends one NCMD Rebirth, rate-limited', async () => {
    const [c, sink] = await started({ groupId: 'R', reorderTimeoutMs: WINDOW, rebirthIntervalMs: INTERVAL });
    const edge = await edgeNodes('R');
    await edge.birth('n1');
    await edge.data('n1', 1);
    await edge.data('n1', 3);
    await edge.data('n1', 2); // the late one, inside the window
    await waitFor(() => sink.all.length === 4, 'readings');
    await sleep(WINDOW * 2);
    expect(edge.commands).toEqual([]);
    expect(c.status().decodeErrors).toBe(0);

    const sent = Date.now();
    await edge.data('n1', 6); // 4 and 5 never come
    await waitFor(() => edge.commands.length === 1, 'rebirth request');
    const first = edge.commands[0]!;
    expect(first.at - sent).toBeGreaterThanOrEqual(WINDOW - 20);
    expect(first).toMatchObject({ topic: 'spBv1.0/R/NCMD/n1', retain: false, qos: 0 });
    const decoded = sp.decodePayload(first.payload);
    expect(decoded.metrics).toEqual([
      expect.objectContaining({ name: 'Node Control/Rebirth', type: 'Boolean', value: true }),
    ]);
    expect(c.status().decodeErrors).toBe(1);
    expect(c.status().lastError).toBe(
      `sparkplug R/n1: seq 4, 5 never arrived within ${WINDOW} ms; asked for a rebirth`,
    );

    // another gap at once: the node is asked again only after the rebirth interval
    await edge.data('n1', 9);
    await sleep(WINDOW * 2);
    expect(edge.commands).toHaveLength(1);
    await waitFor(() => edge.commands.length === 2, 'second rebirth request', 5000);
    expect(edge.commands[1]!.at - first.at).toBeGreaterThanOrEqual(INTERVAL - 50);

    // the node answers with a birth: nothing more is asked
    await edge.birth('n1');
    await edge.data('n1', 1);
    await sleep(INTERVAL + WINDOW);
    expect(edge.commands).toHaveLength(2);
    await c.stop();
  }, 20_000);

  it('asks a node that sends DATA before any BIRTH, unless the BIRTH arrives within the window', async () => {
    const [c] = await started({ groupId: 'B', reorderTimeoutMs: WINDOW, rebirthIntervalMs: INTERVAL });
    const edge = await edgeNodes('B');
    // Fieldline joins late: the node's NBIRTH went out before we subscribed
    await edge.data('late-joiner', 17);
    // a BIRTH overtaken by its first DATA
    await edge.data('overtaken', 1);
    await edge.birth('overtaken');
    await waitFor(() => edge.to('late-joiner').length === 1, 'rebirth request to the late joiner');
    expect(sp.decodePayload(edge.to('late-joiner')[0]!.payload).metrics?.[0]).toMatchObject({
      name: 'Node Control/Rebirth',
      value: true,
    });
    expect(c.status().lastError).toBe(
      `sparkplug B/late-joiner: no BIRTH for the node within ${WINDOW} ms; asked for a rebirth`,
    );
    await sleep(WINDOW * 2);
    expect(edge.to('overtaken')).toEqual([]);
    await c.stop();
  }, 20_000);
});
