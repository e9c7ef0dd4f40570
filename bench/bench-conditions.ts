/**
 * npm run bench:conditions — evaluations per second of each alarm condition kind (alarm-
 * conditions slice of issue 12), CEL evaluations per second for small expressions, and
 * windowed aggregates answered from the rollups of a real SQLite file.
 */
import type { Condition } from '../common/alarm-contract';
import { compileExpression } from '../main/engine/alarms/cel/cel-expression';
import type {
  ConditionEvaluator,
  EvaluationContext,
  Sample,
} from '../main/engine/alarms/condition-evaluator';
import { conditionKinds } from '../main/engine/alarms/conditions/all-kinds';
import { rollupAggregate } from '../main/engine/alarms/conditions/rollup-aggregate';
import { batchOf, openStore, type Row } from '../main/engine/store/test-fixtures';

const T0 = Date.UTC(2026, 0, 1);
const N = 1_000_000;
const levels = [
  { severity: 'warning' as const, above: { value: 85, deadband: 5, deadbandPercent: false } },
  { severity: 'critical' as const, above: { value: 95, deadband: 2, deadbandPercent: false } },
];
const ctx: EvaluationContext = {
  device: { id: 'd1', profile: 'boiler', site: 'north', tags: ['plant-a'] },
  latest: () => ({ ts: T0, value: 42, quality: 'good' }),
  aggregate: () => 80,
};

const kinds: [string, Exclude<Condition, { kind: 'threshold' | 'offline' }>][] = [
  ['rate (1 min window)', { kind: 'rate', windowMs: 60_000, levels }],
  ['deviation (setpoint)', { kind: 'deviation', reference: { setpoint: 80 }, levels }],
  ['deviation (other series)', { kind: 'deviation', reference: { deviceId: 'd2', metric: 't' }, levels }],
  ['aggregate avg (5 min, in memory)', { kind: 'aggregate', fn: 'avg', windowMs: 300_000, levels }],
  ['aggregate avg (24 h, store)', { kind: 'aggregate', fn: 'avg', windowMs: 86_400_000, levels }],
  ['stale (sample + advance)', { kind: 'stale', afterMs: 300_000, severity: 'warning' }],
  ['flatline (10 min)', { kind: 'flatline', windowMs: 600_000, tolerance: 0.01, severity: 'warning' }],
  ['quality', { kind: 'quality', severity: 'warning' }],
  [
    'expression (value - prev > 2.0)',
    { kind: 'expression', expression: 'value - prev > 2.0', severity: 'high' },
  ],
];

const samples: Sample[] = Array.from({ length: 4096 }, (_, i) => ({
  ts: 0,
  value: 80 + 10 * Math.sin(i / 50),
  quality: i % 500 === 0 ? 'suspect' : 'good',
}));

function best(run: () => void, ops: number, rounds = 3): number {
  let top = 0;
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    run();
    top = Math.max(top, ops / ((performance.now() - started) / 1000));
  }
  return top;
}

const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M/s`;

console.log(`condition evaluations per second (${N.toLocaleString('en')} readings, 1 s apart, best of 3):`);
for (const [name, c] of kinds) {
  const factory = conditionKinds[c.kind] as (
    c: Condition,
    s: { deviceId: string; metric: string },
  ) => ConditionEvaluator;
  const rate = best(() => {
    const e = factory(c, { deviceId: 'd1', metric: 't' });
    for (let i = 0; i < N; i++) {
      const s = samples[i & 4095]!;
      s.ts = T0 + i * 1000;
      e.sample(s, ctx);
      if (c.kind === 'stale') e.advance!(s.ts + 500, ctx);
    }
  }, N);
  console.log(`  ${name.padEnd(36)} ${fmt(rate)}`);
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  console.log('memory per instance after its first reading (10,000 instances, heap + array buffers):');
  const used = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const kept: ConditionEvaluator[][] = [];
  for (const [name, c] of kinds) {
    const factory = conditionKinds[c.kind] as (
      c: Condition,
      s: { deviceId: string; metric: string },
    ) => ConditionEvaluator;
    const before = used();
    // kept for the whole run: freeing the last kind's instances would blur this one's figure
    const keep: ConditionEvaluator[] = [];
    kept.push(keep);
    for (let i = 0; i < 10_000; i++) {
      const e = factory(c, { deviceId: 'd1', metric: 't' });
      e.sample({ ts: T0 + i, value: 80, quality: 'good' }, ctx);
      keep.push(e);
    }
    const bytes = (used() - before) / keep.length;
    console.log(`  ${name.padEnd(36)} ${Math.round(bytes).toLocaleString('en')} B`);
  }
}

console.log('CEL evaluations per second (compiled once, variables built per call):');
for (const src of ['value > 80.0', 'value - prev > 2.0', 'value > 80.0 && metrics.flow < 5.0']) {
  const compiled = compileExpression(src, 'bool');
  const vars = {
    value: 81,
    prev: 78,
    ts: T0,
    device: ctx.device,
    metrics: new Map([['flow', 3]]),
  };
  const rate = best(() => {
    for (let i = 0; i < N; i++) {
      vars.value = 70 + (i % 20);
      compiled.run(vars);
    }
  }, N);
  console.log(`  ${src.padEnd(36)} ${fmt(rate)}`);
}

{
  const { db, store } = openStore();
  const id = store.seriesId('d1', 'temp');
  const rows: Row[] = [];
  for (let t = T0; t < T0 + 30 * 86_400_000; t += 10_000) rows.push([id, t, 20 + Math.sin(t / 3e6), 0, -1]);
  store.ingestColumns(batchOf(rows));
  store.flush();
  const aggregate = rollupAggregate(db, store);
  const windows = 200;
  for (const [label, span] of [
    ['24 h', 86_400_000],
    ['7 d', 7 * 86_400_000],
  ] as const) {
    const started = performance.now();
    for (let i = 0; i < windows; i++) {
      const to = T0 + 20 * 86_400_000 + i * 7_777_777;
      aggregate('d1', 'temp', 'avg', to - span, to);
    }
    const ms = (performance.now() - started) / windows;
    console.log(
      `rollup aggregate, ${label} window over ${rows.length.toLocaleString('en')} stored readings: ${ms.toFixed(2)} ms per query`,
    );
  }
  db.close();
}
