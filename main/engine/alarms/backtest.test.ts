/**
 * Backtests on a real SQLite file: literal scenarios through the real state machine, raw and
 * rollup-only history, the bounds, and the property that a backtest finds exactly the
 * episodes the live alarm runtime journals for the same readings.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { type AlarmTransition, type RuleInput, RuleSchema } from '../../../common/alarm-contract';
import type { Reading } from '../../../common/reading';
import { openStore, tempDataDir } from '../store/test-fixtures';
import { type AlarmFixture, FIXTURE_DEVICES, openAlarmFixture } from './alarm-test-fixture';
import { Backtester, BacktestRefused } from './backtest';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function history(limits: { maxReadings?: number; maxSeries?: number } = {}) {
  const { db, store } = openStore(tempDataDir('backtest'));
  closers.push(() => db.close());
  for (const d of FIXTURE_DEVICES)
    store.upsertDevice({
      id: d.id,
      name: d.id,
      kind: 'k',
      profile: d.profile,
      transport: 'mqtt',
      connectorId: 'c',
    });
  const backtester = new Backtester({
    db,
    series: store.series,
    devices: { facts: (id) => FIXTURE_DEVICES.find((d) => d.id === id) },
    ...limits,
  });
  return { db, store, backtester };
}

function reading(deviceId: string, ts: number, value: number | null, metric = 'temperature'): Reading {
  return { deviceId, metric, ts, value, quality: 'good', source: 'test' };
}

const boilerRule = (extra: Partial<RuleInput> = {}) =>
  RuleSchema.parse({
    id: 'boiler-hot',
    name: 'Boiler too hot',
    // the issue's own example: alarm above 85 °C, clear below 80 °C
    target: { profile: 'boiler', site: 'north', metric: 'temperature' },
    condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 85, deadband: 5 } }] },
    ...extra,
  });

const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;

describe('backtest over raw history', () => {
  test('a boiler crossing 85 and clearing below 80 twice is two episodes, 4 notifications', () => {
    const { store, backtester } = history();
    const values = [70, 86, 83, 82, 79, 75, 90, 84, 81, 78, 70];
    store.insertBatch(values.map((v, i) => reading('boiler-1', T0 + i * 10 * MIN, v)));
    // another site's boiler crossing the limit is not the rule's
    store.insertBatch([reading('boiler-2', T0, 99)]);
    const r = backtester.run(boilerRule(), T0, T0 + DAY);
    expect(r.episodes).toEqual([
      {
        deviceId: 'boiler-1',
        metric: 'temperature',
        start: T0 + 10 * MIN,
        end: T0 + 40 * MIN,
        severity: 'high',
        chattering: false,
      },
      {
        deviceId: 'boiler-1',
        metric: 'temperature',
        start: T0 + 60 * MIN,
        end: T0 + 90 * MIN,
        severity: 'high',
        chattering: false,
      },
    ]);
    expect(r).toMatchObject({ notifications: 4, chattering: 0, readings: 11, resolution: 'raw' });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  test('history in compacted blocks and the in-memory head is read in time order', () => {
    const { store, backtester } = history();
    store.insertBatch([reading('boiler-1', T0, 70), reading('boiler-1', T0 + MIN, 90)]);
    store.flush();
    store.insertBatch([reading('boiler-1', T0 + 2 * MIN, 60)]);
    const r = backtester.run(boilerRule(), T0, T0 + DAY);
    expect(r.episodes.map((e) => [e.start, e.end])).toEqual([[T0 + MIN, T0 + 2 * MIN]]);
    expect(r.readings).toBe(3);
  });

  test('a chattering sensor: episodes that restart within 60 s of the last end are counted', () => {
    const { store, backtester } = history();
    // toggling across the limit every 10 s with no deadband: raise, clear, raise, ...
    const values = [84, 86, 84, 86, 84, 86, 84];
    store.insertBatch(values.map((v, i) => reading('boiler-1', T0 + i * 10_000, v)));
    const noBand = boilerRule({
      condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 85, deadband: 0 } }] },
    });
    const r = backtester.run(noBand, T0, T0 + DAY);
    expect(r.episodes.map((e) => [e.start - T0, e.end === null ? null : e.end - T0, e.chattering])).toEqual([
      [10_000, 20_000, false],
      [30_000, 40_000, true],
      [50_000, 60_000, true],
    ]);
    expect(r.chattering).toBe(2);
    expect(r.notifications).toBe(6);
    // the deadband is what stops it: 84 never goes below 80, so it is one episode still active
    const banded = backtester.run(boilerRule(), T0, T0 + DAY);
    expect(banded.episodes).toHaveLength(1);
    expect(banded.episodes[0]?.end).toBeNull();
    expect(banded).toMatchObject({ notifications: 1, chattering: 0 });
  });

  test('an on-delay the readings never outlast raises nothing; one that elapses by the range end does', () => {
    const { store, backtester } = history();
    store.insertBatch([reading('boiler-1', T0, 90), reading('boiler-1', T0 + 2 * MIN, 70)]);
    expect(backtester.run(boilerRule({ onDelayMs: 5 * MIN }), T0, T0 + DAY).episodes).toEqual([]);
    store.insertBatch([reading('boiler-1', T0 + 3 * MIN, 95)]);
    const r = backtester.run(boilerRule({ onDelayMs: 5 * MIN }), T0, T0 + DAY);
    expect(r.episodes.map((e) => [e.start, e.end])).toEqual([[T0 + 8 * MIN, null]]);
  });

  test('a latching alarm is never acknowledged in a backtest: it stays active to the range end', () => {
    const { store, backtester } = history();
    store.insertBatch([reading('boiler-1', T0, 90), reading('boiler-1', T0 + MIN, 60)]);
    const r = backtester.run(boilerRule({ latching: true }), T0, T0 + DAY);
    expect(r.episodes.map((e) => [e.start, e.end])).toEqual([[T0, null]]);
  });
});

describe('backtest beyond the raw horizon', () => {
  test('rollup-only history: each minute’s min and max at their own times, so a spike still fires', () => {
    const { db, store, backtester } = history();
    const rows: Reading[] = [];
    for (let t = T0; t < T0 + 5 * MIN; t += 10_000) rows.push(reading('boiler-1', t, 70));
    // one spike inside minute 1, back to 70 for the rest of it
    rows[8] = reading('boiler-1', T0 + 80_000, 95);
    store.insertBatch(rows);
    store.flush();
    // raw retention dropped the blocks; only the rollups remain
    db.prepare('DELETE FROM blocks').run();
    const r = backtester.run(boilerRule(), T0, T0 + DAY);
    expect(r.resolution).toBe('1m');
    // minute 1 gives (T0+60 s, 70) then (T0+80 s, 95): raised at the spike; minute 2's min clears
    expect(r.episodes.map((e) => [e.start - T0, e.end === null ? null : e.end - T0])).toEqual([
      [80_000, 120_000],
    ]);
    // 5 minutes: min and max each, one point where they coincide (all 70)
    expect(r.readings).toBe(2 + 1 + 1 + 1 + 1);
  });

  test('raw where it is kept, rollups before it, in one pass', () => {
    const { db, store, backtester } = history();
    store.insertBatch([reading('boiler-1', T0, 70), reading('boiler-1', T0 + 30_000, 91)]);
    store.flush();
    db.prepare('DELETE FROM blocks').run();
    store.insertBatch([reading('boiler-1', T0 + 10 * MIN, 60), reading('boiler-1', T0 + 11 * MIN, 88)]);
    const r = backtester.run(boilerRule(), T0, T0 + DAY);
    expect(r.resolution).toBe('1m');
    expect(r.episodes.map((e) => [e.start - T0, e.end === null ? null : e.end - T0])).toEqual([
      [30_000, 10 * MIN],
      [11 * MIN, null],
    ]);
  });
});

describe('bounds and refusals', () => {
  test('a range that would read too many readings is refused with a plain reason', () => {
    const { store, backtester } = history({ maxReadings: 5 });
    store.insertBatch(Array.from({ length: 6 }, (_, i) => reading('boiler-1', T0 + i * 1000, 70)));
    expect(() => backtester.run(boilerRule(), T0, T0 + DAY)).toThrow(BacktestRefused);
    expect(() => backtester.run(boilerRule(), T0, T0 + DAY)).toThrow(/more than 5 readings/);
  });

  test('a target matching too many series is refused before any reading is read', () => {
    const { store, backtester } = history({ maxSeries: 1 });
    store.insertBatch([reading('boiler-1', T0, 90), reading('boiler-2', T0, 90)]);
    const anyBoiler = boilerRule({ target: { profile: 'boiler', metric: 'temperature' } });
    expect(() => backtester.run(anyBoiler, T0, T0 + DAY)).toThrow(/more than 1 series: narrow its target/);
    expect(backtester.run(boilerRule(), T0, T0 + DAY).episodes).toHaveLength(1);
  });

  test('an empty range and an offline rule are refused, not crashed on', () => {
    const { backtester } = history();
    expect(() => backtester.run(boilerRule(), T0, T0)).toThrow(/must end after/);
    const offline = boilerRule({ target: { profile: 'boiler' }, condition: { kind: 'offline' } as never });
    expect(() => backtester.run(offline, T0, T0 + DAY)).toThrow(/offline rules cannot be backtested/);
  });
});

/** episodes as the live runtime journaled them: by episode id, from raise to clear */
function journaledEpisodes(transitions: AlarmTransition[]) {
  const byEpisode = new Map<string, { start: number; end: number | null; severity: string }>();
  const order = ['info', 'warning', 'high', 'critical'];
  for (const t of [...transitions].sort((a, b) => a.seq - b.seq)) {
    if (!t.episodeId) continue;
    let e = byEpisode.get(t.episodeId);
    if (!e) {
      e = { start: t.deviceTime, end: null, severity: t.severity ?? 'warning' };
      byEpisode.set(t.episodeId, e);
    }
    if (t.severity && order.indexOf(t.severity) > order.indexOf(e.severity)) e.severity = t.severity;
    if (t.to === 'rtn_unack' || t.to === 'normal') e.end = t.deviceTime;
  }
  return [...byEpisode.values()];
}

const DAY = 86_400_000;

describe('property', () => {
  test('a backtest finds exactly the episodes the live runtime journals for the same readings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 60, max: 100 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.constantFrom(0, 20_000, 90_000),
        fc.constantFrom(0, 20_000, 90_000),
        fc.option(fc.constantFrom({ n: 2, m: 3 }, { n: 1, m: 2 }), { nil: undefined }),
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        (steps, onDelayMs, offDelayMs, confirm, deadband, ladder) => {
          const levels = [{ severity: 'warning' as const, above: { value: 80, deadband } }];
          if (ladder) levels.push({ severity: 'critical' as const, above: { value: 92, deadband } } as never);
          const rule = boilerRule({
            condition: { kind: 'threshold', levels },
            onDelayMs,
            offDelayMs,
            ...(confirm ? { confirm } : {}),
          });
          let t = T0;
          const readings = steps.map(([gapS, v]) => {
            t += gapS * 1000;
            return reading('boiler-1', t, v);
          });
          const to = t + 60_000;

          const live: AlarmFixture = openAlarmFixture(tempDataDir('backtest-live'), T0);
          try {
            live.service.saveRule(rule, 'test');
            for (let i = 0; i < readings.length; i += 7) live.ingest(readings.slice(i, i + 7));
            live.clock.now = to;
            live.service.tick();
            const journaled = journaledEpisodes(live.service.history({ limit: 10_000 }));

            const { store, backtester } = history();
            store.insertBatch(readings);
            const r = backtester.run(rule, T0, to);
            expect(r.episodes.map((e) => ({ start: e.start, end: e.end, severity: e.severity }))).toEqual(
              journaled,
            );
          } finally {
            live.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
