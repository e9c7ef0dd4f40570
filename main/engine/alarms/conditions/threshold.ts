/**
 * Threshold with a deadband per limit and a severity ladder: a rung is crossed when the value
 * goes beyond its limit and stays crossed until the value comes back past the limit by the
 * deadband (alarm above 85, clear below 80 = { value: 85, deadband: 5 }). Values inside the
 * band keep whatever each rung last was, so noise around a limit cannot flap the alarm.
 * The highest crossed rung is the severity, so the ladder steps down as well as up.
 */
import type { Condition, Severity } from '../../../../common/alarm-contract';
import { SEVERITIES } from '../../../../common/alarm-contract';
import type { ConditionEvaluator, Sample, Verdict } from '../condition-evaluator';

type ThresholdCondition = Extract<Condition, { kind: 'threshold' }>;
type Level = ThresholdCondition['levels'][number];
type Limit = NonNullable<Level['above']>;
type Side = 0 | 1 | -1;

function band(limit: Limit): number {
  return limit.deadbandPercent ? (Math.abs(limit.value) * limit.deadband) / 100 : limit.deadband;
}

/** which side of a rung is crossed after `value`, given which side was (0 none, 1 above, -1 below) */
export function rungSide(level: Level, value: number, was: Side): Side {
  const { above, below } = level;
  if (above && (value > above.value || (was === 1 && value >= above.value - band(above)))) return 1;
  if (below && (value < below.value || (was === -1 && value <= below.value + band(below)))) return -1;
  return 0;
}

function describe(level: Level): string {
  if (level.above && level.below) return `outside ${level.below.value}…${level.above.value}`;
  return level.above ? `above ${level.above.value}` : `below ${level.below?.value}`;
}

interface Shape {
  levels: readonly Level[];
  reasons: readonly string[];
}
/** one shape per rule's condition, shared by all its instances (memory at 100,000 instances) */
const shapes = new WeakMap<ThresholdCondition, Shape>();

class ThresholdEvaluator implements ConditionEvaluator {
  private crossed: Side[];
  /** the same object until the state changes, so a caller can tell "unchanged" by identity */
  private saved: { crossed: Side[]; reason: string } | null = null;

  constructor(private readonly shape: Shape) {
    this.crossed = shape.levels.map(() => 0);
  }

  sample(sample: Sample): Verdict {
    const { levels, reasons } = this.shape;
    const value = sample.value;
    // no usable number (null, invalid): nothing learned, every rung stays as it was
    if (value === null || !Number.isFinite(value) || sample.quality === 'invalid') {
      return verdictOf(levels, reasons, this.crossed, null);
    }
    for (let i = 0; i < levels.length; i++) {
      const side = rungSide(levels[i] as Level, value, this.crossed[i] ?? 0);
      if (side !== this.crossed[i]) {
        this.crossed[i] = side;
        this.saved = null;
      }
    }
    return verdictOf(levels, reasons, this.crossed, value);
  }

  save(): unknown {
    this.saved ??= {
      crossed: [...this.crossed],
      reason: verdictOf(this.shape.levels, this.shape.reasons, this.crossed, null).reason,
    };
    return this.saved;
  }

  restore(state: unknown): void {
    const s = state as { crossed?: unknown } | null;
    if (s && Array.isArray(s.crossed) && s.crossed.length === this.shape.levels.length)
      this.crossed = s.crossed.map((c) => (c === 1 || c === -1 ? c : 0));
    this.saved = null;
  }
}

export function compileThreshold(condition: ThresholdCondition): ConditionEvaluator {
  let shape = shapes.get(condition);
  if (!shape) {
    shape = { levels: condition.levels, reasons: condition.levels.map(describe) };
    shapes.set(condition, shape);
  }
  return new ThresholdEvaluator(shape);
}

function verdictOf(
  levels: readonly Level[],
  reasons: readonly string[],
  crossed: readonly Side[],
  value: number | null,
): Verdict {
  let best = -1;
  for (let i = 0; i < levels.length; i++) {
    if (!crossed[i]) continue;
    if (best < 0 || rank((levels[i] as Level).severity) > rank((levels[best] as Level).severity)) best = i;
  }
  if (best < 0) return { severity: null, value, reason: 'within limits' };
  return { severity: (levels[best] as Level).severity, value, reason: reasons[best] as string };
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);
