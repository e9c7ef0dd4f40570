import { describe, expect, test } from 'vitest';
import type { Reading } from '../../../common/reading';
import { type CampaignConfigInput, CampaignConfigSchema } from '../../../common/rollout-contract';
import type { HealthPolicy } from '../firmware/health-judge';
import { ReadingValidator } from '../ingest/validate';
import type { DeviceProfile } from '../profiles/profile';
import { openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { behaviourFor, type FleetBehaviour } from './fleet-behaviour';
import { InProcessFleet } from './in-process-fleet';
import { type JobExecution, RolloutEngine, WAITING_FOR_READINGS } from './rollout-engine';
import { RolloutStore } from './rollout-store';
import type { RolloutCandidate } from './wave-plan';

const SHA = 'ab'.repeat(32);

function fleetOf(n: number, extra: Partial<RolloutCandidate> = {}): RolloutCandidate[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `dev-${String(i).padStart(3, '0')}`,
    site: 'plant-a',
    profile: 'env-sensor',
    tags: ['line-1'],
    firmwareVersion: '1.0.0',
    ...extra,
  }));
}

function config(over: Partial<CampaignConfigInput> = {}) {
  return CampaignConfigSchema.parse({
    name: 'v1.1',
    firmware: { sha256: SHA, version: '1.1.0' },
    soakMs: 60_000,
    deviceTimeoutMs: 120_000,
    ...over,
  });
}

function setup(
  options: {
    dataDir?: string;
    devices?: RolloutCandidate[];
    behaviour?: (id: string) => FleetBehaviour;
    clock?: { t: number };
    readingsHealth?: HealthPolicy;
  } = {},
) {
  const dataDir = options.dataDir ?? tempDataDir('rollouts');
  const { db } = openDatabase({ dataDir, log: silent });
  const clock = options.clock ?? { t: Date.UTC(2026, 11, 3, 12, 0, 0) };
  const fleet = new InProcessFleet(options.behaviour ?? (() => 'good'));
  const published: [string, JobExecution | null][] = [];
  const audits: string[] = [];
  const auditAfter: unknown[] = [];
  const events: string[] = [];
  const engine = new RolloutEngine({
    store: new RolloutStore(db),
    channel: {
      publish(deviceId, job) {
        published.push([deviceId, job]);
        fleet.publish(deviceId, job);
      },
    },
    candidates: () => options.devices ?? fleetOf(20),
    events: {
      audit: (e) => {
        audits.push(`${e.actor} ${e.action}`);
        auditAfter.push(e.after);
      },
      recorded: (e) => events.push(`${e.deviceId ?? 'campaign'} ${e.to}`),
    },
    now: () => clock.t,
    ...(options.readingsHealth ? { readingsHealth: options.readingsHealth } : {}),
  });
  fleet.engine = engine;
  return { db, dataDir, engine, fleet, clock, published, audits, auditAfter, events };
}

/** pumps jobs and ticks until nothing moves */
function settle(s: ReturnType<typeof setup>): void {
  for (let i = 0; i < 50; i++) {
    s.fleet.pump();
    s.engine.tick();
    if (s.fleet.pending() === 0) return;
  }
}

describe('campaign engine', () => {
  test('a good release goes through every wave, each device updated once', () => {
    const s = setup();
    const created = s.engine.create(config(), 'alice', 'good-1');
    expect(created.waves.map((w) => w.size)).toEqual([1, 1, 8, 10]);
    settle(s);
    const done = s.engine.get('good-1');
    expect(done.state).toBe('completed');
    expect(done.devices.every((d) => d.state === 'succeeded')).toBe(true);
    for (const jobs of s.fleet.done.values()) expect(jobs).toEqual(['good-1']);
    const waves = s.engine.journal('good-1').filter((j) => j.to.startsWith('wave '));
    expect(waves.map((w) => w.to)).toEqual(['wave 1', 'wave 2', 'wave 3', 'wave 4']);
    expect(s.audits).toEqual(['alice rollout.create', 'engine rollout.completed']);
    expect(s.events.filter((e) => e.endsWith(' succeeded'))).toHaveLength(20);
  });

  test('devices the image does not fit are incompatible from the start, never offered it, and stay so', () => {
    const s = setup();
    const other = new Set(['dev-003', 'dev-007', 'dev-011']);
    const unfit = (id: string) =>
      other.has(id) ? 'wrong target: the image is built for ESP32, the device is ESP32-C3' : null;
    const created = s.engine.create(config({ allowUnknownTarget: true }), 'alice', 'fit-1', unfit);
    expect(
      created.devices
        .filter((d) => d.state === 'incompatible')
        .map((d) => d.deviceId)
        .sort(),
    ).toEqual([...other]);
    expect(s.auditAfter[0]).toMatchObject({ devices: 20, incompatible: 3, allowUnknownTarget: true });
    settle(s);
    const done = s.engine.get('fit-1');
    expect(done.state).toBe('completed');
    expect(done.devices.find((d) => d.deviceId === 'dev-007')).toMatchObject({
      state: 'incompatible',
      reason: 'wrong target: the image is built for ESP32, the device is ESP32-C3',
    });
    expect(s.published.filter(([id, j]) => other.has(id) && j !== null)).toEqual([]);
    // durable: a restarted engine reads them back as they were
    const again = setup({ dataDir: s.dataDir });
    expect(again.engine.get('fit-1').devices.filter((d) => d.state === 'incompatible')).toHaveLength(3);
  });

  test('a bad release stops at the first wave and rolls its failed device back', () => {
    const s = setup({ behaviour: () => 'fail-health' });
    s.engine.create(config(), 'alice', 'bad-1');
    settle(s);
    const c = s.engine.get('bad-1');
    expect(c.state).toBe('halted');
    expect(c.reason).toMatch(/1 of 1 finished devices failed/);
    expect(c.currentWave).toBe(0);
    const [first, ...rest] = c.devices.filter((d) => d.wave === 0);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({
      state: 'rolled_back',
      rollback: 'done',
      reason: 'self-test failed; MCUboot reverted; rolled back to 1.0.0',
    });
    // nobody outside the first wave was ever offered the image
    expect(c.devices.filter((d) => d.wave > 0).every((d) => d.state === 'pending')).toBe(true);
    expect(new Set(s.published.filter(([, j]) => j?.operation === 'install').map(([id]) => id)).size).toBe(1);
    expect(s.audits).toContain('engine rollout.halted');
  });

  test('failure count threshold stops a big wave midway; in-flight devices that fail later are rolled back too', () => {
    const devices = fleetOf(200);
    const bad = new Set(
      devices
        .slice(0, 200)
        .filter((_, i) => i % 3 === 0)
        .map((d) => d.id),
    );
    const s = setup({ devices, behaviour: (id) => (bad.has(id) ? 'fail-install' : 'good') });
    s.engine.create(
      config({ waves: [50, 100], failureThreshold: { count: 3, pct: 100, minExecuted: 1 } }),
      'alice',
      'count-1',
    );
    settle(s);
    const c = s.engine.get('count-1');
    expect(c.state).toBe('halted');
    expect(c.reason).toMatch(/devices failed \(threshold 3\)/);
    expect(c.devices.filter((d) => d.wave === 1).every((d) => d.state === 'pending')).toBe(true);
    const failedOnes = c.devices.filter((d) => bad.has(d.deviceId) && d.wave === 0 && d.state !== 'pending');
    expect(failedOnes.length).toBeGreaterThanOrEqual(3);
    expect(failedOnes.every((d) => d.state === 'rolled_back' && d.rollback === 'done')).toBe(true);
  });

  test('percentage threshold waits for minExecuted finished devices', () => {
    const s = setup({ devices: fleetOf(10) });
    s.engine.create(
      config({ waves: [100], failureThreshold: { count: 100, pct: 50, minExecuted: 5 } }),
      'alice',
      'pct-1',
    );
    const ids = s.engine.get('pct-1').devices.map((d) => d.deviceId);
    // three failures first: 100 % of those finished, but fewer than 5 have finished
    for (const id of ids.slice(0, 3))
      s.engine.report(id, 'pct-1', { status: 'FAILED', reason: 'flash write failed' });
    expect(s.engine.get('pct-1').state).toBe('running');
    for (const id of ids.slice(3, 5)) {
      s.engine.report(id, 'pct-1', { status: 'SUCCEEDED' });
      s.engine.heartbeat(id, '1.1.0');
    }
    expect(s.engine.get('pct-1')).toMatchObject({
      state: 'halted',
      reason: '3 of 5 finished devices failed (60 %, threshold 50 %)',
    });
  });

  test('a wave below the success threshold halts the campaign', () => {
    const s = setup({ devices: fleetOf(10), behaviour: (id) => (id === 'dev-003' ? 'reject' : 'good') });
    s.engine.create(
      config({
        waves: [100],
        successThresholdPct: 95,
        failureThreshold: { count: 5, pct: 50, minExecuted: 1 },
      }),
      'alice',
      'succ-1',
    );
    settle(s);
    expect(s.engine.get('succ-1')).toMatchObject({
      state: 'halted',
      reason: 'wave 1: 9 of 10 succeeded (90 %), below the 95 % success threshold',
    });
  });

  test('a device that never comes back times out; one that confirms but sends no heartbeat fails after the soak', () => {
    const s = setup({ devices: fleetOf(2), behaviour: () => 'never-back' });
    s.engine.create(
      config({ waves: [100], failureThreshold: { count: 10, pct: 100, minExecuted: 10 } }),
      'alice',
      'time-1',
    );
    s.fleet.pump();
    // dev-001 confirms but its heartbeat never comes
    s.engine.report('dev-001', 'time-1', { status: 'SUCCEEDED', version: '1.1.0' });
    expect(
      s.engine
        .get('time-1')
        .devices.map((d) => d.state)
        .sort(),
    ).toEqual(['rebooting', 'verifying']);
    s.clock.t += 60_000;
    s.engine.tick();
    expect(s.engine.get('time-1').devices.find((d) => d.deviceId === 'dev-001')).toMatchObject({
      state: 'failed',
      reason: 'no heartbeat on 1.1.0 within the soak time',
    });
    s.clock.t += 60_000;
    s.engine.tick();
    expect(s.engine.get('time-1').devices.find((d) => d.deviceId === 'dev-000')).toMatchObject({
      state: 'timed_out',
      reason: 'no confirmation within 120 s',
    });
    expect(s.engine.get('time-1').state).toBe('halted');
  });

  test('a heartbeat on the old version after confirming means the device reverted', () => {
    const s = setup({ devices: fleetOf(1) });
    s.engine.create(config({ waves: [100] }), 'alice', 'rev-1');
    s.engine.startNext('dev-000');
    s.engine.report('dev-000', 'rev-1', { status: 'SUCCEEDED' });
    s.engine.heartbeat('dev-000', '1.0.0');
    expect(s.engine.get('rev-1').devices[0]).toMatchObject({
      state: 'failed',
      reason: 'runs 1.0.0 after the update, not 1.1.0: it reverted',
    });
  });

  test('already installed and incompatible devices count neither as success nor failure', () => {
    const devices = [
      ...fleetOf(3),
      { ...fleetOf(1)[0], id: 'new-one', firmwareVersion: '1.1.0' } as RolloutCandidate,
    ];
    const s = setup({ devices, behaviour: (id) => (id === 'dev-001' ? 'incompatible' : 'good') });
    s.engine.create(config({ waves: [100] }), 'alice', 'neutral-1');
    settle(s);
    const c = s.engine.get('neutral-1');
    expect(c.state).toBe('completed');
    const by = Object.fromEntries(c.devices.map((d) => [d.deviceId, d.state]));
    expect(by).toEqual({
      'dev-000': 'succeeded',
      'dev-001': 'incompatible',
      'dev-002': 'succeeded',
      'new-one': 'already_installed',
    });
    expect(s.fleet.done.has('new-one')).toBe(false);
  });

  test('hostile or stale reports are refused with the AWS IoT Jobs error codes', () => {
    const s = setup({ devices: fleetOf(1) });
    s.engine.create(config({ waves: [100] }), 'alice', 'bad-rep');
    expect(s.engine.report('dev-000', 'nope', { status: 'SUCCEEDED' })).toMatchObject({
      code: 'ResourceNotFound',
    });
    expect(s.engine.report('ghost', 'bad-rep', { status: 'SUCCEEDED' })).toMatchObject({
      code: 'ResourceNotFound',
    });
    s.engine.report('dev-000', 'bad-rep', { status: 'IN_PROGRESS', step: 'installing' });
    expect(
      s.engine.report('dev-000', 'bad-rep', { status: 'IN_PROGRESS', step: 'downloading' }),
    ).toMatchObject({
      code: 'InvalidStateTransition',
    });
    expect(s.engine.report('dev-000', 'bad-rep', { status: 'IN_PROGRESS' }, 0)).toMatchObject({
      code: 'VersionMismatch',
    });
    s.engine.report('dev-000', 'bad-rep', { status: 'FAILED', reason: 'x'.repeat(5000) });
    expect(s.engine.get('bad-rep').devices[0]?.reason).toHaveLength(500);
    expect(s.engine.report('dev-000', 'bad-rep', { status: 'SUCCEEDED' })).toMatchObject({
      code: 'TerminalStateReached',
    });
  });

  test('a new wave waits for the maintenance window', () => {
    const clock = { t: Date.UTC(2026, 11, 3, 12, 0, 0) };
    const s = setup({ clock });
    s.engine.create(config({ maintenanceWindow: { start: '22:00', end: '04:00' } }), 'alice', 'mw-1');
    expect(s.engine.get('mw-1')).toMatchObject({
      currentWave: -1,
      reason: expect.stringMatching(/22:00–04:00/),
    });
    expect(s.published).toHaveLength(0);
    clock.t = Date.UTC(2026, 11, 3, 23, 0, 0);
    settle(s);
    expect(s.engine.get('mw-1').state).toBe('completed');
  });

  test('operator controls: pause holds the next wave, abort withdraws unstarted jobs, rollback sends everyone back', () => {
    const s = setup();
    s.engine.create(config(), 'alice', 'ops-1');
    s.engine.pause('ops-1', 'alice');
    settle(s);
    expect(s.engine.get('ops-1')).toMatchObject({ state: 'paused', currentWave: 0 });
    expect(() => s.engine.pause('ops-1', 'alice')).toThrow(/cannot pause a campaign that is paused/);
    s.engine.resumeCampaign('ops-1', 'alice');
    expect(s.engine.get('ops-1').currentWave).toBe(1);
    s.engine.abort('ops-1', 'bob', 'wrong image');
    expect(s.engine.get('ops-1')).toMatchObject({ state: 'aborted', reason: 'wrong image' });
    expect(
      s.engine.nextJob(s.engine.get('ops-1').devices.find((d) => d.wave === 1)?.deviceId ?? ''),
    ).toBeNull();
    s.engine.rollback('ops-1', 'bob');
    settle(s);
    const c = s.engine.get('ops-1');
    expect(c.state).toBe('rolled_back');
    expect(c.devices.filter((d) => d.wave === 0).map((d) => d.state)).toEqual(['rolled_back']);
    expect(s.fleet.versions.get(c.devices.find((d) => d.wave === 0)?.deviceId ?? '')).toBe('1.0.0');
    expect(s.audits).toEqual([
      'alice rollout.create',
      'alice rollout.paused',
      'alice rollout.running',
      'bob rollout.aborted',
      'bob rollout.rolled_back',
    ]);
  });

  test('a device in a running campaign cannot be put in a second one', () => {
    const s = setup({ devices: fleetOf(3) });
    s.engine.create(config(), 'alice', 'first');
    expect(() => s.engine.create(config(), 'alice', 'second')).toThrow(/still in campaign "v1.1"/);
  });

  test('closing and reopening the database mid-wave resumes exactly there: no device twice, no wave skipped', () => {
    const devices = fleetOf(100);
    const clock = { t: Date.UTC(2026, 11, 3, 12, 0, 0) };
    const first = setup({ devices, clock });
    const plan = first.engine.preview(config(), 'durable-1');
    const early = new Set([...(plan.waves[0]?.deviceIds ?? []), ...(plan.waves[1]?.deviceIds ?? [])]);
    first.engine.create(config(), 'alice', 'durable-1');
    // waves 1 and 2 finish, wave 3 starts; its devices get only part way
    first.fleet.pump((id) => early.has(id));
    const wave3 = first.engine.get('durable-1');
    expect(wave3.currentWave).toBe(2);
    const inWave3 = wave3.devices.filter((d) => d.wave === 2).map((d) => d.deviceId);
    const started = inWave3.slice(0, 20);
    for (const id of started) first.engine.startNext(id);
    for (const id of started.slice(0, 10)) first.engine.report(id, 'durable-1', { status: 'SUCCEEDED' });
    const before = first.engine.get('durable-1');
    first.db.close();

    const second = setup({ dataDir: first.dataDir, devices, clock });
    expect(second.engine.get('durable-1')).toEqual(before);
    second.engine.republish();
    // the new fleet object stands for the same devices: give it what they already did
    for (const [id, jobs] of first.fleet.done) second.fleet.done.set(id, [...jobs]);
    for (const id of started) second.fleet.done.set(id, ['durable-1']);
    // the 10 that confirmed send their heartbeat; the other 10 that started finish on their own
    for (const id of started.slice(0, 10)) second.engine.heartbeat(id, '1.1.0');
    for (const id of started.slice(10)) {
      second.engine.report(id, 'durable-1', { status: 'SUCCEEDED' });
      second.engine.heartbeat(id, '1.1.0');
    }
    settle(second);
    const after = second.engine.get('durable-1');
    expect(after.state).toBe('completed');
    expect(after.devices.every((d) => d.state === 'succeeded')).toBe(true);
    for (const jobs of second.fleet.done.values()) expect(jobs).toEqual(['durable-1']);
    const journal = second.engine.journal('durable-1');
    expect(journal.filter((j) => j.to.startsWith('wave ')).map((j) => j.to)).toEqual([
      'wave 1',
      'wave 2',
      'wave 3',
      'wave 4',
    ]);
    // every device offered the job exactly once
    const notified = journal.filter((j) => j.to === 'notified').map((j) => j.deviceId);
    expect(notified).toHaveLength(100);
    expect(new Set(notified).size).toBe(100);
    const downloads = journal.filter((j) => j.to === 'downloading').map((j) => j.deviceId);
    expect(downloads).toHaveLength(100);
  });

  test('a random fleet with a failure rate always halts before the last wave and leaves no failed device un-rolled-back', () => {
    for (let seed = 0; seed < 20; seed++) {
      const devices = fleetOf(300);
      const s = setup({
        devices,
        behaviour: (id) =>
          behaviourFor(id, { failInstall: 0.1, failHealth: 0.1, neverBack: 0.05 }, `seed-${seed}`),
      });
      s.engine.create(config(), 'alice', `prop-${seed}`);
      for (let i = 0; i < 5; i++) {
        settle(s);
        s.clock.t += 121_000;
      }
      const c = s.engine.get(`prop-${seed}`);
      expect(c.state).toBe('halted');
      expect(c.currentWave).toBeLessThan(3);
      for (const d of c.devices) {
        expect(['failed', 'timed_out'].includes(d.state) && d.rollback !== 'pending').toBe(false);
        if (d.state === 'timed_out') expect(d.rollback).toBe('pending');
      }
    }
  });
});

describe('verifying by the device readings (soak window)', () => {
  const ENV: DeviceProfile = {
    id: 'env-sensor',
    name: 'Environment sensor',
    metrics: { temperature: { unit: '°C', min: -40, max: 85 } },
  };
  const POLICY: HealthPolicy = { minReadings: 3, maxFlagged: 1 };

  /** the fleet's readings go through the ingest validator with the profile, as the engine's pipeline passes them on */
  function withReadings(s: ReturnType<typeof setup>, count = 3) {
    const validator = new ReadingValidator(() => ENV);
    s.fleet.telemetry = (deviceId, insane) => {
      const batch: Reading[] = Array.from({ length: count }, (_, i) =>
        validator.check({
          deviceId,
          metric: 'temperature',
          ts: s.clock.t + i * 1000,
          value: insane ? 999 : 21 + i * 0.1,
          quality: 'good',
          source: 'mqtt',
          arrivedAt: s.clock.t,
        }),
      );
      s.engine.readings(batch);
    };
  }

  test('insane readings after the update fail the device; the wave halts and rolls it back', () => {
    const s = setup({ behaviour: () => 'insane-readings', readingsHealth: POLICY });
    withReadings(s);
    s.engine.create(config(), 'alice', 'insane-1');
    settle(s);
    const c = s.engine.get('insane-1');
    expect(c.state).toBe('halted');
    expect(c.reason).toMatch(/1 of 1 finished devices failed/);
    const tried = c.devices.filter((d) => d.state !== 'pending');
    expect(tried).toEqual([
      expect.objectContaining({
        state: 'rolled_back',
        rollback: 'done',
        reason:
          "readings not sane after update: temperature = 999 is outside the profile's limits (2 readings flagged); rolled back to 1.0.0",
      }),
    ]);
    expect(s.engine.journal('insane-1').map((j) => j.to)).toContain('failed');
  });

  test('sane readings and the heartbeat make a device succeed; the good release completes', () => {
    const s = setup({ readingsHealth: POLICY });
    withReadings(s);
    s.engine.create(config(), 'alice', 'sane-1');
    settle(s);
    const c = s.engine.get('sane-1');
    expect(c.state).toBe('completed');
    expect(c.devices.every((d) => d.state === 'succeeded')).toBe(true);
  });

  test('a heartbeat without readings waits; the wait survives a restart; silence until the soak ends fails', () => {
    const dataDir = tempDataDir('rollouts-readings');
    const clock = { t: Date.UTC(2026, 11, 3, 12, 0, 0) };
    const s = setup({ dataDir, clock, readingsHealth: POLICY });
    s.engine.create(config({ waves: [5, 100] }), 'alice', 'quiet-1');
    settle(s);
    const waiting = s.engine.get('quiet-1').devices.filter((d) => d.state === 'verifying');
    expect(waiting).toEqual([expect.objectContaining({ reason: WAITING_FOR_READINGS })]);
    const deviceId = waiting[0]?.deviceId ?? '';

    // an engine started again on the same file: the heartbeat is not forgotten, sane readings finish it
    const again = setup({ dataDir, clock, readingsHealth: POLICY });
    withReadings(again);
    again.fleet.telemetry?.(deviceId, false);
    expect(again.engine.get('quiet-1').devices.find((d) => d.deviceId === deviceId)?.state).toBe('succeeded');

    // the next wave's devices send a heartbeat but no readings until the soak time is over
    again.fleet.telemetry = undefined;
    settle(again);
    clock.t += 60_001;
    again.engine.tick();
    const c = again.engine.get('quiet-1');
    const failed = c.devices.filter((d) => d.wave === 1 && d.state !== 'pending');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]?.reason).toMatch(/^readings not sane after update: no readings within the soak time/);
    expect(c.state).toBe('halted');
  });
});
