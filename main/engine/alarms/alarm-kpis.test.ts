import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { alarmKpis } from './alarm-kpis';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const MIN = 60_000;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function open(): Db {
  const dataDir = tempDataDir('kpis');
  dirs.push(dataDir);
  return openDatabase({ dataDir, log: silent }).db;
}

interface T {
  key?: string;
  rule?: string;
  device?: string;
  episode?: string;
  from: string;
  to: string;
  at: number;
  severity?: string;
  actor?: string;
  shadow?: boolean;
}

function journal(db: Db, rows: T[]): void {
  const insert = db.prepare(
    `INSERT INTO alarm_transitions (key, rule_id, rule_version, device_id, metric, episode_id, from_state,
       to_state, severity, value, device_time, at, late, shadow, actor, reason)
     VALUES (?, ?, 1, ?, 'm', ?, ?, ?, ?, NULL, ?, ?, 0, ?, ?, NULL)`,
  );
  for (const r of rows) {
    const rule = r.rule ?? 'r1';
    const device = r.device ?? 'd1';
    insert.run(
      r.key ?? `${rule}|${device}|m`,
      rule,
      device,
      r.episode ?? null,
      r.from,
      r.to,
      r.severity ?? 'high',
      r.at,
      r.at,
      r.shadow ? 1 : 0,
      r.actor ?? null,
    );
  }
}

function instance(db: Db, key: string, state: string, since: number | null): void {
  db.prepare(
    `INSERT INTO alarm_instances (key, rule_id, device_id, metric, state, since, updated_at)
     VALUES (?, 'r', 'd', 'm', ?, ?, 0)`,
  ).run(key, state, since);
}

describe('alarm KPIs (ISA-18.2 §16, EEMUA 191) from the journal', () => {
  it('an empty journal: zero rate, no flood, no ack times', () => {
    const k = alarmKpis(open(), T0, T0 + 60 * MIN);
    expect(k).toMatchObject({ perTenMinutes: 0, peakPerTenMinutes: 0, floodPercent: 0, chattering: 0 });
    expect(k.ackP50Ms).toBeNull();
    expect(k.topBadActors).toEqual([]);
  });

  it('rate per 10 minutes counts annunciations (new and re-alarms), not acks or clears; shadow rules never count', () => {
    const db = open();
    journal(db, [
      { from: 'pending', to: 'active_unack', at: T0 + 1 * MIN, episode: 'e1' },
      { from: 'active_unack', to: 'active_ack', at: T0 + 2 * MIN, episode: 'e1', actor: 'ann' },
      { from: 'active_ack', to: 'normal', at: T0 + 3 * MIN, episode: 'e1' },
      { from: 'normal', to: 'active_unack', at: T0 + 25 * MIN, episode: 'e2' },
      { from: 'active_unack', to: 'rtn_unack', at: T0 + 26 * MIN, episode: 'e2' },
      { from: 'rtn_unack', to: 'active_unack', at: T0 + 27 * MIN, episode: 'e2' },
      { rule: 'shadowy', from: 'normal', to: 'active_unack', at: T0 + 5 * MIN, shadow: true },
    ]);
    const k = alarmKpis(db, T0, T0 + 60 * MIN);
    // 3 annunciations over 6 ten-minute periods
    expect(k.perTenMinutes).toBeCloseTo(0.5);
    expect(k.peakPerTenMinutes).toBe(2);
    expect(k.bySeverity).toEqual({ high: 3 });
    expect(k.topBadActors).toEqual([{ ruleId: 'r1', deviceId: 'd1', count: 3 }]);
  });

  it('a flood is a 10-minute period with more than 10 alarms: 11 is a flood, 10 is not', () => {
    const db = open();
    const burst = (start: number, n: number, prefix: string): T[] =>
      Array.from({ length: n }, (_, i) => ({
        device: `${prefix}${i}`,
        from: 'normal',
        to: 'active_unack',
        at: start + i * 1000,
      }));
    journal(db, [...burst(T0, 11, 'a'), ...burst(T0 + 10 * MIN, 10, 'b')]);
    const k = alarmKpis(db, T0, T0 + 40 * MIN);
    expect(k.peakPerTenMinutes).toBe(11);
    // one of four periods
    expect(k.floodPercent).toBeCloseTo(25);
  });

  it('chattering: three annunciations of one alarm within 60 s; three spread over 61 s is not', () => {
    const db = open();
    const re = (key: string, at: number): T => ({ key, from: 'rtn_unack', to: 'active_unack', at });
    journal(db, [
      re('fast', T0),
      re('fast', T0 + 20_000),
      re('fast', T0 + 60_000),
      re('slow', T0),
      re('slow', T0 + 30_500),
      re('slow', T0 + 61_000),
    ]);
    expect(alarmKpis(db, T0, T0 + 10 * MIN).chattering).toBe(1);
  });

  it('stale (active > 24 h at the end of the period), shelved and out of service from the instances', () => {
    const db = open();
    const end = T0 + 48 * 3_600_000;
    instance(db, 'old', 'active_ack', end - 25 * 3_600_000);
    instance(db, 'young', 'active_unack', end - 23 * 3_600_000);
    instance(db, 's', 'shelved', null);
    instance(db, 'o', 'out_of_service', null);
    instance(db, 'n', 'normal', null);
    expect(alarmKpis(db, T0, end)).toMatchObject({ stale: 1, shelved: 1, outOfService: 1 });
  });

  it('time to acknowledge: from the episode first annunciating to the first operator ack, p50 and p90', () => {
    const db = open();
    const rows: T[] = [];
    // episodes acknowledged after 1..10 minutes
    for (let i = 1; i <= 10; i++) {
      const at = T0 + i * 3 * MIN;
      rows.push({ key: `k${i}`, episode: `e${i}`, from: 'normal', to: 'active_unack', at });
      rows.push({
        key: `k${i}`,
        episode: `e${i}`,
        from: 'active_unack',
        to: 'active_ack',
        at: at + i * MIN,
        actor: 'op',
      });
    }
    // a clear without an operator is no acknowledgement
    rows.push({ key: 'x', episode: 'ex', from: 'normal', to: 'active_unack', at: T0 });
    rows.push({ key: 'x', episode: 'ex', from: 'active_unack', to: 'rtn_unack', at: T0 + MIN });
    // acknowledging a returned alarm ends it: that counts
    rows.push({ key: 'y', episode: 'ey', from: 'rtn_unack', to: 'normal', at: T0 + 11 * MIN, actor: 'op' });
    rows.push({ key: 'y', episode: 'ey', from: 'normal', to: 'active_unack', at: T0 });
    journal(db, rows);
    const k = alarmKpis(db, T0, T0 + 120 * MIN);
    // 11 times: 1..10 min and 11 min
    expect(k.ackP50Ms).toBe(6 * MIN);
    expect(k.ackP90Ms).toBe(10 * MIN);
  });

  it('top bad actors: at most ten, most annunciations first', () => {
    const db = open();
    const rows: T[] = [];
    for (let d = 0; d < 12; d++) {
      for (let n = 0; n <= d; n++)
        rows.push({ device: `dev${d}`, from: 'normal', to: 'active_unack', at: T0 + n * MIN });
    }
    journal(db, rows);
    const top = alarmKpis(db, T0, T0 + 60 * MIN).topBadActors;
    expect(top).toHaveLength(10);
    expect(top[0]).toEqual({ ruleId: 'r1', deviceId: 'dev11', count: 12 });
    expect(top.at(-1)).toEqual({ ruleId: 'r1', deviceId: 'dev2', count: 3 });
  });
});
