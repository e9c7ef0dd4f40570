/**
 * One alarm instance's ISA-18.2 state machine (ISA-18.2 §6 / IEC 62682 state diagram:
 * normal, unacknowledged, acknowledged, returned-to-normal unacknowledged; shelved,
 * suppressed by design, out of service) plus `pending` for the on-delay. Pure: no I/O, no
 * clock. Inputs are verdicts in device time, timer ticks, and operator actions; outputs
 * are the transitions to journal. Everything it holds is in its snapshot, so a machine
 * restored from save() answers every future input exactly as the original would.
 *
 * Delays are measured in device time under sample-and-hold: before each reading, deadlines
 * that elapsed since the previous one fire at their own instant, so a replay (backtest,
 * restart) gives the same episodes whether or not timer ticks came in between.
 */
import { createHash } from 'node:crypto';
import type { AlarmState, Severity } from '../../../common/alarm-contract';
import { SEVERITIES } from '../../../common/alarm-contract';
import type { NoticeKind } from './alarm-notices';
import type { Verdict } from './condition-evaluator';

export interface MachineConfig {
  onDelayMs: number;
  offDelayMs: number;
  confirm?: { n: number; m: number } | undefined;
  latching: boolean;
  lateToleranceMs: number;
}

export interface MachineChange {
  kind: NoticeKind;
  from: AlarmState;
  to: AlarmState;
  severity: Severity | null;
  value: number | null;
  episodeId: string | null;
  /** device time of the reading or deadline that caused it; operator actions: engine time */
  deviceTime: number;
  late: boolean;
  actor: string | null;
  reason: string | null;
}

type ProcessState = 'normal' | 'pending' | 'active_unack' | 'active_ack' | 'rtn_unack';

/** JSON-serialisable; what alarm_instances.eval_state holds for the machine */
export interface MachineSnapshot {
  p: ProcessState;
  sev: Severity | null;
  val: number | null;
  why: string;
  /** the condition held at the last input */
  holds: boolean;
  ep: string | null;
  epn: number;
  since: number | null;
  late: boolean;
  /** device time the condition began to hold (on-delay running) */
  pend: number | null;
  /** device time the condition stopped holding while active (off-delay running) */
  clr: number | null;
  /** last reading's device time: older readings are out of order and ignored */
  last: number | null;
  /** N-of-M: the last m outcomes, 1 = held; severity of the latest that held */
  win: number[] | null;
  winSev: Severity | null;
  shelvedUntil: number | null;
  shelveReason: string | null;
  suppressed: boolean;
  oos: boolean;
  ackedBy: string | null;
}

const copy = (s: MachineSnapshot): MachineSnapshot => ({ ...s, win: s.win ? [...s.win] : null });
const rank = (s: Severity | null): number => (s === null ? -1 : SEVERITIES.indexOf(s));
const isActive = (p: ProcessState): boolean => p === 'active_unack' || p === 'active_ack';

export function initialSnapshot(): MachineSnapshot {
  return {
    p: 'normal',
    sev: null,
    val: null,
    why: '',
    holds: false,
    ep: null,
    epn: 0,
    since: null,
    late: false,
    pend: null,
    clr: null,
    last: null,
    win: null,
    winSev: null,
    shelvedUntil: null,
    shelveReason: null,
    suppressed: false,
    oos: false,
    ackedBy: null,
  };
}

export class AlarmMachine {
  private s: MachineSnapshot;
  /** a new machine has never been stored; a restored one is what is stored */
  private dirty: boolean;

  /**
   * `episodeSeed`: stable per instance (its key); episode ids are
   * `${first 12 hex of SHA-256(seed)}-${start in base 36}-${count}`, made only on activation
   */
  constructor(
    private readonly config: MachineConfig,
    private readonly episodeSeed: string,
    snapshot?: MachineSnapshot,
  ) {
    this.s = snapshot ? copy(snapshot) : initialSnapshot();
    this.dirty = !snapshot;
  }

  save(): MachineSnapshot {
    return copy(this.s);
  }

  /**
   * Whether anything a restart must find as it was (not the last value or reading time)
   * changed since the last call: a machine that answers false need not be stored again.
   */
  takeDirty(): boolean {
    const was = this.dirty;
    this.dirty = false;
    return was;
  }

  get state(): AlarmState {
    return this.visible();
  }
  /** the process state beneath shelving, suppression or out-of-service; null when none applies */
  get underlying(): AlarmState | null {
    return this.overlaid() ? this.s.p : null;
  }
  get severity(): Severity | null {
    return this.s.sev;
  }
  get value(): number | null {
    return this.s.val;
  }
  get reason(): string {
    return this.s.why;
  }
  get episodeId(): string | null {
    return this.s.ep;
  }
  get since(): number | null {
    return this.s.since;
  }
  get late(): boolean {
    return this.s.late;
  }
  get shelvedUntil(): number | null {
    return this.s.shelvedUntil;
  }
  get shelveReason(): string | null {
    return this.s.shelveReason;
  }
  get ackedBy(): string | null {
    return this.s.ackedBy;
  }
  get lastSampleTs(): number | null {
    return this.s.last;
  }

  /** the earliest instant a tick can change something (delay or shelve expiry); null: none */
  nextDeadline(): number | null {
    let next: number | null = this.s.shelvedUntil;
    const d = this.delayDeadline();
    if (d !== null && (next === null || d < next)) next = d;
    return next;
  }

  /**
   * A verdict on the reading at device time `ts`; `watermark` is the time the reading is
   * judged against (its arrival): older by more than lateToleranceMs, it is late and so is
   * any episode it starts.
   */
  sample(verdict: Verdict, ts: number, watermark: number): MachineChange[] {
    if (this.s.last !== null && ts < this.s.last) return [];
    const { p, holds: held, pend, clr, sev } = this.s;
    const out: MachineChange[] = [];
    // a reading at the deadline itself decides: the condition is judged by it, not held over
    this.advanceTo(ts - 1, out);
    this.s.last = ts;
    const late = watermark - ts > this.config.lateToleranceMs;
    let holds = verdict.severity !== null;
    let severity = verdict.severity;
    const confirm = this.config.confirm;
    if (confirm) {
      const win = this.s.win ?? [];
      win.push(holds ? 1 : 0);
      while (win.length > confirm.m) win.shift();
      this.s.win = win;
      if (holds) this.s.winSev = verdict.severity;
      holds = win.reduce((a, b) => a + b, 0) >= confirm.n;
      severity = holds ? (verdict.severity ?? this.s.winSev) : null;
    }
    this.s.holds = holds;
    if (verdict.value !== null) this.s.val = verdict.value;
    this.s.why = verdict.reason;
    this.evaluate(holds, severity, ts, late, out);
    const s = this.s;
    if (
      confirm ||
      out.length > 0 ||
      s.p !== p ||
      s.holds !== held ||
      s.pend !== pend ||
      s.clr !== clr ||
      s.sev !== sev
    )
      this.dirty = true;
    return out;
  }

  /** engine time moved on: elapsed delays fire at their deadline, an expired shelve ends */
  tick(now: number): MachineChange[] {
    const out: MachineChange[] = [];
    const p = this.s.p;
    this.advanceTo(now, out);
    if (this.s.shelvedUntil !== null && now >= this.s.shelvedUntil) {
      this.overlay(out, now, 'unshelved', null, 'shelve expired', () => {
        this.s.shelvedUntil = null;
        this.s.shelveReason = null;
      });
    }
    if (out.length > 0 || this.s.p !== p) this.dirty = true;
    return out;
  }

  acknowledge(actor: string, now: number, comment?: string): MachineChange[] {
    const out: MachineChange[] = [];
    if (this.overlaid()) return out;
    const reason = comment ?? null;
    if (this.s.p === 'active_unack') {
      this.dirty = true;
      this.s.ackedBy = actor;
      // a latched alarm whose condition is gone ends with its acknowledgement
      if (this.config.latching && !this.s.holds)
        this.toProcess('normal', 'cleared', now, false, out, actor, reason);
      else this.toProcess('active_ack', 'acknowledged', now, false, out, actor, reason);
    } else if (this.s.p === 'rtn_unack') {
      this.dirty = true;
      this.s.ackedBy = actor;
      this.toProcess('normal', 'ended', now, false, out, actor, reason);
    }
    return out;
  }

  shelve(until: number, reason: string, actor: string, now: number): MachineChange[] {
    if (!(until > now)) throw new RangeError('a shelve must expire in the future');
    const out: MachineChange[] = [];
    const wasShelved = this.s.shelvedUntil !== null;
    this.overlay(out, now, wasShelved ? null : 'shelved', actor, reason, () => {
      this.s.shelvedUntil = until;
      this.s.shelveReason = reason;
    });
    return out;
  }

  unshelve(actor: string, now: number): MachineChange[] {
    const out: MachineChange[] = [];
    if (this.s.shelvedUntil === null) return out;
    this.overlay(out, now, 'unshelved', actor, null, () => {
      this.s.shelvedUntil = null;
      this.s.shelveReason = null;
    });
    return out;
  }

  /** suppressed by design: the device (or its gateway) is offline and its own offline alarm speaks for it */
  setSuppressed(on: boolean, now: number, reason: string): MachineChange[] {
    const out: MachineChange[] = [];
    if (this.s.suppressed === on) return out;
    this.overlay(out, now, on ? 'suppressed' : 'unsuppressed', null, reason, () => {
      this.s.suppressed = on;
    });
    return out;
  }

  setOutOfService(on: boolean, actor: string, reason: string, now: number): MachineChange[] {
    const out: MachineChange[] = [];
    if (this.s.oos === on) return out;
    this.overlay(out, now, on ? 'suppressed' : 'unsuppressed', actor, reason, () => {
      this.s.oos = on;
    });
    return out;
  }

  private overlaid(): boolean {
    return this.s.oos || this.s.shelvedUntil !== null || this.s.suppressed;
  }

  private visible(): AlarmState {
    if (this.s.oos) return 'out_of_service';
    if (this.s.shelvedUntil !== null) return 'shelved';
    if (this.s.suppressed) return 'suppressed';
    return this.s.p;
  }

  /** applies a change to shelving/suppression/out-of-service and journals the visible move */
  private overlay(
    out: MachineChange[],
    now: number,
    kind: NoticeKind | null,
    actor: string | null,
    reason: string | null,
    apply: () => void,
  ): void {
    const from = this.visible();
    apply();
    this.dirty = true;
    const to = this.visible();
    if (kind === null || from === to) return;
    out.push(this.change(kind, from, to, now, false, actor, reason));
  }

  private delayDeadline(): number | null {
    const s = this.s;
    if (s.holds && s.pend !== null && !isActive(s.p)) return s.pend + this.config.onDelayMs;
    if (!s.holds && s.clr !== null && isActive(s.p)) return s.clr + this.config.offDelayMs;
    return null;
  }

  /** fires the on- or off-delay if it elapsed by `t` (the condition as last seen held throughout) */
  private advanceTo(t: number, out: MachineChange[]): void {
    const deadline = this.delayDeadline();
    if (deadline === null || deadline > t) return;
    if (this.s.holds) this.activate(deadline, this.s.sev ?? this.s.winSev ?? 'warning', false, out);
    else this.clear(deadline, false, out);
  }

  private evaluate(
    holds: boolean,
    severity: Severity | null,
    t: number,
    late: boolean,
    out: MachineChange[],
  ): void {
    const s = this.s;
    if (isActive(s.p)) {
      if (holds) {
        s.clr = null;
        if (severity !== null && severity !== s.sev) {
          const up = rank(severity) > rank(s.sev);
          s.sev = severity;
          if (!this.overlaid())
            out.push(this.change(up ? 'escalated' : 'deescalated', s.p, s.p, t, late, null, null));
        }
        return;
      }
      // latched: stays active until acknowledged, whatever the condition does
      if (this.config.latching && s.p === 'active_unack') return;
      if (s.clr === null) s.clr = t;
      if (t - s.clr >= this.config.offDelayMs) this.clear(t, late, out);
      return;
    }
    if (!holds) {
      s.pend = null;
      if (s.p === 'pending') s.p = 'normal';
      return;
    }
    if (s.pend === null) s.pend = t;
    s.sev = severity;
    if (t - s.pend >= this.config.onDelayMs) this.activate(t, severity ?? 'warning', late, out);
    else if (s.p === 'normal') s.p = 'pending';
  }

  private activate(t: number, severity: Severity, late: boolean, out: MachineChange[]): void {
    const s = this.s;
    s.epn++;
    const prefix = createHash('sha256').update(this.episodeSeed).digest('hex').slice(0, 12);
    s.ep = `${prefix}-${t.toString(36)}-${s.epn}`;
    s.since = t;
    s.late = late;
    s.sev = severity;
    s.ackedBy = null;
    s.pend = null;
    s.clr = null;
    this.toProcess('active_unack', 'raised', t, late, out, null, null);
  }

  private clear(t: number, late: boolean, out: MachineChange[]): void {
    this.s.clr = null;
    this.s.pend = null;
    this.toProcess(this.s.p === 'active_ack' ? 'normal' : 'rtn_unack', 'cleared', t, late, out, null, null);
  }

  private toProcess(
    next: ProcessState,
    kind: NoticeKind,
    t: number,
    late: boolean,
    out: MachineChange[],
    actor: string | null,
    reason: string | null,
  ): void {
    const from = this.visible();
    this.s.p = next;
    this.dirty = true;
    if (!this.overlaid()) out.push(this.change(kind, from, next, t, late, actor, reason));
  }

  private change(
    kind: NoticeKind,
    from: AlarmState,
    to: AlarmState,
    t: number,
    late: boolean,
    actor: string | null,
    reason: string | null,
  ): MachineChange {
    return {
      kind,
      from,
      to,
      severity: this.s.sev,
      value: this.s.val,
      episodeId: this.s.ep,
      deviceTime: t,
      late: late || this.s.late,
      actor,
      reason,
    };
  }
}
