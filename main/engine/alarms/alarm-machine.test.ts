/**
 * The instance state machine against the ISA-18.2 alarm state diagram (ANSI/ISA-18.2-2016
 * §11.5 figure 7 / IEC 62682 figure 5: A normal, B unack, C ack, D RTN unack; shelved,
 * suppressed by design, out of service), and the properties with fast-check.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Condition, ConditionSchema, type Severity } from '../../../common/alarm-contract';
import { AlarmMachine, type MachineChange, type MachineConfig } from './alarm-machine';
import type { Verdict } from './condition-evaluator';
import { compileThreshold } from './conditions/threshold';

const base: MachineConfig = {
  onDelayMs: 0,
  offDelayMs: 0,
  latching: false,
  lateToleranceMs: 60_000,
};
const on = (severity: Severity = 'high', value = 90): Verdict => ({ severity, value, reason: 'r' });
const off = (value = 70): Verdict => ({ severity: null, value, reason: 'r' });
const moves = (changes: MachineChange[]) => changes.map((c) => `${c.kind}:${c.from}>${c.to}`);

/** the seed example: alarm above 85 °C, clear below 80 °C */
const boiler = ConditionSchema.parse({
  kind: 'threshold',
  levels: [{ severity: 'high', above: { value: 85, deadband: 5 } }],
}) as Extract<Condition, { kind: 'threshold' }>;

describe('threshold with deadband', () => {
  test('alarm above 85, clear below 80; 80 itself stays in the band', () => {
    const e = compileThreshold(boiler);
    const sev = (v: number) => e.sample({ ts: 0, value: v, quality: 'good' }, undefined as never).severity;
    expect([84, 85, 85.1, 82, 80, 79.9, 84.9, 86].map(sev)).toEqual([
      null,
      null,
      'high',
      'high',
      'high',
      null,
      null,
      'high',
    ]);
  });

  test('deadband as a percentage of the limit: 5 % of 200 clears below 190', () => {
    const e = compileThreshold(
      ConditionSchema.parse({
        kind: 'threshold',
        levels: [{ severity: 'warning', above: { value: 200, deadband: 5, deadbandPercent: true } }],
      }) as Extract<Condition, { kind: 'threshold' }>,
    );
    const sev = (v: number) => e.sample({ ts: 0, value: v, quality: 'good' }, undefined as never).severity;
    expect([201, 191, 190, 189.9].map(sev)).toEqual(['warning', 'warning', 'warning', null]);
  });

  test('a ladder steps up and down, each rung with its own deadband; below limits too', () => {
    const e = compileThreshold(
      ConditionSchema.parse({
        kind: 'threshold',
        levels: [
          { severity: 'warning', above: { value: 80, deadband: 2 }, below: { value: 10, deadband: 2 } },
          { severity: 'critical', above: { value: 95, deadband: 2 } },
        ],
      }) as Extract<Condition, { kind: 'threshold' }>,
    );
    const sev = (v: number) => e.sample({ ts: 0, value: v, quality: 'good' }, undefined as never).severity;
    expect([85, 96, 94, 92, 79, 77.9, 9, 11, 12.1].map(sev)).toEqual([
      'warning',
      'critical',
      'critical',
      'warning',
      'warning',
      null,
      'warning',
      'warning',
      null,
    ]);
  });

  test('a null or invalid reading changes nothing; save/restore keeps the band', () => {
    const e = compileThreshold(boiler);
    e.sample({ ts: 0, value: 90, quality: 'good' }, undefined as never);
    expect(e.sample({ ts: 1, value: null, quality: 'null' }, undefined as never).severity).toBe('high');
    expect(e.sample({ ts: 2, value: 10, quality: 'invalid' }, undefined as never).severity).toBe('high');
    const copy = compileThreshold(boiler);
    copy.restore(JSON.parse(JSON.stringify(e.save())));
    expect(copy.sample({ ts: 3, value: 82, quality: 'good' }, undefined as never).severity).toBe('high');
  });
});

describe('ISA-18.2 states', () => {
  test('normal → unack → ack → normal; unacked clear → RTN unack → ack ends the episode', () => {
    const m = new AlarmMachine(base, 'x');
    expect(moves(m.sample(on(), 1000, 1000))).toEqual(['raised:normal>active_unack']);
    const first = m.episodeId;
    expect(moves(m.acknowledge('ana', 1500))).toEqual(['acknowledged:active_unack>active_ack']);
    expect(m.ackedBy).toBe('ana');
    expect(moves(m.sample(off(), 2000, 2000))).toEqual(['cleared:active_ack>normal']);
    expect(moves(m.sample(on(), 3000, 3000))).toEqual(['raised:normal>active_unack']);
    expect(m.episodeId).not.toBe(first);
    expect(moves(m.sample(off(), 4000, 4000))).toEqual(['cleared:active_unack>rtn_unack']);
    // RTN unack → unack again on a new activation (ISA-18.2 transition D → B): a new episode
    const second = m.episodeId;
    expect(moves(m.sample(on(), 5000, 5000))).toEqual(['raised:rtn_unack>active_unack']);
    expect(m.episodeId).not.toBe(second);
    m.sample(off(), 6000, 6000);
    expect(moves(m.acknowledge('ana', 6500))).toEqual(['ended:rtn_unack>normal']);
    expect(m.acknowledge('ana', 7000)).toEqual([]);
  });

  test('the ladder escalates and de-escalates while active, in the same episode', () => {
    const m = new AlarmMachine(base, 'x');
    m.sample(on('warning'), 0, 0);
    const ep = m.episodeId;
    const up = m.sample(on('critical'), 1, 1);
    const down = m.sample(on('warning'), 2, 2);
    expect(moves([...up, ...down])).toEqual([
      'escalated:active_unack>active_unack',
      'deescalated:active_unack>active_unack',
    ]);
    expect(up[0]?.severity).toBe('critical');
    expect(down[0]?.episodeId).toBe(ep);
  });

  test('on-delay in device time: pending until it elapsed; a tick fires it at its deadline', () => {
    const m = new AlarmMachine({ ...base, onDelayMs: 10_000 }, 'x');
    expect(m.sample(on(), 0, 0)).toEqual([]);
    expect(m.state).toBe('pending');
    expect(m.sample(on(), 9_999, 9_999)).toEqual([]);
    expect(m.nextDeadline()).toBe(10_000);
    const fired = m.tick(12_000);
    expect(moves(fired)).toEqual(['raised:pending>active_unack']);
    expect(fired[0]?.deviceTime).toBe(10_000);
    // a dip below the limit restarts the on-delay
    const n = new AlarmMachine({ ...base, onDelayMs: 10_000 }, 'x');
    n.sample(on(), 0, 0);
    n.sample(off(), 5_000, 5_000);
    expect(n.state).toBe('normal');
    expect(n.sample(on(), 12_000, 12_000)).toEqual([]);
    expect(moves(n.sample(on(), 22_000, 22_000))).toEqual(['raised:pending>active_unack']);
  });

  test('off-delay: the condition must stay gone for offDelayMs before the alarm clears', () => {
    const m = new AlarmMachine({ ...base, offDelayMs: 5_000 }, 'x');
    m.sample(on(), 0, 0);
    expect(m.sample(off(), 1_000, 1_000)).toEqual([]);
    expect(m.sample(on(), 2_000, 2_000)).toEqual([]);
    expect(m.sample(off(), 3_000, 3_000)).toEqual([]);
    const cleared = m.sample(off(), 9_000, 9_000);
    expect(moves(cleared)).toEqual(['cleared:active_unack>rtn_unack']);
    expect(cleared[0]?.deviceTime).toBe(8_000);
  });

  test('N of M: raised on the 2nd holding sample of the last 3, cleared when fewer than 2 hold', () => {
    const m = new AlarmMachine({ ...base, confirm: { n: 2, m: 3 } }, 'x');
    expect(m.sample(on(), 0, 0)).toEqual([]);
    expect(m.sample(off(), 1, 1)).toEqual([]);
    expect(moves(m.sample(on(), 2, 2))).toEqual(['raised:normal>active_unack']);
    expect(m.sample(on(), 3, 3)).toEqual([]);
    expect(m.sample(off(), 4, 4)).toEqual([]);
    expect(moves(m.sample(off(), 5, 5))).toEqual(['cleared:active_unack>rtn_unack']);
  });

  test('latching: stays active until acknowledged; the ack then ends it', () => {
    const m = new AlarmMachine({ ...base, latching: true }, 'x');
    m.sample(on(), 0, 0);
    expect(m.sample(off(), 1, 1)).toEqual([]);
    expect(m.state).toBe('active_unack');
    expect(moves(m.acknowledge('ana', 2))).toEqual(['cleared:active_unack>normal']);
  });

  test('shelved needs an expiry in the future; it expires on a tick; the alarm beneath shows again', () => {
    const m = new AlarmMachine(base, 'x');
    m.sample(on(), 0, 0);
    expect(() => m.shelve(100, 'maintenance', 'ana', 100)).toThrow(RangeError);
    expect(moves(m.shelve(60_000, 'maintenance', 'ana', 100))).toEqual(['shelved:active_unack>shelved']);
    expect(m.underlying).toBe('active_unack');
    // changes beneath a shelve are not announced
    expect(m.sample(off(), 200, 200)).toEqual([]);
    expect(m.sample(on(), 300, 300)).toEqual([]);
    expect(m.nextDeadline()).toBe(60_000);
    expect(m.tick(59_999)).toEqual([]);
    const expired = m.tick(60_000);
    expect(moves(expired)).toEqual(['unshelved:shelved>active_unack']);
    expect(expired[0]?.reason).toBe('shelve expired');
  });

  test('suppressed by design and out of service overlay the state and give it back', () => {
    const m = new AlarmMachine(base, 'x');
    m.sample(on(), 0, 0);
    expect(moves(m.setSuppressed(true, 10, 'device offline'))).toEqual([
      'suppressed:active_unack>suppressed',
    ]);
    expect(moves(m.setOutOfService(true, 'ana', 'sensor replaced', 20))).toEqual([
      'suppressed:suppressed>out_of_service',
    ]);
    expect(m.setSuppressed(false, 30, 'device online')).toEqual([]);
    expect(moves(m.setOutOfService(false, 'ana', 'back', 40))).toEqual([
      'unsuppressed:out_of_service>active_unack',
    ]);
  });

  test('late readings are evaluated and their episode marked late; out-of-order ones are ignored', () => {
    const m = new AlarmMachine(base, 'x');
    const raised = m.sample(on(), 1_000, 1_000 + 61_000);
    expect(raised[0]?.late).toBe(true);
    expect(m.late).toBe(true);
    expect(m.sample(off(), 500, 500)).toEqual([]);
    const n = new AlarmMachine(base, 'x');
    expect(n.sample(on(), 1_000, 1_000 + 60_000)[0]?.late).toBe(false);
  });
});

// ---- properties (the list) ----

type Op =
  | { op: 'sample'; dt: number; value: number }
  | { op: 'tick'; dt: number }
  | { op: 'ack' }
  | { op: 'shelve'; forMs: number }
  | { op: 'unshelve' }
  | { op: 'oos'; on: boolean };

const value = fc.oneof(fc.double({ min: 60, max: 100, noNaN: true }), fc.constantFrom(79.9, 80, 85, 85.1));
const sampleOp = fc.record({
  op: fc.constant('sample' as const),
  dt: fc.integer({ min: 0, max: 20_000 }),
  value,
});
const tickOp = fc.record({ op: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 20_000 }) });
const anyOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: sampleOp },
  { weight: 2, arbitrary: tickOp },
  { weight: 1, arbitrary: fc.constant({ op: 'ack' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('shelve' as const), forMs: fc.integer({ min: 1, max: 60_000 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'unshelve' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('oos' as const), on: fc.boolean() }) },
);
const config = fc.record({
  onDelayMs: fc.constantFrom(0, 5_000, 30_000),
  offDelayMs: fc.constantFrom(0, 5_000, 30_000),
  confirm: fc.option(fc.constantFrom({ n: 1, m: 1 }, { n: 2, m: 3 }, { n: 3, m: 5 }), { nil: undefined }),
  latching: fc.boolean(),
  lateToleranceMs: fc.constant(60_000),
});

/** a threshold series: the real evaluator feeding the real machine */
class Series {
  evaluator = compileThreshold(boiler);
  machine: AlarmMachine;
  t = 0;
  lastVerdict: Verdict | null = null;
  constructor(private readonly cfg: MachineConfig) {
    this.machine = new AlarmMachine(cfg, 'p');
  }
  run(op: Op): MachineChange[] {
    switch (op.op) {
      case 'sample': {
        this.t += op.dt;
        const v = this.evaluator.sample({ ts: this.t, value: op.value, quality: 'good' }, undefined as never);
        this.lastVerdict = v;
        return this.machine.sample(v, this.t, this.t);
      }
      case 'tick':
        this.t += op.dt;
        return this.machine.tick(this.t);
      case 'ack':
        return this.machine.acknowledge('op', this.t);
      case 'shelve':
        return this.machine.shelve(this.t + op.forMs, 'test', 'op', this.t);
      case 'unshelve':
        return this.machine.unshelve('op', this.t);
      case 'oos':
        return this.machine.setOutOfService(op.on, 'op', 'test', this.t);
    }
  }
  /** JSON round trip, as through alarm_instances.eval_state */
  reborn(): Series {
    const copy = new Series(this.cfg);
    copy.evaluator.restore(JSON.parse(JSON.stringify(this.evaluator.save())));
    copy.machine = new AlarmMachine(this.cfg, 'p', JSON.parse(JSON.stringify(this.machine.save())));
    copy.t = this.t;
    return copy;
  }
}

describe('properties', () => {
  test('replay is deterministic: ticks between readings change nothing a replay of the readings alone would not', () => {
    fc.assert(
      fc.property(config, fc.array(fc.tuple(sampleOp, fc.boolean()), { maxLength: 60 }), (cfg, steps) => {
        const live = new Series(cfg);
        const replay = new Series(cfg);
        const a: MachineChange[] = [];
        const b: MachineChange[] = [];
        for (const [s, tickFirst] of steps) {
          // a timer tick somewhere in the gap before the reading, as the runtime's timer would do
          if (tickFirst && s.dt > 0) {
            const half = Math.floor(s.dt / 2);
            a.push(...live.run({ op: 'tick', dt: half }));
            a.push(...live.run({ ...s, dt: s.dt - half }));
          } else a.push(...live.run(s));
          b.push(...replay.run(s));
        }
        expect(a).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  test('never active before the on-delay has elapsed with the condition holding throughout', () => {
    fc.assert(
      fc.property(
        config.map((c) => ({ ...c, confirm: undefined, latching: false })),
        fc.array(fc.oneof({ weight: 4, arbitrary: sampleOp }, { weight: 1, arbitrary: tickOp }), {
          maxLength: 80,
        }),
        (cfg, ops) => {
          const s = new Series(cfg);
          /** device time the condition last started to hold (as the evaluator judged) */
          let holdingSince: number | null = null;
          for (const op of ops) {
            const before = holdingSince;
            const changes = s.run(op);
            if (op.op === 'sample') {
              if (s.lastVerdict?.severity === null) holdingSince = null;
              else if (holdingSince === null) holdingSince = s.t;
            }
            for (const c of changes.filter((x) => x.kind === 'raised')) {
              // a deadline passed before this reading fires under the previous reading's verdict
              const since = c.deviceTime < s.t ? before : holdingSince;
              expect(since).not.toBeNull();
              expect(c.deviceTime - (since as number)).toBeGreaterThanOrEqual(cfg.onDelayMs);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('no flapping inside the deadband: between two activations the value went below 80', () => {
    fc.assert(
      fc.property(config, fc.array(sampleOp, { maxLength: 80 }), (cfg, ops) => {
        const s = new Series({ ...cfg, confirm: undefined });
        let raised = 0;
        let belowClear = true;
        for (const op of ops) {
          // a raise while handling a reading is either that reading (≥ 85) or an on-delay that
          // elapsed before it, so it counts before the reading's own value
          for (const c of s.run(op)) {
            if (c.kind !== 'raised') continue;
            expect(belowClear).toBe(true);
            belowClear = false;
            raised++;
          }
          if (op.value < 80) belowClear = true;
        }
        expect(raised).toBeLessThanOrEqual(ops.filter((o) => o.value < 80).length + 1);
      }),
      { numRuns: 300 },
    );
  });

  test('save and restore at any point gives the same future', () => {
    fc.assert(
      fc.property(config, fc.array(anyOp, { maxLength: 60 }), fc.nat(), (cfg, ops, at) => {
        const split = ops.length === 0 ? 0 : at % ops.length;
        const whole = new Series(cfg);
        let parted = new Series(cfg);
        const a: unknown[] = [];
        const b: unknown[] = [];
        ops.forEach((op, i) => {
          if (i === split) parted = parted.reborn();
          a.push(whole.run(op));
          b.push(parted.run(op));
        });
        expect(b).toEqual(a);
        expect(parted.machine.save()).toEqual(whole.machine.save());
      }),
      { numRuns: 300 },
    );
  });
});
