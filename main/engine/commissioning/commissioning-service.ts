/**
 * The commissioning wizard's engine: sessions, their steps and the open link to each
 * device. One step runs at a time per session; every change is saved before it is
 * announced, so whatever the UI shows survives a crash. A link that dropped (cable pull,
 * restart) is reopened from the session's stored link the next time a step needs it.
 */
import { randomUUID } from 'node:crypto';
import {
  COMMISSIONING_STEPS,
  type CommissioningSession,
  type CommissioningStep,
  type DeviceLink,
  type StepInput,
  type StepState,
} from '../../../common/commissioning-contract';
import { RpcError } from '../../../common/protocol';
import type { Db } from '../store/database';
import { diagnoseConnect, diagnoseStepError, messageOf } from './diagnosis';
import type { DeviceChannelPort, OpenChannel } from './ports';
import { nextInSequence } from './sequence';
import { SessionStore } from './session-store';
import * as steps from './steps';
import { type StepDeps, StepFailure } from './steps';

export interface CommissioningServiceOptions extends StepDeps {
  db: Db;
  openChannel: OpenChannel;
  technician: () => string;
  /** a finished session, in the same transaction as its last save (the cloud outbox) */
  recorded?: (session: CommissioningSession) => void;
}

const pending = (): StepState => ({ state: 'pending', at: null, error: null, diagnosis: null });

/** the steps that talk to the device, and so need the link open */
const NEEDS_LINK = new Set<CommissioningStep>(['identify', 'credentials', 'network']);

export class CommissioningService {
  private readonly store: SessionStore;
  private readonly sessions = new Map<string, CommissioningSession>();
  private readonly channels = new Map<string, DeviceChannelPort>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly listeners = new Map<string, Set<(s: CommissioningSession) => void>>();
  private readonly abandoned = new Set<string>();

  constructor(private readonly o: CommissioningServiceOptions) {
    this.store = new SessionStore(o.db, o.log);
    for (const s of this.store.all()) {
      // a step cut off by a crash or restart did not finish: show it as failed, ready to retry
      for (const name of COMMISSIONING_STEPS) {
        const st = s.steps[name];
        if (st.state === 'running') {
          s.steps[name] = {
            ...st,
            state: 'failed',
            error: 'interrupted (Fieldline was closed or restarted)',
            diagnosis: 'Retry the step.',
          };
        }
      }
      this.sessions.set(s.id, s);
    }
  }

  start(batchId?: string): CommissioningSession {
    const now = this.o.now();
    const session: CommissioningSession = {
      id: randomUUID(),
      batchId: batchId ?? null,
      technician: this.o.technician(),
      createdAt: now,
      updatedAt: now,
      status: 'in-progress',
      step: 'connect',
      steps: Object.fromEntries(
        COMMISSIONING_STEPS.map((n) => [n, pending()]),
      ) as CommissioningSession['steps'],
      link: null,
      linkOpen: false,
      identity: null,
      details: null,
      credentials: null,
      network: null,
      verify: null,
      carried: null,
      progress: null,
      notes: '',
    };
    this.commit(session);
    return this.view(session);
  }

  get(id: string): CommissioningSession {
    return this.view(this.require(id));
  }

  list(filter: { status?: CommissioningSession['status']; batchId?: string } = {}): CommissioningSession[] {
    return [...this.sessions.values()]
      .filter(
        (s) =>
          (filter.status === undefined || s.status === filter.status) &&
          (filter.batchId === undefined || s.batchId === filter.batchId),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
      .map((s) => this.view(s));
  }

  subscribe(id: string, listener: (s: CommissioningSession) => void): () => void {
    this.require(id);
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    listener(this.get(id));
    return () => set.delete(listener);
  }

  /** Starts a step; the returned promise settles when it finished (the RPC does not wait for it). */
  run(id: string, input: StepInput): Promise<CommissioningSession> {
    const session = this.require(id);
    if (session.status !== 'in-progress') {
      throw new RpcError('INVALID_PARAMS', `this session is ${session.status}; start a new one`);
    }
    if (this.running.has(id))
      throw new RpcError('INVALID_PARAMS', 'a step is already running for this session');
    const index = COMMISSIONING_STEPS.indexOf(input.step);
    const missing = COMMISSIONING_STEPS.slice(0, index).find((n) => session.steps[n].state !== 'done');
    if (missing) throw new RpcError('INVALID_PARAMS', `finish "${missing}" before "${input.step}"`);
    // going back: what came after depends on this step, so it must be done again
    for (const later of COMMISSIONING_STEPS.slice(index + 1)) session.steps[later] = pending();
    session.steps[input.step] = { state: 'running', at: this.o.now(), error: null, diagnosis: null };
    session.step = input.step;
    this.commit(session);
    const done = this.execute(session, input).finally(() => this.running.delete(id));
    this.running.set(id, done);
    return done.then(() => this.get(id));
  }

  async wifiScan(id: string) {
    const session = this.require(id);
    if (session.steps.identify.state !== 'done')
      throw new RpcError('INVALID_PARAMS', 'identify the device first');
    try {
      const channel = await this.channel(session);
      const networks = await channel.improv.scanWifi(15_000);
      return [...networks].sort((a, b) => b.rssi - a.rssi);
    } catch (error) {
      throw new RpcError('UNAVAILABLE', `Wi-Fi scan failed: ${messageOf(error)}`);
    }
  }

  async abandon(id: string): Promise<CommissioningSession> {
    const session = this.require(id);
    if (session.status === 'in-progress') {
      this.abandoned.add(id);
      await this.running.get(id)?.catch(() => {});
      session.status = 'abandoned';
      await this.closeChannel(id);
      this.commit(session);
    }
    return this.get(id);
  }

  /** Batch mode: a new session carrying the finished one's settings, id and name counted up. */
  async next(id: string, options: { link?: DeviceLink; run?: boolean } = {}): Promise<CommissioningSession> {
    const previous = this.require(id);
    if (previous.batchId === null) {
      previous.batchId = previous.id;
      this.commit(previous);
    }
    if (options.run && !options.link && previous.link?.kind === 'ble') {
      // over serial the next device comes on the same cable; over BLE the same peripheral is the same device
      throw new RpcError(
        'INVALID_PARAMS',
        'pick the next Bluetooth device: the previous one is already commissioned',
      );
    }
    await this.closeChannel(id);
    const session = this.require(this.start(previous.batchId).id);
    const d = previous.details;
    session.carried = {
      details: d ? { ...d, deviceId: nextInSequence(d.deviceId), name: nextInSequence(d.name) } : null,
      credentials: previous.credentials ? { kind: previous.credentials.kind, validityDays: 825 } : null,
      network: previous.network
        ? {
            ssid: previous.network.ssid,
            brokerUrl: previous.network.brokerUrl,
            reportingIntervalS: previous.network.reportingIntervalS,
            hasPassword: this.o.secrets.has(steps.wifiSecretName(session)),
          }
        : null,
    };
    session.link = options.link ?? previous.link;
    this.commit(session);
    if (options.run) void this.runAll(session.id).catch(() => {});
    return this.get(session.id);
  }

  /** One click per device: every step in order with the carried settings, stopping at the first failure. */
  async runAll(id: string): Promise<void> {
    const s = this.require(id);
    const c = s.carried;
    if (!s.link || !c?.details || !c.network || !c.credentials) {
      throw new RpcError('INVALID_PARAMS', 'batch runs need the previous device finished with every step');
    }
    const plan: StepInput[] = [
      { step: 'connect', link: s.link },
      { step: 'identify' },
      { step: 'details', input: c.details },
      { step: 'credentials', input: c.credentials },
      {
        step: 'network',
        input: {
          ssid: c.network.ssid,
          brokerUrl: c.network.brokerUrl,
          reportingIntervalS: c.network.reportingIntervalS,
        },
      },
      { step: 'verify', input: { timeoutS: 60 } },
      { step: 'record', input: { notes: '' } },
    ];
    for (const input of plan) {
      const after = await this.run(id, input);
      if (after.steps[input.step].state !== 'done') return;
    }
  }

  async close(): Promise<void> {
    for (const id of [...this.running.keys()]) this.abandoned.add(id);
    await Promise.allSettled([...this.running.values()]);
    for (const id of [...this.channels.keys()]) await this.closeChannel(id);
  }

  /** Closes the session links on this serial port so a flash job can open it; the next step reopens them. */
  async releaseSerialPort(path: string): Promise<void> {
    for (const id of [...this.channels.keys()]) {
      const link = this.sessions.get(id)?.link;
      if (link?.kind !== 'serial' || link.path !== path) continue;
      if (this.running.has(id))
        throw new RpcError('UNAVAILABLE', `a commissioning step is using ${path}: wait for it to end`);
      await this.closeChannel(id);
      const session = this.sessions.get(id);
      if (session) this.emit(session); // the wizard shows the link closed
    }
  }

  /** The link for rotation and other one-off jobs outside a session. */
  openLink(link: DeviceLink): Promise<DeviceChannelPort> {
    return this.o.openChannel(link);
  }

  private async execute(session: CommissioningSession, input: StepInput): Promise<void> {
    const ctx: steps.StepContext = {
      session,
      channel: () => this.channel(session),
      progress: (message, fraction = null) => {
        session.progress = {
          message,
          fraction: fraction === null ? null : Math.max(0, Math.min(1, fraction)),
        };
        this.emit(session);
      },
      aborted: () => this.abandoned.has(session.id),
      deps: this.o,
    };
    try {
      switch (input.step) {
        case 'connect':
          await this.connect(session, input.link);
          break;
        case 'identify':
          await steps.identify(ctx);
          break;
        case 'details':
          steps.details(ctx, input.input);
          break;
        case 'credentials':
          await steps.credentials(ctx, input.input);
          break;
        case 'network':
          await steps.network(ctx, input.input);
          break;
        case 'verify':
          await steps.verify(ctx, input.input);
          break;
        case 'record':
          await steps.record(ctx, input.input);
          await this.closeChannel(session.id);
          break;
      }
      session.steps[input.step] = { state: 'done', at: this.o.now(), error: null, diagnosis: null };
      session.step = COMMISSIONING_STEPS.find((n) => session.steps[n].state !== 'done') ?? 'record';
    } catch (error) {
      const failure =
        error instanceof StepFailure
          ? error
          : new StepFailure(
              messageOf(error),
              input.step === 'connect'
                ? null
                : NEEDS_LINK.has(input.step)
                  ? diagnoseStepError(error, input.step)
                  : null,
            );
      if (!(error instanceof StepFailure))
        this.o.log.warn('commissioning step failed', { step: input.step, error: messageOf(error) });
      session.steps[input.step] = {
        state: 'failed',
        at: this.o.now(),
        error: failure.message,
        diagnosis:
          failure.diagnosis ??
          (input.step === 'connect' && session.link ? diagnoseConnect(error, session.link) : null),
      };
    } finally {
      session.progress = null;
      if (session.status === 'done' && input.step === 'record' && this.o.recorded) {
        const recorded = this.o.recorded;
        this.o.db.transaction(() => {
          this.commit(session);
          recorded(this.view(session));
        })();
      } else {
        this.commit(session);
      }
    }
  }

  private async connect(session: CommissioningSession, link: DeviceLink): Promise<void> {
    await this.closeChannel(session.id);
    session.link = link;
    session.identity = null;
    try {
      await this.channel(session);
    } catch (error) {
      throw new StepFailure(messageOf(error), diagnoseConnect(error, link));
    }
  }

  private async channel(session: CommissioningSession): Promise<DeviceChannelPort> {
    const open = this.channels.get(session.id);
    if (open) return open;
    if (!session.link)
      throw new StepFailure('no device is connected', 'Go back to Connect and pick the device.');
    session.progress = { message: 'opening the link to the device', fraction: null };
    this.emit(session);
    const channel = await this.o.openChannel(session.link);
    this.channels.set(session.id, channel);
    channel.onClose((reason) => {
      if (this.channels.get(session.id) !== channel) return;
      this.channels.delete(session.id);
      this.o.log.info('commissioning link closed', { session: session.id, reason });
      this.emit(session);
    });
    this.emit(session);
    return channel;
  }

  private async closeChannel(id: string): Promise<void> {
    const channel = this.channels.get(id);
    if (!channel) return;
    this.channels.delete(id);
    await channel.close().catch(() => {});
  }

  private require(id: string): CommissioningSession {
    const s = this.sessions.get(id);
    if (!s) throw new RpcError('NOT_FOUND', `no commissioning session "${id}"`);
    return s;
  }

  private view(s: CommissioningSession): CommissioningSession {
    return structuredClone({ ...s, linkOpen: this.channels.has(s.id) });
  }

  private commit(session: CommissioningSession): void {
    session.updatedAt = this.o.now();
    this.sessions.set(session.id, session);
    this.store.save(session);
    this.emit(session);
  }

  private emit(session: CommissioningSession): void {
    const set = this.listeners.get(session.id);
    if (!set || set.size === 0) return;
    const view = this.view(session);
    for (const l of set) l(view);
  }
}
