/**
 * Every condition kind reaches the running engine: a CEL expression rule raised on live demo
 * readings, a rule naming a metric its profile lacks refused at save, and a derive action
 * writing its metric back through ingest.
 */
import { afterEach, expect, test } from 'vitest';
import { AlarmInstanceSchema } from '../../../common/alarm-contract';
import { DeviceSummarySchema } from '../../../common/contract';
import { createEngine, type Engine } from '../engine';
import { createLogger } from '../log';
import { tempDataDir } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';
import { until } from '../test-until';

const log = createLogger({ level: 'silent' });
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

test('CEL and derive rules on the demo site: raised on live readings, type-checked at save, derived readings stored', async () => {
  engine = await createEngine({ dataDir: tempDataDir('alarm-kinds'), demo: true, host: 'test', log });
  const [server, clientEnd] = transportPair();
  engine.connect(server);
  const client = rawClient(clientEnd);
  const pump = (await client.call('devices.get', { deviceId: 'pump-201' })).result as { profile: string };

  const unknownMetric = await client.call('alarms.rules.save', {
    rule: {
      id: 'typo',
      name: 'typo',
      target: { profile: pump.profile, metric: 'vibration' },
      condition: { kind: 'expression', expression: 'metrics.vibrashun > 1.0' },
    },
  });
  expect(unknownMetric.error).toMatchObject({
    code: 'INVALID_PARAMS',
    message: expect.stringMatching(/vibrashun/),
  });

  await client.call('alarms.rules.save', {
    rule: {
      id: 'pump-cel',
      name: 'Pump A vibrates at all',
      target: { deviceIds: ['pump-201'], metric: 'vibration' },
      condition: { kind: 'expression', expression: 'value >= 0.0', severity: 'warning' },
      actions: [{ kind: 'derive', expression: 'value * 2.0', metric: 'vibration_doubled', unit: 'mm/s' }],
    },
  });
  const raised = await until('the CEL alarm', async () => {
    const list = AlarmInstanceSchema.array().parse(
      (await client.call('alarms.list', { ruleId: 'pump-cel' })).result,
    );
    return list.find((i) => i.state === 'active_unack');
  });
  expect(raised).toMatchObject({ deviceId: 'pump-201', metric: 'vibration', severity: 'warning' });

  const derived = await until('the derived metric', async () => {
    const device = DeviceSummarySchema.parse(
      (await client.call('devices.get', { deviceId: 'pump-201' })).result,
    );
    const doubled = device.metrics.find((m) => m.name === 'vibration_doubled')?.last;
    const source = device.metrics.find((m) => m.name === 'vibration')?.last;
    return doubled && source && doubled.ts === source.ts ? { doubled, source } : undefined;
  });
  expect(derived.doubled.value).toBeCloseTo((derived.source.value ?? Number.NaN) * 2, 6);
});
