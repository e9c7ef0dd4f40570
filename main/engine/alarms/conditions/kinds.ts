/** The condition kinds of this folder and what each factory is given. */
import type { Condition } from '../../../../common/alarm-contract';

export type ConditionOf<K extends Condition['kind']> = Extract<Condition, { kind: K }>;

/** the series an instance judges: windowed conditions that read stored history need it */
export interface SeriesTarget {
  deviceId: string;
  metric: string;
}
