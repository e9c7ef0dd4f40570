/**
 * The series picked for the compare view ("add to comparison" on device pages). It
 * outlives page changes so series from several devices can be gathered; the compare
 * view's URL is what it shows, so a compare link can be shared or reloaded.
 */
import { create } from 'zustand';
import type { SeriesRef } from '../router';

/** Beyond this a chart is a tangle of lines, and every series is a query per window change. */
export const MAX_COMPARED = 8;

export interface ComparisonStore {
  selected: SeriesRef[];
}

export const useComparison = create<ComparisonStore>(() => ({ selected: [] }));

export const sameSeries = (a: SeriesRef, b: SeriesRef) => a.deviceId === b.deviceId && a.metric === b.metric;

export function isCompared(selected: readonly SeriesRef[], ref: SeriesRef): boolean {
  return selected.some((s) => sameSeries(s, ref));
}

/** Adds or removes one series; adding past MAX_COMPARED is refused (returns false). */
export function toggleCompared(ref: SeriesRef): boolean {
  const { selected } = useComparison.getState();
  if (isCompared(selected, ref)) {
    useComparison.setState({ selected: selected.filter((s) => !sameSeries(s, ref)) });
    return true;
  }
  if (selected.length >= MAX_COMPARED) return false;
  useComparison.setState({ selected: [...selected, { deviceId: ref.deviceId, metric: ref.metric }] });
  return true;
}

export function setCompared(series: readonly SeriesRef[]): void {
  const unique: SeriesRef[] = [];
  for (const ref of series) if (!isCompared(unique, ref) && unique.length < MAX_COMPARED) unique.push(ref);
  useComparison.setState({ selected: unique });
}
