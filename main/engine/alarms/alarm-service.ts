/**
 * The alarm runtime: rules, one instance per rule × series, evaluation of every stored
 * reading in device-time order, timers for delays and shelve expiry, operator actions, and
 * the journal. Each transition is written to alarm_transitions with its alarm_notices row
 * (and the instance's evaluation state) in one transaction: evaluation of readings runs
 * inside the ingest batch's own commit, so a reading is stored and judged, or neither.
 * After a restart every delay, N-of-M window, ladder rung and shelve expiry is where it was.
 */
import { createHash } from 'node:crypto';
import type {
  AlarmInstance,
  AlarmState,
  AlarmTransition,
  Rule,
  RuleSummary,
  Severity,
} from '../../../common/alarm-contract';
import { RpcError } from '../../../common/protocol';
import type { Reading } from '../../../common/reading';
import type { AuditInput } from '../audit/audit-log';
import { canonicalJson } from '../audit/canonical-json';
import type { Logger } from '../log';
import type { Db } from '../store/database';
import { AlarmMachine, type MachineChange, type MachineConfig, type MachineSnapshot } from './alarm-machine';
import type { AlarmNotice, AlarmNoticeSource, AlarmOperator } from './alarm-notices';
import { AlarmStore, type InstanceRow, type RuleRow } from './alarm-store';
import { type DeviceTarget, targetMatches } from './alarm-targets';
import { checkRuleExpressions } from './cel/check-rule';
import type { ConditionEvaluator, DeviceFacts, EvaluationContext, Sample } from './condition-evaluator';
import { compileCondition } from './conditions';
import { SeriesIndex } from './series-index';

export interface AlarmDevices extends DeviceTarget {
  /** ids of every known device */
  ids(): Iterable<string>;
  /** the registry says the device is offline */
  offline(deviceId: string): boolean;
  /** the name people know it by, for messages */
  name(deviceId: string): string;
}

export interface AlarmServiceOptions {
  db: Db;
  devices: AlarmDevices;
  audit: (entry: AuditInput) => void;
  /** the installation id: part of every dedup key, so two sites never share one */
  siteId: string;
  /** runs inside each transition's transaction (the cloud outbox copy) */
  published?: (transition: AlarmTransition) => void;
  /** readings of other series and windowed aggregates, for conditions that need them */
  latest?: EvaluationContext['latest'];
  aggregate?: EvaluationContext['aggregate'];
  /** the profiles (id and metric names) a rule's target can reach, for checking its expressions */
  profilesFor?: (rule: Rule) => { id: string; metrics: readonly string[] }[];
  /** the rule set changed (load, save, delete): derive actions follow it */
  rulesChanged?: (rules: Rule[]) => void;
  log: Logger;
  now?: () => number;
  /** timer resolution for delays, shelve expiry and the offline poll */
  tickMs?: number;
  /**
   * After a start every device looks offline until it reports again: no offline alarm is
   * raised before this much time has passed (the registry calls a device offline after 60 s)
   */
  offlineGraceMs?: number;
}

/** a rule as the runtime holds it: its row, and the machine settings all its instances share */
interface RuleEntry extends RuleRow {
  config: MachineConfig;
}

interface Instance {
  key: string;
  rule: RuleEntry;
  deviceId: string;
  metric: string | null;
  machine: AlarmMachine;
  evaluator: ConditionEvaluator;
  /**
   * the evaluator state the stored row was written with: evaluators that return the same
   * object while unchanged spare a write; others are written whenever their instance is judged
   */
  saved: unknown;
  /** the evaluation pass that last judged it: each judged instance is persisted once per batch */
  pass: number;
}

const STREAM_MS = 250;
/** new devices and changed sites/tags reach the targets this often (and on every rule save) */
const RETARGET_TICKS = 10;
const UNACKED: ReadonlySet<AlarmState> = new Set(['active_unack', 'rtn_unack']);

export function instanceKey(ruleId: string, deviceId: string, metric: string | null): string {
  return `${ruleId}|${deviceId}|${metric ?? ''}`;
}

export function dedupKey(siteId: string, ruleId: string, key: string, episodeId: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([siteId, ruleId, key, episodeId ?? '']))
    .digest('hex');
}

function machineConfig(rule: Rule): MachineConfig {
  return {
    onDelayMs: rule.onDelayMs,
    offDelayMs: rule.offDelayMs,
    confirm: rule.confirm,
    latching: rule.latching,
    lateToleranceMs: rule.lateToleranceMs,
  };
}

const isActive = (s: AlarmState | null): boolean => s === 'active_unack' || s === 'active_ack';

export class AlarmService implements AlarmNoticeSource, AlarmOperator {
  readonly store: AlarmStore;
  private readonly rules = new Map<string, RuleEntry>();
  private readonly instances = new Map<string, Instance>();
  /** value instances by series; an empty list remembers that nothing targets the series */
  private readonly bySeries = new SeriesIndex<Instance[]>();
  private readonly rulesByMetric = new Map<string, RuleEntry[]>();
  /** offline-rule instances by device */
  private readonly offlineOf = new Map<string, Instance[]>();
  private readonly offlineNow = new Map<string, boolean>();
  /** instances with a delay or shelve expiry pending */
  private readonly timed = new Set<string>();
  private readonly comments = new Map<string, { at: number; by: string; text: string }[]>();
  private readonly noticeListeners = new Set<() => void>();
  private readonly streamListeners = new Set<(changed: AlarmInstance[]) => void>();
  /** instances to send on the stream (a view is made when sent); gone ones as their last view */
  private readonly changed = new Map<string, Instance | AlarmInstance>();
  /** instances touched inside an ingest commit not yet known to have committed */
  private inflight = new Set<Instance>();
  private pass = 0;
  private inflightNotices = 0;
  private timer: NodeJS.Timeout | undefined;
  private streamTimer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private startedAt = 0;
  private readonly now: () => number;
  /** per device: what targeting and conditions know of it (null: not a device we know) */
  private readonly contexts = new Map<string, EvaluationContext | null>();
  private readonly ctx: Omit<EvaluationContext, 'device'>;

  constructor(private readonly options: AlarmServiceOptions) {
    this.store = new AlarmStore(options.db);
    this.now = options.now ?? Date.now;
    this.ctx = {
      latest: options.latest ?? (() => undefined),
      aggregate: options.aggregate ?? (() => null),
    };
  }

  /** loads rules and instances as they were and arms the timers; delays that elapsed while stopped fire now */
  start(): void {
    this.startedAt = this.now();
    for (const row of this.store.rules())
      this.rules.set(row.rule.id, { ...row, config: machineConfig(row.rule) });
    for (const c of this.store.comments()) this.commentsOf(c.key).push(c);
    const stale: string[] = [];
    for (const row of this.store.instances()) {
      const rule = this.rules.get(row.ruleId);
      if (!rule?.rule.enabled) {
        stale.push(row.key);
        continue;
      }
      this.add(this.restore(rule, row));
    }
    if (stale.length)
      this.write(() => {
        for (const k of stale) this.store.deleteInstance(k);
      });
    this.retarget(true);
    this.options.rulesChanged?.([...this.rules.values()].map((r) => r.rule));
    this.tick();
    const tickMs = this.options.tickMs ?? 1000;
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.streamTimer);
    this.timer = undefined;
    this.streamTimer = undefined;
  }

  // ---- rules ----

  listRules(): RuleSummary[] {
    return [...this.rules.values()].map((r) => this.summary(r));
  }

  /** validates (the condition must compile), bumps the version when the rule changed, audits */
  saveRule(rule: Rule, actor: string, builtIn = false): RuleSummary {
    this.settle();
    try {
      compileCondition(rule.condition, { deviceId: '', metric: rule.target.metric ?? '' });
    } catch (error) {
      throw new RpcError('INVALID_PARAMS', `rule "${rule.id}": ${(error as Error).message}`);
    }
    // expressions are type-checked against the metrics of every profile the rule can reach
    const issues = checkRuleExpressions(rule, this.options.profilesFor?.(rule) ?? []);
    if (issues.length > 0)
      throw new RpcError(
        'INVALID_PARAMS',
        `rule "${rule.id}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues },
      );
    if (rule.condition.kind !== 'offline' && !rule.target.metric)
      throw new RpcError(
        'INVALID_PARAMS',
        `rule "${rule.id}": a ${rule.condition.kind} rule needs target.metric`,
      );
    const hash = createHash('sha256').update(canonicalJson(rule)).digest('hex');
    const before = this.rules.get(rule.id);
    if (before && before.hash === hash) return this.summary(before);
    const entry: RuleEntry = {
      rule,
      config: machineConfig(rule),
      version: (this.store.ruleVersion(rule.id)?.version ?? 0) + 1,
      hash,
      builtIn: before?.builtIn ?? builtIn,
      updatedAt: this.now(),
    };
    const notices = this.write(() => {
      this.store.putRule(entry);
      this.options.audit({
        actor,
        action: before ? 'alarm.rule.update' : 'alarm.rule.create',
        subject: `alarm-rule:${rule.id}`,
        before: before?.rule,
        after: { ...rule, version: entry.version, hash },
      });
      this.rules.set(rule.id, entry);
      const out: AlarmNotice[] = [];
      for (const inst of this.instancesOf(rule.id)) {
        if (!rule.enabled || !this.matches(rule, inst.deviceId, inst.metric)) {
          out.push(...this.drop(inst, 'rule changed'));
          continue;
        }
        // same state, new settings: the running episode carries on under the new version
        const next = this.restore(entry, this.row(inst));
        this.remove(inst);
        this.add(next);
        this.persist(next);
      }
      return out;
    });
    this.retarget(true);
    this.options.rulesChanged?.([...this.rules.values()].map((r) => r.rule));
    this.announce(notices);
    return this.summary(entry);
  }

  /** built-in rules: saved once; a person's later edits are theirs to keep */
  seedRules(rules: readonly Rule[]): void {
    for (const rule of rules) if (!this.store.ruleVersion(rule.id)) this.saveRule(rule, 'engine', true);
  }

  deleteRule(ruleId: string, actor: string): void {
    this.settle();
    const entry = this.rules.get(ruleId);
    if (!entry) throw new RpcError('NOT_FOUND', `no alarm rule "${ruleId}"`);
    const notices = this.write(() => {
      const out: AlarmNotice[] = [];
      for (const inst of this.instancesOf(ruleId)) out.push(...this.drop(inst, 'rule deleted'));
      this.store.deleteRule(ruleId);
      this.options.audit({
        actor,
        action: 'alarm.rule.delete',
        subject: `alarm-rule:${ruleId}`,
        before: entry.rule,
      });
      this.rules.delete(ruleId);
      return out;
    });
    this.retarget(true);
    this.options.rulesChanged?.([...this.rules.values()].map((r) => r.rule));
    this.announce(notices);
  }

  // ---- evaluation ----

  /**
   * Judges a committed-to-be batch inside the ingest transaction. If that transaction rolled
   * back (no afterCommit came), the instances it touched are reloaded from their rows first.
   */
  evaluate(accepted: readonly Reading[]): void {
    this.settle();
    try {
      // a savepoint: a failure here undoes the alarm rows, never the readings
      this.write(() => this.judge(accepted));
    } catch (error) {
      this.options.log.error('alarm evaluation failed; readings are stored, alarms did not see them', {
        error: (error as Error).message,
      });
      this.rollback();
    }
  }

  private judge(accepted: readonly Reading[]): void {
    const now = this.now();
    // device-time order across the batch gives device-time order within every series; one
    // pass, no grouping: at 10,000 instances the per-series lists cost more than judging
    const readings = inOrder(accepted) ? accepted : [...accepted].sort((a, b) => a.ts - b.ts);
    const pass = ++this.pass;
    const touched: Instance[] = [];
    for (const r of readings) {
      const targets = this.seriesInstances(r.deviceId, r.metric);
      if (targets.length === 0) continue;
      const ctx = this.context(r.deviceId);
      if (!ctx) continue;
      for (const inst of targets) {
        if (inst.pass !== pass) {
          inst.pass = pass;
          touched.push(inst);
          this.inflight.add(inst);
        }
        const sample: Sample = { ts: r.ts, value: r.value, quality: r.quality };
        const changes = inst.machine.sample(inst.evaluator.sample(sample, ctx), r.ts, r.arrivedAt ?? now);
        if (changes.length > 0) this.inflightNotices += this.record(inst, changes, now).length;
      }
    }
    for (const inst of touched) this.persist(inst);
  }

  /** the batch evaluate() saw is committed: tell consumers */
  afterCommit(): void {
    if (this.inflight.size === 0) return;
    const told = this.inflightNotices;
    this.inflight = new Set();
    this.inflightNotices = 0;
    if (told > 0) this.announce(told);
  }

  /** timers: delays that elapsed, expired shelves, devices that went offline or came back */
  tick(): void {
    this.settle();
    const now = this.now();
    if (++this.ticks % RETARGET_TICKS === 0) this.retarget();
    const notices = this.write(() => {
      const out: AlarmNotice[] = [];
      for (const key of [...this.timed]) {
        const inst = this.instances.get(key);
        const deadline = inst?.machine.nextDeadline();
        if (!inst || deadline === null || deadline === undefined) {
          this.timed.delete(key);
          continue;
        }
        if (deadline > now) continue;
        out.push(...this.record(inst, inst.machine.tick(now), now));
        this.persist(inst);
      }
      out.push(...this.pollOffline(now));
      return out;
    });
    this.announce(notices);
  }

  // ---- operators ----

  acknowledge(keys: string[], actor: string, comment?: string): void {
    this.act(keys, (inst, now) => {
      if (comment) this.addComment(inst.key, now, actor, comment);
      return inst.machine.acknowledge(actor, now, comment);
    });
  }

  shelve(keys: string[], until: number, reason: string, actor: string): void {
    if (until <= this.now()) throw new RpcError('INVALID_PARAMS', 'a shelve must expire in the future');
    this.act(
      keys,
      (inst, now) => inst.machine.shelve(until, reason, actor, now),
      (inst) => ({ actor, action: 'alarm.shelve', subject: `alarm:${inst.key}`, after: { until, reason } }),
    );
  }

  unshelve(keys: string[], actor: string): void {
    this.act(
      keys,
      (inst, now) => inst.machine.unshelve(actor, now),
      (inst) => ({ actor, action: 'alarm.unshelve', subject: `alarm:${inst.key}` }),
    );
  }

  setOutOfService(keys: string[], on: boolean, reason: string, actor: string): void {
    this.act(
      keys,
      (inst, now) => inst.machine.setOutOfService(on, actor, reason, now),
      (inst) => ({
        actor,
        action: on ? 'alarm.out-of-service' : 'alarm.in-service',
        subject: `alarm:${inst.key}`,
        after: { reason },
      }),
    );
  }

  comment(keys: string[], text: string, actor: string): void {
    this.act(keys, (inst, now) => {
      this.addComment(inst.key, now, actor, text);
      return [];
    });
  }

  // ---- reading ----

  list(filter: { deviceId?: string | undefined; ruleId?: string | undefined; includeNormal?: boolean } = {}) {
    const out: AlarmInstance[] = [];
    for (const inst of this.instances.values()) {
      if (filter.deviceId && inst.deviceId !== filter.deviceId) continue;
      if (filter.ruleId && inst.rule.rule.id !== filter.ruleId) continue;
      if (!filter.includeNormal && inst.machine.state === 'normal') continue;
      out.push(this.view(inst));
    }
    const sev = (s: Severity | null) => (s ? ['info', 'warning', 'high', 'critical'].indexOf(s) : -1);
    return out.sort(
      (a, b) =>
        Number(UNACKED.has(b.state)) - Number(UNACKED.has(a.state)) ||
        sev(b.severity) - sev(a.severity) ||
        (b.since ?? 0) - (a.since ?? 0) ||
        a.key.localeCompare(b.key),
    );
  }

  history(q: Parameters<AlarmStore['history']>[0]): AlarmTransition[] {
    return this.store.history(q);
  }

  /** the first message is every instance not in normal; then what changed, at most every 250 ms */
  subscribe(listener: (changed: AlarmInstance[]) => void): () => void {
    this.streamListeners.add(listener);
    listener(this.list());
    this.streamTimer ??= setInterval(() => this.flushStream(), STREAM_MS);
    return () => {
      this.streamListeners.delete(listener);
      if (this.streamListeners.size === 0) {
        clearInterval(this.streamTimer);
        this.streamTimer = undefined;
        this.changed.clear();
      }
    };
  }

  // ---- AlarmNoticeSource ----

  after(afterSeq: number, limit: number): AlarmNotice[] {
    return this.store.notices(afterSeq, limit);
  }

  onNotices(listener: () => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  cursor(consumer: string): number {
    return this.store.cursor(consumer);
  }

  advance(consumer: string, seq: number): void {
    this.store.advance(consumer, seq);
  }

  states(): ReadonlyMap<string, { state: AlarmState; severity: Severity | null }> {
    const out = new Map<string, { state: AlarmState; severity: Severity | null }>();
    for (const [key, inst] of this.instances)
      out.set(key, { state: inst.machine.state, severity: inst.machine.severity });
    return out;
  }

  // ---- internals ----

  private summary(r: RuleEntry): RuleSummary {
    let instances = 0;
    let active = 0;
    for (const inst of this.instancesOf(r.rule.id)) {
      instances++;
      if (inst.machine.state !== 'normal' && inst.machine.state !== 'pending') active++;
    }
    return {
      rule: r.rule,
      version: r.version,
      hash: r.hash,
      builtIn: r.builtIn,
      instances,
      active,
      updatedAt: r.updatedAt,
    };
  }

  private *instancesOf(ruleId: string): Iterable<Instance> {
    for (const inst of [...this.instances.values()]) if (inst.rule.rule.id === ruleId) yield inst;
  }

  private write<T>(fn: () => T): T {
    return this.options.db.transaction(fn)();
  }

  private deviceFacts(deviceId: string): DeviceFacts | null {
    return this.context(deviceId)?.device ?? null;
  }

  private context(deviceId: string): EvaluationContext | null {
    let ctx = this.contexts.get(deviceId);
    if (ctx === undefined) {
      const device = this.options.devices.facts(deviceId);
      ctx = device ? { device, ...this.ctx } : null;
      this.contexts.set(deviceId, ctx);
    }
    return ctx;
  }

  private matches(rule: Rule, deviceId: string, metric: string | null): boolean {
    const facts = this.deviceFacts(deviceId);
    if (!facts || !targetMatches(rule.target, facts)) return false;
    return rule.condition.kind === 'offline' ? metric === null : rule.target.metric === metric;
  }

  /** the instances judging a series, made on its first reading; cached until the rules change */
  private seriesInstances(deviceId: string, metric: string): Instance[] {
    const known = this.bySeries.get(deviceId, metric);
    if (known) return known;
    const list: Instance[] = [];
    for (const { rule } of this.rulesByMetric.get(metric) ?? []) {
      if (!this.matches(rule, deviceId, metric)) continue;
      const k = instanceKey(rule.id, deviceId, metric);
      let inst = this.instances.get(k);
      if (!inst) {
        inst = this.fresh(rule.id, deviceId, metric);
        this.add(inst);
      }
      list.push(inst);
    }
    this.bySeries.set(deviceId, metric, list);
    return list;
  }

  /**
   * Forgets cached device facts and "nothing targets this series" (new devices, new sites and
   * tags are picked up), and makes the offline-rule instances of every matching device.
   */
  private retarget(rulesChanged = false): void {
    this.contexts.clear();
    if (rulesChanged) {
      this.bySeries.clear();
      this.rulesByMetric.clear();
      for (const entry of this.rules.values()) {
        const metric = entry.rule.target.metric;
        if (entry.rule.enabled && entry.rule.condition.kind !== 'offline' && metric)
          pushTo(this.rulesByMetric, metric, entry);
      }
    } else this.bySeries.prune((list) => list.length === 0);
    const offlineRules = [...this.rules.values()].filter(
      (r) => r.rule.enabled && r.rule.condition.kind === 'offline',
    );
    if (offlineRules.length === 0) return;
    for (const deviceId of this.options.devices.ids()) {
      for (const { rule } of offlineRules) {
        const k = instanceKey(rule.id, deviceId, null);
        if (!this.instances.has(k) && this.matches(rule, deviceId, null))
          this.add(this.fresh(rule.id, deviceId, null));
      }
    }
  }

  private fresh(
    ruleId: string,
    deviceId: string,
    metric: string | null,
    snapshot?: MachineSnapshot,
  ): Instance {
    const rule = this.rules.get(ruleId) as RuleEntry;
    const key = instanceKey(ruleId, deviceId, metric);
    return {
      key,
      rule,
      deviceId,
      metric,
      machine: new AlarmMachine(rule.config, key, snapshot),
      evaluator: compileCondition(rule.rule.condition, { deviceId, metric: metric ?? '' }),
      saved: null,
      pass: 0,
    };
  }

  private restore(rule: RuleEntry, row: InstanceRow): Instance {
    let inst: Instance;
    try {
      const saved = (row.evalState ? JSON.parse(row.evalState) : {}) as { m?: MachineSnapshot; e?: unknown };
      inst = this.fresh(rule.rule.id, row.deviceId, row.metric, saved.m);
      inst.evaluator.restore(saved.e);
    } catch (error) {
      // a state we cannot read starts over rather than stopping every other alarm
      this.options.log.warn('alarm state unreadable; instance starts from normal', {
        key: row.key,
        error: (error as Error).message,
      });
      inst = this.fresh(rule.rule.id, row.deviceId, row.metric);
    }
    inst.saved = row.evalState ? inst.evaluator.save() : null;
    return inst;
  }

  private add(inst: Instance): void {
    this.instances.set(inst.key, inst);
    if (inst.metric === null) pushTo(this.offlineOf, inst.deviceId, inst);
    if (inst.machine.nextDeadline() !== null) this.timed.add(inst.key);
  }

  private remove(inst: Instance): void {
    this.instances.delete(inst.key);
    pullFrom(this.offlineOf, inst.deviceId, inst);
    if (inst.metric !== null) this.bySeries.delete(inst.deviceId, inst.metric);
    this.timed.delete(inst.key);
  }

  /** an instance whose rule went away or no longer targets it: its open episode is closed in the journal */
  private drop(inst: Instance, reason: string): AlarmNotice[] {
    const now = this.now();
    const state = inst.machine.state;
    const out: AlarmNotice[] = [];
    if (state !== 'normal' && state !== 'pending') {
      const change: MachineChange = {
        kind: isActive(state) || isActive(inst.machine.underlying) ? 'cleared' : 'ended',
        from: state,
        to: 'normal',
        severity: inst.machine.severity,
        value: inst.machine.value,
        episodeId: inst.machine.episodeId,
        deviceTime: now,
        late: false,
        actor: null,
        reason,
      };
      out.push(...this.record(inst, [change], now));
    }
    this.store.deleteInstance(inst.key);
    this.comments.delete(inst.key);
    this.remove(inst);
    if (this.streamListeners.size > 0)
      this.changed.set(inst.key, { ...this.view(inst), state: 'normal', underlying: null });
    return out;
  }

  private act(
    keys: string[],
    apply: (inst: Instance, now: number) => MachineChange[],
    audit?: (inst: Instance) => AuditInput,
  ): void {
    this.settle();
    const found = keys.map((k) => {
      const inst = this.instances.get(k);
      if (!inst) throw new RpcError('NOT_FOUND', `no alarm "${k}"`);
      return inst;
    });
    const now = this.now();
    const notices = this.write(() => {
      const out: AlarmNotice[] = [];
      for (const inst of found) {
        let changes: MachineChange[];
        try {
          changes = apply(inst, now);
        } catch (error) {
          if (error instanceof RangeError) throw new RpcError('INVALID_PARAMS', error.message);
          throw error;
        }
        out.push(...this.record(inst, changes, now));
        if (audit) this.options.audit(audit(inst));
        this.persist(inst);
        this.markChanged(inst);
      }
      return out;
    });
    this.announce(notices);
  }

  /** journals each change with its notice; call inside a transaction */
  private record(inst: Instance, changes: MachineChange[], now: number): AlarmNotice[] {
    if (changes.length === 0) return [];
    const { rule, version } = inst.rule;
    const shadow = rule.mode === 'shadow';
    const facts = this.deviceFacts(inst.deviceId);
    const out: AlarmNotice[] = [];
    for (const c of changes) {
      const transition: Omit<AlarmTransition, 'seq'> = {
        key: inst.key,
        ruleId: rule.id,
        ruleVersion: version,
        deviceId: inst.deviceId,
        metric: inst.metric,
        episodeId: c.episodeId,
        from: c.from,
        to: c.to,
        severity: c.severity,
        value: c.value,
        deviceTime: c.deviceTime,
        at: now,
        late: c.late,
        shadow,
        actor: c.actor,
        reason: c.reason,
      };
      const notice = this.store.journal(transition, (seq) => ({
        kind: c.kind,
        transition: { ...transition, seq },
        ruleName: rule.name,
        labels: {
          ...rule.labels,
          rule: rule.id,
          device: inst.deviceId,
          metric: inst.metric ?? '',
          severity: c.severity ?? '',
          site: facts?.site ?? '',
          profile: facts?.profile ?? '',
        },
        dedupKey: dedupKey(this.options.siteId, rule.id, inst.key, c.episodeId),
        summary: this.summarize(inst, c),
        shadow,
        episodeStart: inst.machine.since,
      }));
      this.options.published?.(notice.transition);
      out.push(notice);
    }
    this.markChanged(inst);
    return out;
  }

  private summarize(inst: Instance, c: MachineChange): string {
    const name = this.options.devices.name(inst.deviceId);
    const what = inst.metric ? `${name} ${inst.metric}` : name;
    const value = c.value === null || inst.metric === null ? '' : ` ${Number(c.value.toPrecision(6))}`;
    const why = inst.machine.reason ? ` ${inst.machine.reason}` : '';
    return `${what}${value}${why} (${c.severity ?? 'normal'}): ${c.kind}`;
  }

  private row(inst: Instance, evalState = this.evalState(inst)): InstanceRow {
    const m = inst.machine;
    return {
      key: inst.key,
      ruleId: inst.rule.rule.id,
      deviceId: inst.deviceId,
      metric: inst.metric,
      state: m.state,
      underlying: m.underlying,
      severity: m.severity,
      episodeId: m.episodeId,
      since: m.since,
      value: m.value,
      late: m.late,
      shelvedUntil: m.shelvedUntil,
      shelveReason: m.shelveReason,
      ackedBy: m.ackedBy,
      evalState,
      updatedAt: this.now(),
    };
  }

  private evalState(inst: Instance): string {
    return JSON.stringify({ m: inst.machine.save(), e: inst.evaluator.save() });
  }

  /** the instance row and its evaluation state, when they changed; call inside a transaction */
  private persist(inst: Instance): void {
    const evaluator = inst.evaluator.save();
    const machineChanged = inst.machine.takeDirty();
    if (machineChanged || inst.saved !== evaluator) {
      this.store.putInstance(this.row(inst));
      inst.saved = evaluator;
    }
    if (inst.machine.nextDeadline() !== null) this.timed.add(inst.key);
    else this.timed.delete(inst.key);
  }

  /**
   * Evaluation and its afterCommit run back to back in the ingest flush, so anything else
   * finding instances still in flight knows their commit failed: undo before going on.
   */
  private settle(): void {
    if (this.inflight.size > 0) this.rollback();
  }

  private rollback(): void {
    for (const inst of this.inflight) {
      if (this.instances.get(inst.key) !== inst) continue;
      this.remove(inst);
      const row = this.store.instance(inst.key);
      this.add(
        row ? this.restore(inst.rule, row) : this.fresh(inst.rule.rule.id, inst.deviceId, inst.metric),
      );
    }
    this.options.log.warn('an ingest batch rolled back; its alarm evaluation was undone', {
      instances: this.inflight.size,
    });
    this.inflight = new Set();
    this.inflightNotices = 0;
  }

  /**
   * The registry's offline state drives offline-rule instances; while a device's offline
   * alarm is active its own value alarms are suppressed by design (one alarm, not a flood).
   */
  private pollOffline(now: number): AlarmNotice[] {
    const out: AlarmNotice[] = [];
    for (const [deviceId, offlineInstances] of this.offlineOf) {
      const offline = this.options.devices.offline(deviceId);
      if (offline && now - this.startedAt < (this.options.offlineGraceMs ?? 120_000)) continue;
      const was = this.offlineNow.get(deviceId);
      if (was === offline) continue;
      this.offlineNow.set(deviceId, offline);
      const ctx = this.context(deviceId);
      if (!ctx) continue;
      for (const inst of offlineInstances) {
        const verdict = inst.evaluator.sample({ ts: now, value: offline ? 1 : 0, quality: 'good' }, ctx);
        out.push(...this.record(inst, inst.machine.sample(verdict, now, now), now));
        this.persist(inst);
      }
      const speaking = offlineInstances.some(
        (i) => isActive(i.machine.state) || isActive(i.machine.underlying),
      );
      // rare (a device went or came back): a scan, rather than a per-device list for every instance
      for (const inst of this.instances.values()) {
        if (inst.deviceId !== deviceId || inst.metric === null) continue;
        const changes = inst.machine.setSuppressed(
          offline && speaking,
          now,
          offline ? 'device offline' : 'device online',
        );
        if (changes.length === 0) continue;
        out.push(...this.record(inst, changes, now));
        this.persist(inst);
      }
    }
    return out;
  }

  private commentsOf(key: string) {
    let list = this.comments.get(key);
    if (!list) {
      list = [];
      this.comments.set(key, list);
    }
    return list;
  }

  private addComment(key: string, at: number, by: string, text: string): void {
    this.store.addComment(key, at, by, text);
    this.commentsOf(key).push({ at, by, text });
  }

  private view(inst: Instance): AlarmInstance {
    const m = inst.machine;
    return {
      key: inst.key,
      ruleId: inst.rule.rule.id,
      ruleName: inst.rule.rule.name,
      deviceId: inst.deviceId,
      metric: inst.metric,
      state: m.state,
      underlying: m.underlying,
      severity: m.severity,
      episodeId: m.episodeId,
      since: m.since,
      value: m.value,
      late: m.late,
      shadow: inst.rule.rule.mode === 'shadow',
      shelvedUntil: m.shelvedUntil,
      shelveReason: m.shelveReason,
      ackedBy: m.ackedBy,
      comments: [...(this.comments.get(inst.key) ?? [])],
      updatedAt: this.now(),
    };
  }

  private announce(notices: AlarmNotice[] | number): void {
    const count = typeof notices === 'number' ? notices : notices.length;
    if (count === 0) return;
    for (const l of this.noticeListeners) {
      try {
        l();
      } catch (error) {
        this.options.log.error('an alarm notice listener failed', { error: (error as Error).message });
      }
    }
  }

  /** nobody watching: nothing kept (a new subscriber gets the full list first) */
  private markChanged(inst: Instance): void {
    if (this.streamListeners.size > 0) this.changed.set(inst.key, inst);
  }

  private flushStream(): void {
    if (this.changed.size === 0) return;
    const batch = [...this.changed.values()].map((c) => ('machine' in c ? this.view(c) : c));
    this.changed.clear();
    for (const l of this.streamListeners) l(batch);
  }
}

function inOrder(readings: readonly Reading[]): boolean {
  for (let i = 1; i < readings.length; i++)
    if ((readings[i] as Reading).ts < (readings[i - 1] as Reading).ts) return false;
  return true;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pullFrom<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
