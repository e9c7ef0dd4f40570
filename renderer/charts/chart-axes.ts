/**
 * Which y axis each series of a chart goes on. Series that share a unit share an axis, so
 * two temperatures compare directly; two units get an axis each (left and right); more
 * than two would mean a thicket of axes nobody can read, so then every series is drawn
 * on 0..1 of its own range and the legend keeps the real values.
 */

export interface AxisPlan {
  normalized: boolean;
  /** uPlot scale key per series, in series order */
  scaleOf: string[];
  /** one entry per axis, left first */
  axes: { scale: string; label: string }[];
}

const SCALE_KEYS = ['y', 'y2'] as const;

export function planAxes(units: readonly string[]): AxisPlan {
  const distinct = [...new Set(units)];
  if (distinct.length <= SCALE_KEYS.length) {
    const keyOf = new Map(distinct.map((unit, i) => [unit, SCALE_KEYS[i] as string]));
    return {
      normalized: false,
      scaleOf: units.map((u) => keyOf.get(u) as string),
      axes: distinct.map((unit, i) => ({ scale: SCALE_KEYS[i] as string, label: unit })),
    };
  }
  return {
    normalized: true,
    scaleOf: units.map(() => 'y'),
    axes: [{ scale: 'y', label: 'normalized (each series 0–1)' }],
  };
}
