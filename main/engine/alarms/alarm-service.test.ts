/**
 * The alarm runtime on a real SQLite file: rule versions, instances per rule × series,
 * the journal and its notices in one transaction, restart restore of delays, N-of-M windows
 * and shelve expiry, suppression by design, operator actions and their audit entries.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { type RuleInput, RuleSchema } from '../../../common/alarm-contract';
import { tempDataDir } from '../store/test-fixtures';
import { dedupKey, instanceKey } from './alarm-service';
import { type AlarmFixture, openAlarmFixture } from './alarm-test-fixture';

const open: AlarmFixture[] = [];
afterEach(() => {
  for (const f of open.splice(0)) f.close();
});
function fixture(dataDir = tempDataDir('alarms'), start?: number): AlarmFixture {
  const f = openAlarmFixture(dataDir, start);
  open.push(f);
  return f;
}
function reopen(f: AlarmFixture, dataDir: string, now: number): AlarmFixture {
  f.close();
  open.splice(open.indexOf(f), 1);
  return fixture(dataDir, now);
}

const boilerRule = (extra: Partial<RuleInput> = {}) =>
  RuleSchema.parse({
    id: 'boiler-hot',
    name: 'Boiler too hot',
    target: { profile: 'boiler', metric: 'temperature' },
    condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 85, deadband: 5 } }] },
    labels: { team: 'utilities' },
    ...extra,
  });
const T = 1_000_000;

describe('rules', () => {
  test('save bumps the version only when the rule changed, hashes canonical JSON, and audits', () => {
    const f = fixture();
    const first = f.service.saveRule(boilerRule(), 'ana');
    expect(first.version).toBe(1);
    // canonical JSON: keys sorted, so the hash does not depend on property order
    const sorted = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sorted)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
            )
          : v;
    expect(first.hash).toBe(
      createHash('sha256')
        .update(JSON.stringify(sorted(boilerRule())))
        .digest('hex'),
    );
    expect(f.service.saveRule(boilerRule(), 'ana').version).toBe(1);
    expect(f.service.saveRule(boilerRule({ onDelayMs: 1000 }), 'ana').version).toBe(2);
    const actions = f.audit.list({ subject: 'alarm-rule:boiler-hot' }).entries.map((e) => e.action);
    expect(actions).toEqual(['alarm.rule.update', 'alarm.rule.create']);
  });

  test('built-in rules are saved once, flagged built-in; a person’s edit survives the next start', () => {
    const dir = tempDataDir('alarms');
    let f = fixture(dir);
    f.service.seedRules([boilerRule()]);
    f.service.saveRule(boilerRule({ onDelayMs: 5000 }), 'ana');
    f = reopen(f, dir, T);
    f.service.seedRules([boilerRule()]);
    const [summary] = f.service.listRules();
    expect(summary).toMatchObject({ builtIn: true, version: 2, rule: { onDelayMs: 5000 } });
  });

  test('refused: a value rule without a metric; an expression that does not parse or names a metric its profile lacks', () => {
    const f = fixture();
    expect(() => f.service.saveRule(boilerRule({ target: { profile: 'boiler' } }), 'ana')).toThrow(/metric/);
    const withExpression = (expression: string) =>
      RuleSchema.parse({ ...boilerRule(), condition: { kind: 'expression', expression } });
    expect(() => f.service.saveRule(withExpression('value >'), 'ana')).toThrow(/condition\.expression/);
    expect(() => f.service.saveRule(withExpression('metrics.flow > 3.0'), 'ana')).toThrow(
      /profile boiler: .*flow/,
    );
    // the profile has it: saved, and its instances judge readings
    expect(f.service.saveRule(withExpression('metrics.pressure > 3.0 && value > 80.0'), 'ana').version).toBe(
      1,
    );
  });
});

describe('evaluation and the journal', () => {
  test('one instance per rule × series by target; each transition journaled with its notice', () => {
    const f = fixture();
    f.service.saveRule(boilerRule(), 'ana');
    f.ingest([
      { deviceId: 'boiler-1', metric: 'temperature', ts: T + 2000, value: 79 },
      // out of order inside a batch: judged in device-time order
      { deviceId: 'boiler-1', metric: 'temperature', ts: T + 1000, value: 90 },
      { deviceId: 'boiler-2', metric: 'temperature', ts: T + 1000, value: 70 },
      { deviceId: 'pump-1', metric: 'temperature', ts: T + 1000, value: 99 },
    ]);
    const all = f.service.list({ includeNormal: true });
    expect(all.map((i) => i.key).sort()).toEqual([
      instanceKey('boiler-hot', 'boiler-1', 'temperature'),
      instanceKey('boiler-hot', 'boiler-2', 'temperature'),
    ]);
    const notices = f.service.after(0, 100);
    expect(notices.map((n) => n.kind)).toEqual(['raised', 'cleared']);
    const [raised, cleared] = notices;
    const key = instanceKey('boiler-hot', 'boiler-1', 'temperature');
    expect(raised?.transition).toMatchObject({
      key,
      from: 'normal',
      to: 'active_unack',
      deviceTime: T + 1000,
    });
    expect(cleared?.transition).toMatchObject({
      from: 'active_unack',
      to: 'rtn_unack',
      deviceTime: T + 2000,
    });
    expect(raised?.dedupKey).toBe(cleared?.dedupKey);
    expect(raised?.dedupKey).toBe(
      createHash('sha256')
        .update(JSON.stringify(['site-A', 'boiler-hot', key, raised?.transition.episodeId]))
        .digest('hex'),
    );
    expect(raised?.dedupKey).toBe(
      dedupKey('site-A', 'boiler-hot', key, raised?.transition.episodeId ?? null),
    );
    expect(raised?.labels).toMatchObject({
      team: 'utilities',
      rule: 'boiler-hot',
      site: 'north',
      severity: 'high',
    });
    expect(raised?.episodeStart).toBe(T + 1000);
    // every journal row has exactly one notice row
    const rows = f.db
      .prepare(
        'SELECT count(*) AS n FROM alarm_transitions t JOIN alarm_notices n ON n.transition_seq = t.seq',
      )
      .get() as { n: number };
    expect(rows.n).toBe(2);
    expect(f.service.history({ deviceId: 'boiler-1', limit: 10 }).map((t) => t.to)).toEqual([
      'rtn_unack',
      'active_unack',
    ]);
  });

  test('shadow rules journal, and their notices say shadow', () => {
    const f = fixture();
    f.service.saveRule(boilerRule({ mode: 'shadow' }), 'ana');
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 }]);
    const [n] = f.service.after(0, 10);
    expect(n?.shadow).toBe(true);
    expect(n?.transition.shadow).toBe(true);
  });

  test('a rolled-back ingest commit leaves no journal row and the instance as it was before', () => {
    const f = fixture();
    f.service.saveRule(boilerRule(), 'ana');
    expect(() =>
      f.db.transaction(() => {
        f.service.evaluate([
          { deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90, quality: 'good', source: 't' },
        ]);
        throw new Error('disk full');
      })(),
    ).toThrow('disk full');
    // a timer or an operator in between must not build on the undone evaluation
    f.service.tick();
    expect(f.service.list()).toEqual([]);
    expect(f.service.after(0, 10)).toEqual([]);
    // the retried batch is judged afresh: one raise, not zero
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 }]);
    expect(f.service.after(0, 10).map((n) => n.kind)).toEqual(['raised']);
  });

  test('consumers read notices in order through their own cursor', () => {
    const f = fixture();
    f.service.saveRule(boilerRule(), 'ana');
    let told = 0;
    f.service.onNotices(() => told++);
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 }]);
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T + 1, value: 70 }]);
    expect(told).toBe(2);
    expect(f.service.cursor('notify')).toBe(0);
    const [first] = f.service.after(0, 1);
    f.db.transaction(() => f.service.advance('notify', first?.seq ?? 0))();
    expect(f.service.after(f.service.cursor('notify'), 10).map((n) => n.kind)).toEqual(['cleared']);
  });
});

describe('restart', () => {
  test('an on-delay running at shutdown fires at its deadline after the restart', () => {
    const dir = tempDataDir('alarms');
    let f = fixture(dir, T);
    f.service.saveRule(boilerRule({ onDelayMs: 60_000 }), 'ana');
    // the instance exists and is stored before the on-delay starts
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T - 1000, value: 70 }]);
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 }]);
    expect(f.service.list()[0]?.state).toBe('pending');
    f = reopen(f, dir, T + 30_000);
    expect(f.service.list()[0]?.state).toBe('pending');
    f.clock.now = T + 61_000;
    f.service.tick();
    const [n] = f.service.after(0, 10);
    expect(n?.kind).toBe('raised');
    expect(n?.transition.deviceTime).toBe(T + 60_000);
  });

  test('an N-of-M window and a deadband are where they were', () => {
    const dir = tempDataDir('alarms');
    let f = fixture(dir, T);
    f.service.saveRule(boilerRule({ confirm: { n: 2, m: 3 } }), 'ana');
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T - 10, value: 70 }]);
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 }]);
    f = reopen(f, dir, T + 10);
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T + 10, value: 86 }]);
    expect(f.service.after(0, 10).map((n) => n.kind)).toEqual(['raised']);
    f = reopen(f, dir, T + 20);
    // 82 is inside the deadband restored with the evaluator: still holding
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T + 20, value: 82 }]);
    expect(f.service.after(0, 10).map((n) => n.kind)).toEqual(['raised']);
  });

  test('a shelve that expired while stopped ends at the first tick after the restart', () => {
    const dir = tempDataDir('alarms');
    let f = fixture(dir, T);
    f.service.saveRule(boilerRule(), 'ana');
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 }]);
    const key = instanceKey('boiler-hot', 'boiler-1', 'temperature');
    f.service.shelve([key], T + 3_600_000, 'burner service', 'ana');
    f = reopen(f, dir, T + 1000);
    expect(f.service.list()[0]).toMatchObject({ state: 'shelved', shelveReason: 'burner service' });
    f = reopen(f, dir, T + 3_600_000);
    // start() ticks once
    expect(f.service.list()[0]?.state).toBe('active_unack');
    expect(f.service.after(0, 10).map((n) => n.kind)).toEqual(['raised', 'shelved', 'unshelved']);
  });
});

describe('operators and suppression', () => {
  test('unacknowledged first; ack, comment, shelve (audited), out of service (audited)', () => {
    const f = fixture();
    f.service.saveRule(boilerRule(), 'ana');
    f.ingest([
      { deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 },
      { deviceId: 'boiler-2', metric: 'temperature', ts: T, value: 91 },
    ]);
    const k1 = instanceKey('boiler-hot', 'boiler-1', 'temperature');
    const k2 = instanceKey('boiler-hot', 'boiler-2', 'temperature');
    f.service.acknowledge([k1], 'ana', 'seen');
    expect(f.service.list().map((i) => [i.key, i.state])).toEqual([
      [k2, 'active_unack'],
      [k1, 'active_ack'],
    ]);
    f.service.comment([k1], 'fuel valve sticking', 'bo');
    expect(f.service.list({ deviceId: 'boiler-1' })[0]?.comments.map((c) => c.text)).toEqual([
      'seen',
      'fuel valve sticking',
    ]);
    expect(() => f.service.shelve([k2], T - 1, 'x', 'ana')).toThrow(/future/);
    expect(() => f.service.acknowledge(['nope'], 'ana')).toThrow(/no alarm/);
    f.service.shelve([k2], T + 60_000, 'known issue', 'ana');
    f.service.setOutOfService([k1], true, 'sensor replaced', 'bo');
    expect(f.audit.list({ action: 'alarm.shelve' }).entries[0]?.after).toEqual({
      until: T + 60_000,
      reason: 'known issue',
    });
    expect(f.audit.list({ action: 'alarm.out-of-service' }).entries).toHaveLength(1);
    const kinds = f.service.after(0, 100).map((n) => `${n.kind}:${n.transition.actor ?? ''}`);
    expect(kinds).toEqual(['raised:', 'raised:', 'acknowledged:ana', 'shelved:ana', 'suppressed:bo']);
  });

  test('a device offline: one offline alarm, its value alarms suppressed by design, then given back', () => {
    const f = fixture();
    f.service.saveRule(boilerRule(), 'ana');
    f.service.saveRule(
      RuleSchema.parse({
        id: 'offline',
        name: 'Device offline',
        target: { site: 'north' },
        condition: { kind: 'offline' },
      }),
      'ana',
    );
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 }]);
    f.offline.add('boiler-1');
    f.clock.now = T + 120_000;
    f.service.tick();
    const value = instanceKey('boiler-hot', 'boiler-1', 'temperature');
    const off = instanceKey('offline', 'boiler-1', null);
    const states = Object.fromEntries(f.service.list().map((i) => [i.key, i.state]));
    expect(states).toEqual({ [value]: 'suppressed', [off]: 'active_unack' });
    f.offline.delete('boiler-1');
    f.clock.now = T + 130_000;
    f.service.tick();
    const after = Object.fromEntries(f.service.list().map((i) => [i.key, i.state]));
    expect(after).toEqual({ [value]: 'active_unack', [off]: 'rtn_unack' });
    const kinds = f.service.after(0, 100).map((n) => `${n.kind}:${n.transition.key}`);
    expect(kinds).toEqual([
      `raised:${value}`,
      `raised:${off}`,
      `suppressed:${value}`,
      `cleared:${off}`,
      `unsuppressed:${value}`,
    ]);
  });

  test('deleting a rule closes its open episodes in the journal', () => {
    const f = fixture();
    f.service.saveRule(boilerRule(), 'ana');
    f.ingest([{ deviceId: 'boiler-1', metric: 'temperature', ts: T, value: 90 }]);
    f.service.deleteRule('boiler-hot', 'ana');
    expect(f.service.list({ includeNormal: true })).toEqual([]);
    expect(f.service.after(0, 10).map((n) => `${n.kind}:${n.transition.to}:${n.transition.reason}`)).toEqual([
      'raised:active_unack:null',
      'cleared:normal:rule deleted',
    ]);
  });
});
