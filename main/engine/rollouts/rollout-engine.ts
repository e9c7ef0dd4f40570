/**
 * The campaign engine: starts waves, takes device reports, times devices out, stops a
 * campaign whose failures cross a threshold and sends its failed devices back to the
 * version they had. Transport-free: the MQTT job service (or a test) calls report(),
 * startNext() and heartbeat(), and the engine publishes jobs through a JobChannel.
 *
 * Durability rule: a state change is committed (with its journal row) before anything is
 * published, and on start every active job is published again. A crash can therefore
 * repeat a notification, never lose one; devices recognise a job by its id, so a repeat
 * does not install twice; and the wave counter is committed with the wave's
 * notifications, so no wave is skipped or started twice.
 */
import { randomUUID } from 'node:crypto';
import type { Reading } from '../../../common/reading';
import {
  type CampaignConfig,
  type CampaignDetail,
  type CampaignState,
  type CampaignSummary,
  ROLLOUT_DEVICE_STATES,
  type RolloutDeviceState,
} from '../../../common/rollout-contract';
import { type HealthPolicy, ReadingsJudge } from '../firmware/health-judge';
import { inMaintenanceWindow } from './maintenance-window';
import type { CampaignRow, DeviceRow, JournalEntry, RolloutStore } from './rollout-store';
import { planWaves, type RolloutCandidate } from './wave-plan';

export interface JobExecution {
  jobId: string;
  campaignId: string;
  operation: 'install' | 'rollback';
  status: 'QUEUED' | 'IN_PROGRESS';
  versionNumber: number;
  firmware: { sha256: string; version: string };
  /** for a rollback: the version the device had before the campaign */
  rollbackTo: string | null;
}

export interface JobChannel {
  /** the device's current job, or null when it has none (replaces any earlier one) */
  publish(deviceId: string, job: JobExecution | null): void;
}

export type DeviceReport = {
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'REJECTED';
  step?: 'downloading' | 'installing' | 'rebooting';
  reason?: string;
  /** the version the device runs now */
  version?: string;
};

export type ReportOutcome =
  | { ok: true; execution: JobExecution | null; versionNumber: number }
  | {
      ok: false;
      code: 'ResourceNotFound' | 'InvalidStateTransition' | 'VersionMismatch' | 'TerminalStateReached';
      message: string;
    };

export interface RolloutEvents {
  /** a campaign or device reached a new state: for the audit log and the cloud outbox */
  recorded?(event: {
    campaignId: string;
    deviceId: string | null;
    from: string | null;
    to: string;
    detail: string | null;
  }): void;
  /** an operator's or the engine's decision, for the audit log */
  audit?(entry: { actor: string; action: string; subject: string; after: unknown }): void;
  /** a device's job ended: what it ran before and what was sent, for the device's firmware history */
  deviceFinished?(event: {
    campaignId: string;
    deviceId: string;
    state: RolloutDeviceState;
    reason: string | null;
    fromVersion: string | null;
    /** the version the device runs at the end, when known (succeeded, rolled back) */
    runningVersion: string | null;
    firmware: { sha256: string; version: string };
  }): void;
}

export interface RolloutEngineOptions {
  store: RolloutStore;
  channel: JobChannel;
  candidates: () => Iterable<RolloutCandidate>;
  events?: RolloutEvents;
  now?: () => number;
  /**
   * With it, verifying also needs the device's readings after its confirmation to be sane
   * (the engine is then fed every ingest batch through readings()); without it, the
   * confirmation and a heartbeat on the new version are enough.
   */
  readingsHealth?: HealthPolicy;
}

/**
 * A verifying device whose heartbeat came while its readings are still being judged. Kept as
 * its reason (committed, and shown to the operator) so an engine restart does not forget it.
 */
export const WAITING_FOR_READINGS = 'heartbeat on the new version; waiting for sane readings';

export class RolloutError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID_STATE' | 'INVALID_PARAMS',
    message: string,
  ) {
    super(message);
  }
}

const STATE_INDEX = new Map<RolloutDeviceState, number>(ROLLOUT_DEVICE_STATES.map((s, i) => [s, i]));
const VERIFYING = STATE_INDEX.get('verifying') ?? 5;
const IN_FLIGHT = new Set<RolloutDeviceState>([
  'notified',
  'downloading',
  'installing',
  'rebooting',
  'verifying',
]);
const FAILURES = new Set<RolloutDeviceState>(['failed', 'timed_out', 'rejected']);
const NEUTRAL = new Set<RolloutDeviceState>(['incompatible', 'already_installed']);
/** failed devices that may have the new image half-installed get sent back */
const NEEDS_ROLLBACK = new Set<RolloutDeviceState>(['failed', 'timed_out']);
const REJECT_REASONS: Partial<Record<string, RolloutDeviceState>> = {
  incompatible: 'incompatible',
  already_installed: 'already_installed',
};

export function isTerminal(state: RolloutDeviceState): boolean {
  return (STATE_INDEX.get(state) ?? 0) > VERIFYING;
}

interface Campaign {
  row: CampaignRow;
  devices: Map<string, DeviceRow>;
  byWave: DeviceRow[][];
  /** kept up to date on every device move, so a report costs O(1), not a scan of the fleet */
  count: { failures: number; executed: number; terminal: number[]; succeeded: number[]; neutral: number[] };
}

export const rollbackJobId = (campaignId: string): string => `${campaignId}.rollback`;

export class RolloutEngine {
  private readonly campaigns = new Map<string, Campaign>();
  /** the readings judgement of each verifying device (in memory: after a restart it starts over, within the soak time) */
  private readonly judges = new Map<DeviceRow, ReadingsJudge>();
  private readonly store: RolloutStore;
  private readonly channel: JobChannel;
  private readonly now: () => number;
  private readonly listeners = new Set<(campaignId: string) => void>();
  /** counted for the bench: every device and campaign state change written */
  transitions = 0;

  constructor(private readonly options: RolloutEngineOptions) {
    this.store = options.store;
    this.channel = options.channel;
    this.now = options.now ?? Date.now;
    for (const row of this.store.loadCampaigns()) {
      const devices = this.store.loadDevices(row.id);
      this.campaigns.set(row.id, this.index(row, devices));
    }
  }

  /** Publishes every active job again: what a crash between commit and publish may have lost. */
  republish(): void {
    for (const c of this.campaigns.values())
      for (const d of c.devices.values()) {
        const job = this.jobOf(c, d);
        if (job) this.channel.publish(d.deviceId, job);
      }
  }

  onChange(listener: (campaignId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  preview(config: CampaignConfig, campaignId: string = randomUUID()) {
    const planned = planWaves(campaignId, config, this.options.candidates());
    return {
      campaignId,
      total: planned.length,
      waves: config.waves.map((pct, wave) => ({
        wave,
        pct,
        deviceIds: planned.filter((p) => p.wave === wave).map((p) => p.deviceId),
      })),
    };
  }

  /**
   * `unfit`: why a device cannot take this image (another model, or its target unknown), or
   * null; such a device is incompatible from the start and never gets the job.
   */
  create(
    config: CampaignConfig,
    actor: string,
    campaignId: string = randomUUID(),
    unfit: (deviceId: string) => string | null = () => null,
  ): CampaignDetail {
    if (this.campaigns.has(campaignId))
      throw new RolloutError('INVALID_PARAMS', `campaign ${campaignId} exists`);
    const planned = planWaves(campaignId, config, this.options.candidates());
    if (planned.length === 0) throw new RolloutError('INVALID_PARAMS', 'no device matches the target filter');
    for (const p of planned) {
      const busy = this.activeCampaignOf(p.deviceId);
      if (busy)
        throw new RolloutError(
          'INVALID_STATE',
          `device ${p.deviceId} is still in campaign "${busy.row.config.name}"; finish or abort it first`,
        );
    }
    const at = this.now();
    const row: CampaignRow = {
      id: campaignId,
      config,
      state: 'running',
      currentWave: -1,
      reason: null,
      createdAt: at,
      updatedAt: at,
    };
    const devices: DeviceRow[] = planned.map((p) => {
      const reason = unfit(p.deviceId);
      return {
        campaignId,
        deviceId: p.deviceId,
        position: p.position,
        wave: p.wave,
        fromVersion: p.fromVersion,
        state: reason === null ? 'pending' : 'incompatible',
        reason,
        notifiedAt: null,
        confirmedAt: null,
        rollback: null,
        execVersion: 0,
        updatedAt: at,
      };
    });
    this.store.insertCampaign(row, devices);
    const campaign = this.index(row, devices);
    this.campaigns.set(campaignId, campaign);
    this.options.events?.audit?.({
      actor,
      action: 'rollout.create',
      subject: campaignId,
      after: {
        name: config.name,
        firmware: config.firmware,
        devices: devices.length,
        waves: config.waves,
        incompatible: devices.filter((d) => d.state === 'incompatible').length,
        ...(config.allowUnknownTarget ? { allowUnknownTarget: true } : {}),
      },
    });
    this.options.events?.recorded?.({ campaignId, deviceId: null, from: null, to: 'running', detail: null });
    this.evaluate(campaign);
    return this.detail(campaign);
  }

  list(): CampaignSummary[] {
    return [...this.campaigns.values()].reverse().map((c) => this.summary(c));
  }

  get(campaignId: string): CampaignDetail {
    return this.detail(this.require(campaignId));
  }

  pause(campaignId: string, actor: string, reason?: string): CampaignDetail {
    const c = this.require(campaignId);
    if (c.row.state !== 'running') throw this.notIn(c, 'pause');
    this.setCampaign(c, 'paused', reason ?? 'paused by the operator', actor);
    return this.detail(c);
  }

  resumeCampaign(campaignId: string, actor: string): CampaignDetail {
    const c = this.require(campaignId);
    if (c.row.state !== 'paused') throw this.notIn(c, 'resume');
    this.setCampaign(c, 'running', null, actor);
    this.evaluate(c);
    return this.detail(c);
  }

  abort(campaignId: string, actor: string, reason?: string): CampaignDetail {
    const c = this.require(campaignId);
    if (c.row.state !== 'running' && c.row.state !== 'paused') throw this.notIn(c, 'abort');
    this.store.transaction(() => {
      this.setCampaign(c, 'aborted', reason ?? 'aborted by the operator', actor);
      // jobs the devices have not taken yet are withdrawn; started ones finish and report
      for (const d of c.devices.values())
        if (d.state === 'notified') this.moveDevice(c, d, 'pending', 'withdrawn: campaign aborted');
    });
    return this.detail(c);
  }

  rollback(campaignId: string, actor: string, reason?: string): CampaignDetail {
    const c = this.require(campaignId);
    if (c.row.state === 'rolled_back') throw this.notIn(c, 'roll back');
    this.store.transaction(() => {
      this.setCampaign(c, 'rolled_back', reason ?? 'rolled back by the operator', actor);
      for (const d of c.devices.values()) {
        if (d.state === 'notified') this.moveDevice(c, d, 'pending', 'withdrawn: campaign rolled back');
        else if (d.state !== 'pending' && !NEUTRAL.has(d.state) && d.state !== 'rejected')
          this.queueRollback(c, d);
      }
    });
    return this.detail(c);
  }

  /** The job a device should work on now (AWS "$next"). */
  nextJob(deviceId: string): JobExecution | null {
    for (const c of this.newestFirst()) {
      const d = c.devices.get(deviceId);
      const job = d && this.jobOf(c, d);
      if (job) return job;
    }
    return null;
  }

  /** The device takes its next job: QUEUED becomes IN_PROGRESS (AWS StartNextPendingJobExecution). */
  startNext(deviceId: string): JobExecution | null {
    const job = this.nextJob(deviceId);
    if (!job || job.status === 'IN_PROGRESS') return job;
    const outcome = this.report(deviceId, job.jobId, { status: 'IN_PROGRESS', step: 'downloading' });
    return outcome.ok ? outcome.execution : job;
  }

  report(deviceId: string, jobId: string, update: DeviceReport, expectedVersion?: number): ReportOutcome {
    const isRollback = jobId.endsWith('.rollback');
    const campaignId = isRollback ? jobId.slice(0, -'.rollback'.length) : jobId;
    const c = this.campaigns.get(campaignId);
    const d = c?.devices.get(deviceId);
    if (!c || !d) return { ok: false, code: 'ResourceNotFound', message: `no job ${jobId} for ${deviceId}` };
    if (expectedVersion !== undefined && expectedVersion !== d.execVersion)
      return { ok: false, code: 'VersionMismatch', message: `the job is at version ${d.execVersion}` };
    const outcome = isRollback ? this.rollbackReport(c, d, update) : this.installReport(c, d, update);
    if (!outcome.ok) return outcome;
    this.evaluate(c);
    return { ok: true, execution: this.jobOf(c, d), versionNumber: d.execVersion };
  }

  /** A device says it is alive and which version it runs. */
  heartbeat(deviceId: string, version: string): void {
    for (const c of this.campaigns.values()) {
      const d = c.devices.get(deviceId);
      if (d?.state !== 'verifying') continue;
      const target = c.row.config.firmware.version;
      if (version === target) {
        if (!this.options.readingsHealth || this.judgeOf(d).verdict().state === 'healthy')
          this.moveDevice(c, d, 'succeeded', null);
        else if (d.reason !== WAITING_FOR_READINGS)
          this.writeDevice(
            c,
            d,
            { reason: WAITING_FOR_READINGS, updatedAt: this.now() },
            WAITING_FOR_READINGS,
          );
      } else
        this.moveDevice(
          c,
          d,
          'failed',
          `runs ${version} after the update, not ${target}: it reverted`,
          {},
          true,
          version,
        );
      this.evaluate(c);
    }
  }

  /**
   * Readings as ingest validated and stored them: those of a verifying device since its
   * confirmation are judged (health-judge.ts). Flagged ones fail it, and count toward the
   * failure threshold; enough sane ones and a heartbeat make it succeed.
   */
  readings(accepted: readonly Reading[]): void {
    if (!this.options.readingsHealth) return;
    const touched = new Set<Campaign>();
    for (const r of accepted) {
      for (const c of this.campaigns.values()) {
        const d = c.devices.get(r.deviceId);
        if (d?.state !== 'verifying' || (r.arrivedAt ?? r.ts) < (d.confirmedAt ?? 0)) continue;
        const verdict = this.judgeOf(d).add(r);
        if (verdict.state === 'unhealthy')
          this.moveDevice(c, d, 'failed', `readings not sane after update: ${verdict.reason}`);
        else if (verdict.state === 'healthy' && d.reason === WAITING_FOR_READINGS)
          this.moveDevice(c, d, 'succeeded', null);
        else continue;
        touched.add(c);
      }
    }
    for (const c of touched) this.evaluate(c);
  }

  private judgeOf(d: DeviceRow): ReadingsJudge {
    let judge = this.judges.get(d);
    if (!judge) {
      judge = new ReadingsJudge(this.options.readingsHealth);
      this.judges.set(d, judge);
    }
    return judge;
  }

  /** Timeouts, thresholds, wave gates; the engine calls it every second, tests when they like. */
  tick(): void {
    for (const c of this.campaigns.values()) {
      this.expire(c);
      this.evaluate(c);
    }
  }

  journal(campaignId: string) {
    return this.store.journal(campaignId);
  }

  private installReport(c: Campaign, d: DeviceRow, u: DeviceReport): ReportOutcome | { ok: true } {
    if (d.state === 'pending')
      return { ok: false, code: 'ResourceNotFound', message: 'the job was not (or no longer) offered' };
    if (!IN_FLIGHT.has(d.state) || d.state === 'verifying')
      return { ok: false, code: 'TerminalStateReached', message: `the job is already ${d.state}` };
    const target = c.row.config.firmware.version;
    if (u.status === 'IN_PROGRESS') {
      const step = u.step ?? 'downloading';
      const from = STATE_INDEX.get(d.state) ?? 0;
      const to = STATE_INDEX.get(step) ?? 0;
      if (to < from)
        return {
          ok: false,
          code: 'InvalidStateTransition',
          message: `cannot go back from ${d.state} to ${step}`,
        };
      if (to > from) this.moveDevice(c, d, step, null);
      return { ok: true };
    }
    if (u.status === 'SUCCEEDED') {
      if (u.version !== undefined && u.version !== target)
        this.moveDevice(c, d, 'failed', `reported success on ${u.version}, not ${target}`);
      else this.moveDevice(c, d, 'verifying', null);
      return { ok: true };
    }
    const reason = (u.reason ?? '').slice(0, 500) || null;
    if (u.status === 'FAILED') this.moveDevice(c, d, 'failed', reason ?? 'the device reported a failure');
    else
      this.moveDevice(
        c,
        d,
        REJECT_REASONS[reason ?? ''] ?? 'rejected',
        reason ?? 'the device rejected the job',
      );
    return { ok: true };
  }

  private rollbackReport(c: Campaign, d: DeviceRow, u: DeviceReport): ReportOutcome | { ok: true } {
    if (d.rollback !== 'pending' && d.rollback !== 'started')
      return {
        ok: false,
        code: d.rollback ? 'TerminalStateReached' : 'ResourceNotFound',
        message: 'no rollback running',
      };
    const at = this.now();
    if (u.status === 'IN_PROGRESS') {
      if (d.rollback === 'pending')
        this.writeDevice(c, d, { rollback: 'started', updatedAt: at }, 'rollback started');
      return { ok: true };
    }
    if (u.status === 'SUCCEEDED') {
      this.moveDevice(
        c,
        d,
        'rolled_back',
        // what went wrong stays readable next to what the rollback did
        `${d.reason ? `${d.reason}; ` : ''}rolled back to ${u.version ?? d.fromVersion ?? 'the previous version'}`,
        {
          rollback: 'done',
        },
        true,
        u.version ?? d.fromVersion,
      );
      return { ok: true };
    }
    const why = (u.reason ?? '').slice(0, 500) || 'no reason given';
    this.writeDevice(
      c,
      d,
      { rollback: 'failed', reason: `${d.reason ?? d.state}; rollback failed: ${why}`, updatedAt: at },
      'rollback failed',
    );
    return { ok: true };
  }

  /** Devices past their deadline, in any campaign state: they stay out either way. */
  private expire(c: Campaign): void {
    const now = this.now();
    const { config } = c.row;
    for (let w = 0; w <= c.row.currentWave; w++) {
      if (c.count.terminal[w] === c.byWave[w]?.length) continue;
      for (const d of c.byWave[w] ?? []) {
        if (d.state === 'verifying') {
          if ((d.confirmedAt ?? now) + config.soakMs <= now)
            this.moveDevice(
              c,
              d,
              'failed',
              d.reason === WAITING_FOR_READINGS
                ? `readings not sane after update: ${this.judgeOf(d).expired('the soak time')}`
                : `no heartbeat on ${config.firmware.version} within the soak time`,
            );
        } else if (IN_FLIGHT.has(d.state) && (d.notifiedAt ?? now) + config.deviceTimeoutMs <= now) {
          this.moveDevice(
            c,
            d,
            'timed_out',
            `no confirmation within ${Math.round(config.deviceTimeoutMs / 1000)} s`,
          );
        }
      }
    }
  }

  private evaluate(c: Campaign): void {
    const now = this.now();
    const { config } = c.row;
    if (c.row.state !== 'running' && c.row.state !== 'paused') return;
    const crossed = this.failureThresholdCrossed(c);
    if (crossed) {
      this.store.transaction(() => {
        this.setCampaign(c, 'halted', crossed, 'engine');
        for (const d of c.devices.values()) {
          if (NEEDS_ROLLBACK.has(d.state) && d.rollback === null) this.queueRollback(c, d);
          else if (d.state === 'notified') this.moveDevice(c, d, 'pending', 'withdrawn: campaign halted');
        }
      });
      return;
    }
    if (c.row.state !== 'running') return;
    const wave = c.row.currentWave;
    if (wave >= 0) {
      const devices = c.byWave[wave] ?? [];
      if (c.count.terminal[wave] !== devices.length) {
        this.waitingFor(c, null);
        return;
      }
      const eligible = devices.length - (c.count.neutral[wave] ?? 0);
      const succeeded = c.count.succeeded[wave] ?? 0;
      const pct = eligible === 0 ? 100 : (succeeded * 100) / eligible;
      if (pct < config.successThresholdPct) {
        this.store.transaction(() => {
          this.setCampaign(
            c,
            'halted',
            `wave ${wave + 1}: ${succeeded} of ${eligible} succeeded (${pct.toFixed(0)} %), below the ${config.successThresholdPct} % success threshold`,
            'engine',
          );
          for (const d of devices)
            if (NEEDS_ROLLBACK.has(d.state) && d.rollback === null) this.queueRollback(c, d);
        });
        return;
      }
    }
    if (wave + 1 >= config.waves.length) {
      this.setCampaign(c, 'completed', null, 'engine');
      return;
    }
    if (!inMaintenanceWindow(now, config.maintenanceWindow)) {
      const w = config.maintenanceWindow;
      this.waitingFor(c, `waiting for the maintenance window ${w?.start}–${w?.end} UTC`);
      return;
    }
    this.startWave(c, wave + 1);
  }

  private startWave(c: Campaign, wave: number): void {
    const target = c.row.config.firmware.version;
    const notified: DeviceRow[] = [];
    this.store.transaction(() => {
      c.row = { ...c.row, currentWave: wave, reason: null, updatedAt: this.now() };
      this.store.saveCampaign(c.row, {
        campaignId: c.row.id,
        deviceId: null,
        from: 'running',
        to: `wave ${wave + 1}`,
      });
      this.transitions++;
      for (const d of c.byWave[wave] ?? []) {
        if (d.state !== 'pending') continue;
        if (d.fromVersion === target) this.moveDevice(c, d, 'already_installed', null, {}, false);
        else {
          this.moveDevice(c, d, 'notified', null, { notifiedAt: this.now() }, false);
          notified.push(d);
        }
      }
    });
    for (const d of notified) this.channel.publish(d.deviceId, this.jobOf(c, d));
    this.emit(c.row.id);
    // a wave of only already-installed devices is over at once
    if (notified.length === 0) this.evaluate(c);
  }

  private failureThresholdCrossed(c: Campaign): string | null {
    const { count, pct, minExecuted } = c.row.config.failureThreshold;
    const { failures, executed } = c.count;
    if (failures >= count) return `${failures} devices failed (threshold ${count})`;
    if (executed >= minExecuted && failures > 0 && (failures * 100) / executed >= pct)
      return `${failures} of ${executed} finished devices failed (${((failures * 100) / executed).toFixed(0)} %, threshold ${pct} %)`;
    return null;
  }

  private queueRollback(c: Campaign, d: DeviceRow, publish = true): void {
    this.writeDevice(
      c,
      d,
      { rollback: 'pending', updatedAt: this.now() },
      'rollback queued',
      d.state,
      publish,
    );
  }

  private waitingFor(c: Campaign, reason: string | null): void {
    if (c.row.reason === reason) return;
    c.row = { ...c.row, reason, updatedAt: this.now() };
    this.store.saveCampaign(c.row, {
      campaignId: c.row.id,
      deviceId: null,
      from: c.row.state,
      to: c.row.state,
      detail: reason,
    });
    this.emit(c.row.id);
  }

  private setCampaign(c: Campaign, state: CampaignState, reason: string | null, actor: string): void {
    const from = c.row.state;
    c.row = { ...c.row, state, reason, updatedAt: this.now() };
    const journal: JournalEntry = { campaignId: c.row.id, deviceId: null, from, to: state, detail: reason };
    this.store.saveCampaign(c.row, journal);
    this.transitions++;
    this.options.events?.audit?.({
      actor,
      action: `rollout.${state}`,
      subject: c.row.id,
      after: { from, reason },
    });
    this.options.events?.recorded?.({ ...journal, detail: reason });
    this.emit(c.row.id);
  }

  /**
   * A device state change, committed with its journal row, its outbox event and, when the
   * job ended, its firmware-history row (all one transaction: a failure in any leaves none),
   * then its job published.
   */
  private moveDevice(
    c: Campaign,
    d: DeviceRow,
    to: RolloutDeviceState,
    reason: string | null,
    extra: Partial<DeviceRow> = {},
    publish = true,
    /** what the device says it runs now, when it said so */
    runningVersion: string | null = null,
  ): void {
    const at = this.now();
    const confirmedAt = to === 'verifying' ? at : d.confirmedAt;
    const before = { ...d };
    try {
      this.store.transaction(() => {
        this.writeDevice(
          c,
          d,
          { state: to, reason, confirmedAt, updatedAt: at, ...extra },
          reason,
          d.state,
          false,
        );
        // late failures of a stopped campaign are sent back too
        const stopped = c.row.state === 'halted' || c.row.state === 'rolled_back';
        if (stopped && NEEDS_ROLLBACK.has(to) && d.rollback === null) this.queueRollback(c, d, false);
        if (!isTerminal(to)) return;
        this.options.events?.recorded?.({
          campaignId: c.row.id,
          deviceId: d.deviceId,
          from: null,
          to,
          detail: reason,
        });
        this.options.events?.deviceFinished?.({
          campaignId: c.row.id,
          deviceId: d.deviceId,
          state: to,
          reason: d.reason,
          fromVersion: d.fromVersion,
          runningVersion: to === 'succeeded' ? c.row.config.firmware.version : runningVersion,
          firmware: c.row.config.firmware,
        });
      });
    } catch (error) {
      // nothing was committed: the device stays where it was, in memory as on disk
      this.tally(c, d.wave, d.state, -1);
      Object.assign(d, before);
      this.tally(c, d.wave, d.state, 1);
      throw error;
    }
    if (to !== 'verifying') this.judges.delete(d);
    if (publish) this.channel.publish(d.deviceId, this.nextJob(d.deviceId));
  }

  private writeDevice(
    c: Campaign,
    d: DeviceRow,
    change: Partial<DeviceRow>,
    detail: string | null,
    from: string = d.state,
    publish = true,
  ): void {
    const was = d.state;
    Object.assign(d, change, { execVersion: d.execVersion + 1 });
    if (was !== d.state) {
      this.tally(c, d.wave, was, -1);
      this.tally(c, d.wave, d.state, 1);
    }
    const to = change.state ?? (change.rollback ? `rollback ${change.rollback}` : d.state);
    this.store.saveDevice(d, { campaignId: c.row.id, deviceId: d.deviceId, from, to, detail });
    this.transitions++;
    if (publish) this.channel.publish(d.deviceId, this.nextJob(d.deviceId));
    this.emit(c.row.id);
  }

  private jobOf(c: Campaign, d: DeviceRow): JobExecution | null {
    const base = { campaignId: c.row.id, versionNumber: d.execVersion, firmware: c.row.config.firmware };
    if (d.rollback === 'pending' || d.rollback === 'started')
      return {
        ...base,
        jobId: rollbackJobId(c.row.id),
        operation: 'rollback',
        status: d.rollback === 'pending' ? 'QUEUED' : 'IN_PROGRESS',
        rollbackTo: d.fromVersion,
      };
    if (!IN_FLIGHT.has(d.state) || d.state === 'verifying') return null;
    return {
      ...base,
      jobId: c.row.id,
      operation: 'install',
      status: d.state === 'notified' ? 'QUEUED' : 'IN_PROGRESS',
      rollbackTo: null,
    };
  }

  private activeCampaignOf(deviceId: string): Campaign | undefined {
    for (const c of this.campaigns.values()) {
      const d = c.devices.get(deviceId);
      if (!d) continue;
      if ((c.row.state === 'running' || c.row.state === 'paused') && !isTerminal(d.state)) return c;
      if (IN_FLIGHT.has(d.state) || d.rollback === 'pending' || d.rollback === 'started') return c;
    }
    return undefined;
  }

  private newestFirst(): Campaign[] {
    return [...this.campaigns.values()].reverse();
  }

  private index(row: CampaignRow, devices: DeviceRow[]): Campaign {
    const byWave: DeviceRow[][] = row.config.waves.map(() => []);
    for (const d of devices) byWave[d.wave]?.push(d);
    const zero = () => row.config.waves.map(() => 0);
    const c: Campaign = {
      row,
      devices: new Map(devices.map((d) => [d.deviceId, d])),
      byWave,
      count: { failures: 0, executed: 0, terminal: zero(), succeeded: zero(), neutral: zero() },
    };
    for (const d of devices) this.tally(c, d.wave, d.state, 1);
    return c;
  }

  private tally(c: Campaign, wave: number, state: RolloutDeviceState, by: 1 | -1): void {
    const { count } = c;
    if (FAILURES.has(state)) count.failures += by;
    if (isTerminal(state)) {
      count.terminal[wave] = (count.terminal[wave] ?? 0) + by;
      if (!NEUTRAL.has(state)) count.executed += by;
    }
    if (state === 'succeeded') count.succeeded[wave] = (count.succeeded[wave] ?? 0) + by;
    if (NEUTRAL.has(state)) count.neutral[wave] = (count.neutral[wave] ?? 0) + by;
  }

  private require(campaignId: string): Campaign {
    const c = this.campaigns.get(campaignId);
    if (!c) throw new RolloutError('NOT_FOUND', `no campaign "${campaignId}"`);
    return c;
  }

  private notIn(c: Campaign, action: string): RolloutError {
    return new RolloutError(
      'INVALID_STATE',
      `cannot ${action} a campaign that is ${c.row.state.replace('_', ' ')}`,
    );
  }

  private emit(campaignId: string): void {
    for (const l of this.listeners) l(campaignId);
  }

  private summary(c: Campaign): CampaignSummary {
    const { row } = c;
    return {
      id: row.id,
      name: row.config.name,
      state: row.state,
      reason: row.reason,
      firmware: row.config.firmware,
      currentWave: row.currentWave,
      total: c.devices.size,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      waves: row.config.waves.map((pct, wave) => {
        const counts: Record<string, number> = {};
        for (const d of c.byWave[wave] ?? []) counts[d.state] = (counts[d.state] ?? 0) + 1;
        const stopped = row.state === 'halted' || row.state === 'aborted' || row.state === 'rolled_back';
        const status =
          wave > row.currentWave
            ? 'waiting'
            : wave === row.currentWave && stopped
              ? 'halted'
              : wave < row.currentWave || row.state === 'completed'
                ? 'done'
                : 'running';
        return { wave, pct, size: c.byWave[wave]?.length ?? 0, counts, status };
      }),
    };
  }

  private detail(c: Campaign): CampaignDetail {
    return {
      ...this.summary(c),
      config: c.row.config,
      devices: [...c.devices.values()].map((d) => ({
        deviceId: d.deviceId,
        wave: d.wave,
        state: d.state,
        reason: d.reason,
        fromVersion: d.fromVersion,
        rollback: d.rollback,
        updatedAt: d.updatedAt,
      })),
    };
  }
}
