/**
 * The alarms RPC on a real engine with the demo site: built-in rules, a rule saved over RPC
 * that fires on live demo readings, ack and shelve by the operator, the history, the
 * alarms.changed stream, and the copy of each transition in the cloud outbox.
 */
import { afterEach, expect, test } from 'vitest';
import {
  AlarmInstanceSchema,
  AlarmTransitionSchema,
  RuleSummarySchema,
} from '../../../common/alarm-contract';
import { createEngine, type Engine } from '../engine';
import { createLogger } from '../log';
import { openDatabase } from '../store/database';
import { tempDataDir } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';
import { until } from '../test-until';

const log = createLogger({ level: 'silent' });
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

test('demo rules, a rule saved over RPC raising on live readings, ack, shelve, history, stream, cloud copy', async () => {
  const dataDir = tempDataDir('alarm-rpc');
  engine = await createEngine({ dataDir, demo: true, host: 'test', log });
  const [server, clientEnd] = transportPair();
  engine.connect(server);
  const client = rawClient(clientEnd);

  const rules = RuleSummarySchema.array().parse((await client.call('alarms.rules.list')).result);
  expect(rules.filter((r) => r.builtIn).map((r) => r.rule.id)).toContain('demo-boiler-room-hot');

  const bad = await client.call('alarms.rules.save', {
    rule: {
      id: 'x',
      name: 'x',
      target: {},
      condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 1 } }] },
    },
  });
  expect((bad.error as { code: string }).code).toBe('INVALID_PARAMS');

  await client.call('stream.subscribe', { stream: 'alarms.changed' });
  const saved = await client.call('alarms.rules.save', {
    rule: {
      id: 'pump-running',
      name: 'Pump A vibrating',
      target: { deviceIds: ['pump-201'], metric: 'vibration' },
      // the demo pump's vibration never drops below 0: fires on its first reading
      condition: { kind: 'threshold', levels: [{ severity: 'warning', above: { value: 0, deadband: 0 } }] },
    },
  });
  expect(RuleSummarySchema.parse(saved.result).version).toBe(1);
  const key = 'pump-running|pump-201|vibration';
  const raised = await until('the alarm', async () => {
    const list = AlarmInstanceSchema.array().parse(
      (await client.call('alarms.list', { ruleId: 'pump-running' })).result,
    );
    return list.find((i) => i.key === key && i.state === 'active_unack');
  });
  expect(raised.episodeId).toEqual(expect.any(String));

  expect((await client.call('alarms.ack', { keys: [key], comment: 'checking' })).result).toEqual({});
  expect(
    (
      await client.call('alarms.shelve', {
        keys: [key],
        until: Date.now() + 3_600_000,
        reason: 'bearing on order',
      })
    ).result,
  ).toEqual({});
  const missing = await client.call('alarms.ack', { keys: ['nope|x|y'] });
  expect((missing.error as { code: string }).code).toBe('NOT_FOUND');
  const history = AlarmTransitionSchema.array().parse(
    (await client.call('alarms.history', { deviceId: 'pump-201' })).result,
  );
  expect(history.map((t) => t.to)).toEqual(['shelved', 'active_ack', 'active_unack']);
  expect(history[1]?.actor).toEqual(expect.any(String));

  const streamed = await until('the stream', async () => {
    const all = client.received
      .filter((m) => m.stream === 'alarms.changed')
      .flatMap((m) => AlarmInstanceSchema.array().parse(m.data));
    return all.some((i) => i.key === key && i.state === 'shelved') ? all : undefined;
  });
  // coalesced per 250 ms: the latest state of each instance, with what the operator said
  expect(streamed.find((i) => i.key === key && i.state === 'shelved')).toMatchObject({
    shelveReason: 'bearing on order',
    comments: [expect.objectContaining({ text: 'checking' })],
  });

  await engine.close();
  engine = undefined;
  // every transition went to the cloud outbox, in the same transaction as its journal row
  const { db } = openDatabase({ dataDir, log });
  const events = db
    .prepare("SELECT body FROM outbox WHERE kind = 'event'")
    .all()
    .map(
      (r) =>
        JSON.parse(Buffer.from((r as { body: Buffer }).body).toString()) as { type: string; subject: string },
    );
  const alarmEvents = events.filter((e) => e.type === 'io.fieldline.alarm.v1' && e.subject === key);
  const journaled = db.prepare('SELECT count(*) AS n FROM alarm_transitions WHERE key = ?').get(key) as {
    n: number;
  };
  expect(alarmEvents.length).toBe(journaled.n);
  expect(journaled.n).toBe(3);
  db.close();
});
