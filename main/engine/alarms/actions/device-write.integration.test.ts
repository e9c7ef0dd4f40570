/**
 * Edge actions end to end against a real mosquitto on 127.0.0.1: alarm notices in a real
 * SQLite file → the runner → the engine's MQTT connectors → the broker → a client standing in
 * for the devices. Sparkplug commands are decoded here by hand from sparkplug_b.proto's field
 * numbers (Payload{timestamp=1, metrics=2, seq=3}; Metric{name=1, datatype=4, int_value=10,
 * double_value=13, boolean_value=14}) and checked against spec 3.0 §6.4.24 DCMD: a payload
 * timestamp ([tck-id-payloads-dcmd-timestamp]), no seq ([tck-id-payloads-dcmd-seq]), QoS 0
 * ([tck-id-payloads-dcmd-qos]), not retained ([tck-id-payloads-dcmd-retain]), the datatype
 * of the DBIRTH (§6.4.16). Plain MQTT devices take the bare value on their `/set` topic, as
 * Homie 4 (§Property attributes, "settable") does.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../audit/audit-log';
import { MosquittoBroker, sleep, waitFor } from '../../connectors/mqtt/mosquitto-harness';
import { createMqttConnector, type MqttConnector } from '../../connectors/mqtt/mqtt-connector';
import { sparkplugCodec } from '../../connectors/mqtt/sparkplug';
import { RecordingSink } from '../../connectors/mqtt/test-sink';
import { openTestDb, silent } from '../../store/test-fixtures';
import { NoticeTableSource } from '../notice-table-source';
import { createEdgeActions } from './edge-actions';
import { addNotice, saveRule, T0 } from './notice-fixtures';

interface Heard {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
}

let broker: MosquittoBroker;
let sp: MqttConnector;
let plain: MqttConnector;
let device: MqttClient;
const heard: Heard[] = [];
const enc = (p: object) => Buffer.from(sparkplugCodec().encodePayload(p));
const edges: ReturnType<typeof createEdgeActions>[] = [];
const dbs: ReturnType<typeof openTestDb>['db'][] = [];

/** a DBIRTH for G:e:pump: setpoint Double, mode Int8, run Boolean (seq continues the NBIRTH's) */
const dbirth = (seq: number) =>
  device.publishAsync(
    'spBv1.0/G/DBIRTH/e/pump',
    enc({
      timestamp: T0,
      seq,
      metrics: [
        { name: 'setpoint', type: 'Double', value: 20, timestamp: T0 },
        { name: 'mode', type: 'Int8', value: 0, timestamp: T0 },
        { name: 'run', type: 'Boolean', value: false, timestamp: T0 },
      ],
    }),
    { qos: 1 },
  );

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
  sp = createMqttConnector(
    { id: 'sp', url: broker.url, sparkplug: { groupId: 'G' } },
    new RecordingSink(),
    silent,
  );
  plain = createMqttConnector(
    {
      id: 'plain',
      url: broker.url,
      subscriptions: [{ topicTemplate: 'plant/{deviceId}/{metric}' }],
      commandTopic: 'plant/{deviceId}/{metric}/set',
    },
    new RecordingSink(),
    silent,
  );
  sp.start();
  plain.start();
  device = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  device.on('message', (topic, payload, packet) =>
    heard.push({ topic, payload, qos: packet.qos, retain: packet.retain }),
  );
  await device.subscribeAsync(['spBv1.0/G/DCMD/#', 'spBv1.0/G/NCMD/#', 'plant/+/+/set'], { qos: 2 });
  await waitFor(() => sp.status().state === 'connected' && plain.status().state === 'connected', 'connected');
  await device.publishAsync(
    'spBv1.0/G/NBIRTH/e',
    enc({
      timestamp: T0,
      seq: 0,
      metrics: [
        { name: 'bdSeq', type: 'UInt64', value: 0 },
        { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
        { name: 'Node Control/Scan Rate', type: 'Int32', value: 1000 },
      ],
    }),
    { qos: 1 },
  );
  await dbirth(1);
  await waitFor(() => sp.sparkplugOnline('G:e:pump') === true, 'the pump born');
}, 60_000);

afterEach(async () => {
  for (const e of edges.splice(0)) await e.runner.stop();
  for (const db of dbs.splice(0)) db.close();
  heard.length = 0;
});

afterAll(async () => {
  await device?.endAsync(true);
  await sp?.stop();
  await plain?.stop();
  await broker?.stop();
}, 30_000);

function edgeActions(rule: unknown[]) {
  const { db } = openTestDb('edge-actions');
  dbs.push(db);
  saveRule(db, 'hot', rule);
  const source = new NoticeTableSource(db);
  const audit = new AuditLog(db);
  const connectors = new Map<string, MqttConnector>([
    ['sp', sp],
    ['plain', plain],
  ]);
  const edge = createEdgeActions({
    db,
    source,
    connector: (id) => connectors.get(id),
    connectorOf: (deviceId) =>
      deviceId.startsWith('G:') ? 'sp' : deviceId === 'valve-7' ? 'plain' : undefined,
    audit: (entry) => audit.append(entry),
    log: silent,
    tuning: { retryMinMs: 20, retryMaxMs: 50, pollMs: 50 },
  });
  edges.push(edge);
  edge.runner.start();
  const raise = (episodeId = 'ep-1') => {
    addNotice(db, { ruleId: 'hot', kind: 'raised', episodeId, at: Date.now() });
    source.notify();
  };
  return { db, audit, edge, raise };
}

// --- the test's own reading of sparkplug_b.proto, field by field -------------------------------
function varint(b: Buffer, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const byte = b[at++]!;
    v |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [v, at];
    shift += 7n;
  }
}
type Field = { n: number; v: bigint | Buffer };
function fields(b: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < b.length) {
    const [tag, next] = varint(b, at);
    at = next;
    const n = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, after] = varint(b, at);
      out.push({ n, v });
      at = after;
    } else if (wire === 2) {
      const [len, after] = varint(b, at);
      out.push({ n, v: b.subarray(after, after + Number(len)) });
      at = after + Number(len);
    } else if (wire === 1) {
      out.push({ n, v: b.subarray(at, at + 8) });
      at += 8;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
const one = (fs: Field[], n: number) => fs.filter((f) => f.n === n).map((f) => f.v);

describe('device-write over Sparkplug B', () => {
  it('sends a DCMD with the metric by name, the DBIRTH datatype, a timestamp and no seq, at QoS 0', async () => {
    const before = Date.now();
    const { raise, audit } = edgeActions([
      {
        kind: 'device-write',
        on: ['active'],
        deviceId: 'G:e:pump',
        metric: 'setpoint',
        value: 42.5,
        bounds: { min: 0, max: 80 },
      },
      { kind: 'device-write', on: ['active'], deviceId: 'G:e:pump', metric: 'mode', value: -3 },
      { kind: 'device-write', on: ['active'], deviceId: 'G:e:pump', metric: 'run', value: true },
    ]);
    raise();
    await waitFor(() => heard.length === 3, 'three DCMDs');
    for (const h of heard) {
      expect(h.topic).toBe('spBv1.0/G/DCMD/e/pump');
      expect([h.qos, h.retain]).toEqual([0, false]);
      const payload = fields(h.payload);
      expect(one(payload, 3)).toEqual([]); // no seq
      const [ts] = one(payload, 1) as bigint[];
      expect(Number(ts)).toBeGreaterThanOrEqual(before);
      expect(one(payload, 2)).toHaveLength(1);
    }
    const metric = (i: number) => fields(one(fields(heard[i]!.payload), 2)[0] as Buffer);
    const setpoint = metric(0);
    expect((one(setpoint, 1)[0] as Buffer).toString()).toBe('setpoint');
    expect(one(setpoint, 4)).toEqual([10n]); // Double
    expect((one(setpoint, 13)[0] as Buffer).readDoubleLE(0)).toBe(42.5);
    const mode = metric(1);
    expect(one(mode, 4)).toEqual([1n]); // Int8, in the uint32 int_value as two's complement
    expect(BigInt.asIntN(8, one(mode, 10)[0] as bigint)).toBe(-3n);
    const run = metric(2);
    expect(one(run, 4)).toEqual([11n]); // Boolean
    expect(one(run, 14)).toEqual([1n]);
    const entries = audit.list({ subject: 'G:e:pump', action: 'device.write' }).entries;
    expect(entries.map((e) => (e.after as { metric: string }).metric).sort()).toEqual([
      'mode',
      'run',
      'setpoint',
    ]);
    expect(entries.every((e) => e.actor === 'rule:hot')).toBe(true);
  });

  it('refuses a value outside the bounds or the datatype, and a metric no BIRTH declared; audits each, sends nothing', async () => {
    const { raise, audit, edge } = edgeActions([
      {
        kind: 'device-write',
        on: ['active'],
        deviceId: 'G:e:pump',
        metric: 'setpoint',
        value: 120,
        bounds: { min: 0, max: 100 },
      },
      { kind: 'device-write', on: ['active'], deviceId: 'G:e:pump', metric: 'mode', value: 300 },
      { kind: 'device-write', on: ['active'], deviceId: 'G:e:pump', metric: 'speed', value: 1 },
      // a sentinel: once it arrives, anything sent before it on this connection has arrived too
      { kind: 'device-write', on: ['active'], deviceId: 'G:e:pump', metric: 'setpoint', value: 30 },
    ]);
    raise();
    await waitFor(() => heard.length === 1, 'the sentinel');
    await edge.runner.drain();
    expect(
      edge.actionLog
        .list({ limit: 10 })
        .map((o) => [o.actionIndex, o.outcome, o.detail])
        .sort(),
    ).toEqual([
      [0, 'refused', 'refused: 120 is outside the bounds 0 to 100'],
      [1, 'refused', 'refused: 300 does not fit Int8'],
      [2, 'refused', 'refused: no BIRTH from G:e:pump declared the datatype of "speed"'],
      [3, 'done', 'wrote 30 to G:e:pump/setpoint'],
    ]);
    expect(audit.list({ subject: 'G:e:pump', action: 'device.write.refused' }).entries).toHaveLength(3);
  });

  it('a dry run is logged and audited as "would write" and sends nothing', async () => {
    const { raise, audit, edge } = edgeActions([
      {
        kind: 'device-write',
        on: ['active'],
        deviceId: 'G:e:pump',
        metric: 'setpoint',
        value: 55,
        dryRun: true,
      },
      { kind: 'device-write', on: ['active'], deviceId: 'G:e:pump', metric: 'setpoint', value: 31 },
    ]);
    raise();
    await waitFor(() => heard.length === 1, 'the sentinel');
    await edge.runner.drain();
    expect(
      (one(fields(one(fields(heard[0]!.payload), 2)[0] as Buffer), 13)[0] as Buffer).readDoubleLE(0),
    ).toBe(31);
    const [dry] = audit.list({ subject: 'G:e:pump', action: 'device.write.dry-run' }).entries;
    expect(dry?.after).toMatchObject({
      metric: 'setpoint',
      value: 55,
      detail: 'would write 55 to G:e:pump/setpoint',
    });
  });

  it('holds at most ratePerMinute writes per device and metric; the rest are refused', async () => {
    const { raise, edge } = edgeActions([
      {
        kind: 'device-write',
        on: ['active'],
        deviceId: 'G:e:pump',
        metric: 'setpoint',
        value: 25,
        ratePerMinute: 2,
      },
    ]);
    for (const ep of ['a', 'b', 'c']) raise(ep);
    await waitFor(() => edge.actionLog.list({ limit: 10 }).length === 3, 'three settled');
    expect(
      edge.actionLog
        .list({ limit: 10 })
        .map((o) => o.outcome)
        .sort(),
    ).toEqual(['done', 'done', 'refused']);
    await waitFor(() => heard.length === 2, 'two DCMDs');
    await sleep(100);
    expect(heard).toHaveLength(2);
  });

  it('waits while the device is dead and writes once its DBIRTH is back', async () => {
    await device.publishAsync('spBv1.0/G/DDEATH/e/pump', enc({ timestamp: T0, seq: 2 }), { qos: 1 });
    await waitFor(() => sp.sparkplugOnline('G:e:pump') === false, 'the pump dead');
    const { raise, edge } = edgeActions([
      { kind: 'device-write', on: ['active'], deviceId: 'G:e:pump', metric: 'setpoint', value: 33 },
    ]);
    raise();
    await sleep(300);
    expect(heard).toHaveLength(0);
    expect(edge.actionLog.list({ limit: 10 })).toEqual([]);
    await dbirth(3);
    await waitFor(() => heard.length === 1, 'the DCMD after the rebirth');
    await waitFor(() => edge.actionLog.list({ limit: 1 })[0]?.outcome === 'done', 'logged done');
    expect(edge.actionLog.list({ limit: 1 })[0]!.attempts).toBeGreaterThan(1);
  });
});

describe('device-write over plain MQTT and mqtt-publish', () => {
  it('publishes the bare value on the connector command topic', async () => {
    const { raise, audit } = edgeActions([
      { kind: 'device-write', on: ['active'], deviceId: 'valve-7', metric: 'opening', value: 42 },
    ]);
    raise();
    await waitFor(() => heard.length === 1, 'the command');
    expect(heard[0]).toMatchObject({ topic: 'plant/valve-7/opening/set', qos: 1, retain: false });
    expect(heard[0]!.payload.toString()).toBe('42');
    expect(audit.list({ subject: 'valve-7', action: 'device.write' }).entries).toHaveLength(1);
  });

  it('writes nothing for an alarm raised on back-filled (late) readings, and audits the refusal', async () => {
    const { db, audit, edge } = edgeActions([
      { kind: 'device-write', on: ['active'], deviceId: 'valve-7', metric: 'opening', value: 5 },
      {
        kind: 'device-write',
        on: ['active'],
        deviceId: 'valve-7',
        metric: 'opening',
        value: 6,
        dryRun: true,
      },
    ]);
    addNotice(db, { ruleId: 'hot', kind: 'raised', late: true, at: Date.now() });
    await edge.runner.drain();
    expect(edge.actionLog.list({ limit: 5 }).map((o) => o.outcome)).toEqual(['refused', 'refused']);
    expect(audit.list({ subject: 'valve-7', action: 'device.write.refused' }).entries).toHaveLength(2);
    expect(heard).toEqual([]);
  });

  it('publishes a templated JSON message with its qos and retain flag', async () => {
    const { raise } = edgeActions([
      {
        kind: 'mqtt-publish',
        on: ['active'],
        connectorId: 'plain',
        topic: 'alarms/{{device}}/{{rule}}',
        payload: '{"device":"{{device}}","value":{{value}},"severity":"{{severity}}","state":"{{state}}"}',
        qos: 2,
        retain: true,
      },
    ]);
    raise();
    const listener = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    try {
      const got: Heard[] = [];
      listener.on('message', (topic, payload, packet) =>
        got.push({ topic, payload, qos: packet.qos, retain: packet.retain }),
      );
      // subscribing after it was published: only a retained message arrives
      await waitFor(() => edges[0]!.actionLog.list({ limit: 1 }).length === 1, 'published');
      await listener.subscribeAsync('alarms/#', { qos: 2 });
      await waitFor(() => got.length === 1, 'the retained message');
      expect(got[0]).toMatchObject({ topic: 'alarms/boiler-3/hot', qos: 2, retain: true });
      expect(JSON.parse(got[0]!.payload.toString())).toEqual({
        device: 'boiler-3',
        value: 91.2,
        severity: 'high',
        state: 'active_unack',
      });
      await listener.publishAsync('alarms/boiler-3/hot', '', { retain: true, qos: 1 });
    } finally {
      await listener.endAsync(true);
    }
  });
});
