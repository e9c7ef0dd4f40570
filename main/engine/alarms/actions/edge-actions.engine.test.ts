/**
 * The edge actions as the engine wires them (real SQLite file, real mosquitto, no demo): a
 * device found on an MQTT connector with a command topic, an alarm notice committed to the
 * engine's database by another connection (as the alarm engine will), the command observed
 * on the broker, and its outcome in `actions.log` over RPC.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionOutcomeSchema } from '../../../../common/actions-contract';
import { MosquittoBroker, waitFor } from '../../connectors/mqtt/mosquitto-harness';
import { createEngine, type Engine } from '../../engine';
import { createLogger } from '../../log';
import { openDatabase } from '../../store/database';
import { rawClient, transportPair } from '../../test-transport';
import { addNotice, saveRule } from './notice-fixtures';

const log = createLogger({ level: 'silent' });
let broker: MosquittoBroker;
let engine: Engine;
let device: MqttClient;
let client: ReturnType<typeof rawClient>;
let dataDir: string;

async function call(method: string, params?: unknown): Promise<unknown> {
  const reply = await client.call(method, params);
  if (reply.error) throw new Error(`${method}: ${(reply.error as { message: string }).message}`);
  return reply.result;
}

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-edge-actions-'));
  engine = await createEngine({ dataDir, demo: false, host: 'test', log });
  const [server, end] = transportPair();
  engine.connect(server);
  client = rawClient(end);
  await call('connectors.add', {
    kind: 'mqtt',
    config: {
      id: 'plant-broker',
      url: broker.url,
      subscriptions: [{ topicTemplate: 'site/{deviceId}/{metric}' }],
      commandTopic: 'site/{deviceId}/{metric}/set',
    },
  });
  device = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  await device.subscribeAsync('site/+/+/set', { qos: 1 });
  // the connector subscribes once connected: publish until the engine knows the device
  let known = false;
  const deadline = Date.now() + 15_000;
  while (!known) {
    if (Date.now() > deadline) throw new Error('the engine never saw valve-7');
    await device.publishAsync('site/valve-7/opening', '10', { qos: 1 });
    known = ((await client.call('devices.get', { deviceId: 'valve-7' })).error ?? null) === null;
    if (!known) await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  await device?.endAsync(true);
  await engine?.close();
  await broker?.stop();
}, 30_000);

describe('edge actions in the engine', () => {
  it('a notice committed to the database sends the write and shows in actions.log', async () => {
    const commands: { topic: string; payload: string }[] = [];
    device.on('message', (topic, payload) => commands.push({ topic, payload: payload.toString() }));
    const { db } = openDatabase({ dataDir, log });
    try {
      saveRule(db, 'close-valve', [
        { kind: 'device-write', on: ['active'], deviceId: 'valve-7', metric: 'opening', value: 0 },
      ]);
      addNotice(db, {
        ruleId: 'close-valve',
        kind: 'raised',
        deviceId: 'valve-7',
        metric: 'opening',
        at: Date.now(),
      });
    } finally {
      db.close();
    }
    await waitFor(() => commands.length === 1, 'the command on the broker');
    expect(commands).toEqual([{ topic: 'site/valve-7/opening/set', payload: '0' }]);
    let entries: unknown[] = [];
    // the log row commits just after the send
    for (let i = 0; i < 200 && entries.length === 0; i++) {
      entries = (await call('actions.log', { deviceId: 'valve-7' })) as unknown[];
      if (entries.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ActionOutcomeSchema.parse(entries[0])).toMatchObject({
      ruleId: 'close-valve',
      kind: 'device-write',
      outcome: 'done',
      target: 'site/valve-7/opening/set',
      detail: 'wrote 0 to valve-7/opening',
    });
    const audit = (await call('audit.list', { subject: 'valve-7', action: 'device.write' })) as {
      entries: unknown[];
    };
    expect(audit.entries).toHaveLength(1);
  });
});
