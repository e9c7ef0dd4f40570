/**
 * The `derive` action, a recording rule: on each stored reading of the rule's target its
 * CEL expression gives a number, written back into ingest as a reading of `metric` on the
 * same device at the same device time. Lineage: the reading's source is `derived:<ruleId>`
 * and it keeps the input reading's device and timestamp, so the input is the rule's target
 * metric at that instant (rules are versioned; the journal keeps which version ran).
 * Derived readings go through the ordinary pipeline (validated, stored, synced, alarmed
 * on), but never trigger a derive rule themselves: no loop of any length is possible.
 */
import type { Action, Rule } from '../../../../common/alarm-contract';
import type { Quality, Reading } from '../../../../common/reading';
import type { Logger } from '../../log';
import { celVariables } from '../cel/cel-context';
import { type CompiledExpression, compileExpression } from '../cel/cel-expression';
import type { DeviceFacts, Sample } from '../condition-evaluator';
import { targetMatches } from './target-match';

export const DERIVED_SOURCE_PREFIX = 'derived:';

type DeriveAction = Extract<Action, { kind: 'derive' }>;

interface Recorder {
  rule: Rule;
  action: DeriveAction;
  compiled: CompiledExpression;
}

export interface DeriveOptions {
  /** where derived readings go: the engine's ConnectorSink.readings (which feeds the IngestPipeline) */
  push(readings: Reading[]): void;
  /** the facts targets match on; undefined: a device not known, nothing derived */
  device(deviceId: string): DeviceFacts | undefined;
  /** the device's latest readings, for `metrics` in the expression */
  latest(deviceId: string, metric: string): Sample | undefined;
  log: Logger;
}

export function isDerived(reading: Pick<Reading, 'source'>): boolean {
  return reading.source.startsWith(DERIVED_SOURCE_PREFIX);
}

export class DeriveRecorder {
  private recorders: Recorder[] = [];
  /** the input's previous value per rule and device, for `prev` */
  private readonly prev = new Map<string, number>();
  /** the last failure per rule, for the rule editor; cleared by a success */
  readonly lastError = new Map<string, string>();
  readonly counters = { derived: 0, errors: 0 };

  constructor(private readonly options: DeriveOptions) {}

  /** Takes the enabled live rules' derive actions; returns the ones refused, with why. */
  setRules(rules: readonly Rule[]): { ruleId: string; error: string }[] {
    const refused: { ruleId: string; error: string }[] = [];
    const next: Recorder[] = [];
    for (const rule of rules) {
      if (!rule.enabled || rule.mode !== 'live') continue;
      for (const action of rule.actions) {
        if (action.kind !== 'derive') continue;
        const error = refusal(rule, action);
        if (error) {
          refused.push({ ruleId: rule.id, error });
          continue;
        }
        try {
          next.push({ rule, action, compiled: compileExpression(action.expression, 'number') });
        } catch (e) {
          refused.push({ ruleId: rule.id, error: (e as Error).message });
        }
      }
    }
    this.recorders = next;
    this.prev.clear();
    for (const r of refused) this.options.log.warn('derive rule refused', r);
    return refused;
  }

  /** Stored readings in (a pipeline batch's accepted readings); pushes what they derive. */
  onReadings(readings: readonly Reading[]): number {
    if (this.recorders.length === 0) return 0;
    const out: Reading[] = [];
    for (const reading of readings) {
      if (reading.value === null || isDerived(reading)) continue;
      const device = this.options.device(reading.deviceId);
      if (!device) continue;
      for (const r of this.recorders) {
        if (!targetMatches(r.rule.target, device, reading.metric)) continue;
        const derived = this.derive(r, reading, reading.value, device);
        if (derived) out.push(derived);
      }
    }
    if (out.length > 0) {
      this.counters.derived += out.length;
      this.options.push(out);
    }
    return out.length;
  }

  private derive(r: Recorder, reading: Reading, value: number, device: DeviceFacts): Reading | undefined {
    const key = `${r.rule.id}\u0000${reading.deviceId}`;
    const prev = this.prev.get(key) ?? value;
    this.prev.set(key, value);
    const ctx = { device, latest: this.options.latest };
    let result: number;
    try {
      result = r.compiled.run(celVariables(value, prev, reading.ts, r.compiled.metrics, ctx)) as number;
    } catch (error) {
      this.counters.errors++;
      const message = (error as Error).message;
      if (this.lastError.get(r.rule.id) !== message) {
        this.options.log.warn('derive rule failed', {
          ruleId: r.rule.id,
          deviceId: reading.deviceId,
          error: message,
        });
      }
      this.lastError.set(r.rule.id, message);
      return undefined;
    }
    this.lastError.delete(r.rule.id);
    const finite = Number.isFinite(result);
    const quality: Quality = !finite ? 'invalid' : reading.quality === 'good' ? 'good' : 'suspect';
    return {
      deviceId: reading.deviceId,
      metric: r.action.metric,
      ts: reading.ts,
      value: finite ? result : null,
      quality,
      source: `${DERIVED_SOURCE_PREFIX}${r.rule.id}`,
    };
  }
}

function refusal(rule: Rule, action: DeriveAction): string | undefined {
  if (rule.target.metric === undefined) return 'a derive rule needs the metric it reads (target.metric)';
  if (rule.target.metric === action.metric)
    return `a derive rule cannot write the metric it reads (${action.metric})`;
  return undefined;
}
