/**
 * A severity ladder with a deadband per limit, shared by every condition that judges a
 * number (rate, deviation, aggregate). A rung is raised when its limit is crossed and stays
 * held until the value comes back past the limit by the deadband, so a value hovering at a
 * limit does not flap; the verdict is the highest held rung, so the ladder steps down a rung
 * at a time as well as up.
 */
import type { Condition, Severity } from '../../../../common/alarm-contract';
import { SEVERITIES } from '../../../../common/alarm-contract';

type Level = Extract<Condition, { kind: 'rate' }>['levels'][number];
type Limit = NonNullable<Level['above']>;

function band(limit: Limit): number {
  return limit.deadbandPercent ? (Math.abs(limit.value) * limit.deadband) / 100 : limit.deadband;
}

function holdsAbove(limit: Limit, value: number, held: boolean): boolean {
  return held ? value > limit.value - band(limit) : value > limit.value;
}

function holdsBelow(limit: Limit, value: number, held: boolean): boolean {
  return held ? value < limit.value + band(limit) : value < limit.value;
}

/** what holds a rung: nothing, its upper limit or its lower limit */
const NONE = 0;
const ABOVE = 1;
const BELOW = 2;

/** what every instance of a rule shares: computed once per rule's levels, not per series */
const shapes = new WeakMap<
  readonly Level[],
  { order: readonly number[]; aboveText: readonly string[]; belowText: readonly string[] }
>();

export class Ladder {
  /** per level, in the order given: NONE, ABOVE or BELOW */
  private held: number[];
  /** level indexes from the highest severity down, so the first held one is the verdict */
  private readonly order: readonly number[];

  /** "above 85" or "below 10": the limit holding the last verdict, "" when none */
  limit = '';
  private readonly aboveText: readonly string[];
  private readonly belowText: readonly string[];

  constructor(private readonly levels: readonly Level[]) {
    this.held = levels.map(() => NONE);
    let shape = shapes.get(levels);
    if (!shape) {
      shape = {
        order: levels
          .map((_, i) => i)
          .sort((a, b) => SEVERITIES.indexOf(levels[b]!.severity) - SEVERITIES.indexOf(levels[a]!.severity)),
        aboveText: levels.map((l) => `above ${l.above?.value}`),
        belowText: levels.map((l) => `below ${l.below?.value}`),
      };
      shapes.set(levels, shape);
    }
    this.order = shape.order;
    this.aboveText = shape.aboveText;
    this.belowText = shape.belowText;
  }

  /**
   * Judges a value and returns the severity of the highest held rung; null (no number to
   * judge) keeps every rung as it was. `limit` then says which limit holds it.
   */
  judge(value: number | null): Severity | null {
    if (value !== null && Number.isFinite(value)) {
      for (let i = 0; i < this.levels.length; i++) {
        const level = this.levels[i]!;
        const was = this.held[i]!;
        if (level.above && holdsAbove(level.above, value, was === ABOVE)) this.held[i] = ABOVE;
        else if (level.below && holdsBelow(level.below, value, was === BELOW)) this.held[i] = BELOW;
        else this.held[i] = NONE;
      }
    }
    for (const i of this.order) {
      const how = this.held[i]!;
      if (how === NONE) continue;
      this.limit = how === ABOVE ? this.aboveText[i]! : this.belowText[i]!;
      return this.levels[i]!.severity;
    }
    this.limit = '';
    return null;
  }

  save(): number[] {
    return [...this.held];
  }

  restore(state: unknown): void {
    if (!Array.isArray(state) || state.length !== this.levels.length) return;
    this.held = state.map((h, i) =>
      (h === ABOVE && this.levels[i]!.above) || (h === BELOW && this.levels[i]!.below) ? h : NONE,
    );
  }
}

/** "12.35": numbers in reasons are for people (two decimals), not for round-tripping */
export function show(n: number): string {
  return String(Math.round(n * 100) / 100);
}
