import { afterEach, describe, expect, test } from 'vitest';
import { type Rule, RuleSchema } from '../../../../common/alarm-contract';
import type { Reading } from '../../../../common/reading';
import { IngestPipeline } from '../../ingest/pipeline';
import { ReadingValidator } from '../../ingest/validate';
import type { Db } from '../../store/database';
import { openStore, silent } from '../../store/test-fixtures';
import type { DeviceFacts, Sample } from '../condition-evaluator';
import { DeriveRecorder } from './derive';

const T0 = Date.UTC(2026, 0, 1, 8);
const d1: DeviceFacts = { id: 'd1', profile: 'pump', site: 'north', tags: ['line-2'] };

function rule(id: string, metric: string, derive: { expression: string; metric: string }, extra = {}): Rule {
  return RuleSchema.parse({
    id,
    name: id,
    target: { metric, site: 'north' },
    condition: { kind: 'quality' },
    actions: [{ kind: 'derive', ...derive }],
    ...extra,
  });
}

const reading = (metric: string, ts: number, value: number | null, source = 'serial-1'): Reading => ({
  deviceId: 'd1',
  metric,
  ts,
  value,
  quality: value === null ? 'null' : 'good',
  source,
});

function recorder(latest: Record<string, number> = {}) {
  const pushed: Reading[] = [];
  const r = new DeriveRecorder({
    push: (batch) => pushed.push(...batch),
    device: (id) => (id === 'd1' ? d1 : undefined),
    latest: (deviceId, metric): Sample | undefined =>
      latest[`${deviceId}/${metric}`] === undefined
        ? undefined
        : { ts: T0, value: latest[`${deviceId}/${metric}`]!, quality: 'good' },
    log: silent,
  });
  return { r, pushed };
}

describe('derive (recording rules)', () => {
  test('each reading of the target gives a reading of the derived metric, same device and time, source naming the rule', () => {
    const { r, pushed } = recorder({ 'd1/head_m': 12 });
    r.setRules([
      rule('hydraulic-power', 'flow', {
        expression: 'value / 60.0 * metrics.head_m * 9.81',
        metric: 'power_kw',
      }),
    ]);
    expect(
      r.onReadings([reading('flow', T0, 30), reading('pressure', T0, 2), reading('flow', T0 + 1000, null)]),
    ).toBe(1);
    expect(pushed).toEqual([
      {
        deviceId: 'd1',
        metric: 'power_kw',
        ts: T0,
        value: (30 / 60) * 12 * 9.81,
        quality: 'good',
        source: 'derived:hydraulic-power',
      },
    ]);
  });

  test("prev is the input's previous value per device", () => {
    const { r, pushed } = recorder();
    r.setRules([rule('delta', 'energy', { expression: 'value - prev', metric: 'energy_delta' })]);
    r.onReadings([reading('energy', T0, 100), reading('energy', T0 + 1000, 103.5)]);
    expect(pushed.map((p) => p.value)).toEqual([0, 3.5]);
  });

  test('readings of other sites, unknown devices, shadow and disabled rules derive nothing', () => {
    const { r, pushed } = recorder();
    r.setRules([
      rule(
        'elsewhere',
        'flow',
        { expression: 'value', metric: 'x' },
        { target: { metric: 'flow', site: 'south' } },
      ),
      rule('shadow', 'flow', { expression: 'value', metric: 'y' }, { mode: 'shadow' }),
      rule('off', 'flow', { expression: 'value', metric: 'z' }, { enabled: false }),
    ]);
    r.onReadings([reading('flow', T0, 1), { ...reading('flow', T0, 1), deviceId: 'stranger' }]);
    expect(pushed).toEqual([]);
  });

  test('refused rules say why: its own metric, no target metric, a bad or non-numeric expression', () => {
    const { r } = recorder();
    const refused = r.setRules([
      rule('self', 'flow', { expression: 'value * 2.0', metric: 'flow' }),
      rule('any', 'flow', { expression: 'value', metric: 'q' }, { target: { site: 'north' } }),
      rule('bool', 'flow', { expression: 'value > 2.0', metric: 'q' }),
      rule('loop', 'flow', { expression: '[1.0].map(x, [2.0].map(y, x))[0][0]', metric: 'q' }),
    ]);
    expect(refused).toEqual([
      { ruleId: 'self', error: 'a derive rule cannot write the metric it reads (flow)' },
      { ruleId: 'any', error: 'a derive rule needs the metric it reads (target.metric)' },
      { ruleId: 'bool', error: 'the expression must give a number, not bool' },
      { ruleId: 'loop', error: expect.stringMatching(/loop inside a loop/) },
    ]);
  });

  test('an evaluation error derives nothing and is kept for the rule editor; a result that is not finite is an invalid reading', () => {
    const { r, pushed } = recorder();
    r.setRules([
      rule('needs-head', 'flow', { expression: 'value * metrics.head_m', metric: 'p' }),
      rule('ratio', 'flow', { expression: '1.0 / value', metric: 'inverse' }),
    ]);
    r.onReadings([reading('flow', T0, 0)]);
    expect(r.lastError.get('needs-head')).toMatch(/head_m/);
    expect(r.counters.errors).toBe(1);
    expect(pushed).toEqual([
      { deviceId: 'd1', metric: 'inverse', ts: T0, value: null, quality: 'invalid', source: 'derived:ratio' },
    ]);
  });
});

describe('derive through the real pipeline and store', () => {
  let db: Db | undefined;
  let pipeline: IngestPipeline | undefined;
  afterEach(() => {
    pipeline?.close();
    db?.close();
    pipeline = undefined;
    db = undefined;
  });

  test('derived readings are stored, and two rules feeding each other do not loop', () => {
    const opened = openStore();
    db = opened.db;
    const store = opened.store;
    const p = new IngestPipeline({ store, validator: new ReadingValidator(() => undefined), log: silent });
    pipeline = p;
    const pushed: Reading[] = [];
    const live = new DeriveRecorder({
      push: (batch) => {
        pushed.push(...batch);
        p.push(batch);
      },
      device: (id) => (id === 'd1' ? d1 : undefined),
      latest: () => undefined,
      log: silent,
    });
    live.setRules([
      rule('to-m3h', 'flow', { expression: 'value * 0.06', metric: 'flow_m3h' }),
      rule('back', 'flow_m3h', { expression: 'value / 0.06', metric: 'flow' }),
    ]);
    p.onBatch((result) => live.onReadings(result.accepted));
    p.push([reading('flow', T0, 250), reading('flow', T0 + 1000, 260)]);
    p.flush(); // stores flow; derives flow_m3h into the queue
    p.flush(); // stores flow_m3h; a derived reading derives nothing
    expect(p.queued()).toBe(0);
    expect(pushed.map((x) => [x.metric, x.source])).toEqual([
      ['flow_m3h', 'derived:to-m3h'],
      ['flow_m3h', 'derived:to-m3h'],
    ]);
    const stored = store.rawWindow('d1', 'flow_m3h', T0, T0 + 10_000, 100);
    expect(stored.ts).toEqual([T0, T0 + 1000]);
    expect(stored.values[0]).toBeCloseTo(15, 9);
    expect(stored.values[1]).toBeCloseTo(15.6, 9);
    expect(store.rawWindow('d1', 'flow', T0, T0 + 10_000, 100).ts).toEqual([T0, T0 + 1000]);
  });
});
