/**
 * The seam between a rule's condition (threshold, rate, stale, CEL, ...) and the alarm state
 * machine. An evaluator judges one series (rule × device × metric) reading by reading in
 * device time and says whether the condition holds and at which rung of the severity ladder;
 * the state machine alone owns delays, N-of-M confirmation, latching and ISA-18.2 states.
 * Evaluators keep bounded state that survives a restart through save/restore.
 */
import type { Condition, Severity } from '../../../common/alarm-contract';
import type { Quality } from '../../../common/reading';

export interface Sample {
  /** device time, ms */
  ts: number;
  value: number | null;
  quality: Quality;
}

export interface Verdict {
  /** the highest rung whose condition holds (deadband applied); null: the condition does not hold */
  severity: Severity | null;
  /** what was judged: the value, the rate per minute, the aggregate, the deviation */
  value: number | null;
  /** short and plain, for messages: "91.2 above 85", "no reading for 5 min" */
  reason: string;
}

export interface DeviceFacts {
  id: string;
  profile: string;
  site: string;
  tags: readonly string[];
}

export interface EvaluationContext {
  device: DeviceFacts;
  /** the latest reading of another series (deviation references, CEL `metrics`) */
  latest(deviceId: string, metric: string): Sample | undefined;
  /** an aggregate over stored readings or rollups, for windows longer than memory holds */
  aggregate(
    deviceId: string,
    metric: string,
    fn: 'avg' | 'min' | 'max' | 'sum' | 'count',
    from: number,
    to: number,
  ): number | null;
}

export interface ConditionEvaluator {
  /** a reading of the series; called in device-time order (late readings included, flagged by the caller) */
  sample(sample: Sample, ctx: EvaluationContext): Verdict;
  /**
   * device time moved on without a reading of this series (the watermark of the device's other
   * series or of the site): stale and windowed conditions answer; others return undefined
   */
  advance?(watermark: number, ctx: EvaluationContext): Verdict | undefined;
  /** bounded, JSON-serialisable; restore(save()) must give an evaluator that answers the same */
  save(): unknown;
  restore(state: unknown): void;
}

export type CompileCondition = (condition: Condition) => ConditionEvaluator;
