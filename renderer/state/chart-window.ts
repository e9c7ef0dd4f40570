/**
 * The one time window every chart on screen shows: zooming or panning one chart moves
 * them all, and coming back to a device page finds the window where it was left.
 */
import { create } from 'zustand';
import {
  backToLive,
  fixedWindow,
  freezeWindow,
  liveWindow,
  PAN_STEP,
  panWindow,
  type TimeWindow,
  ZOOM_STEP,
  zoomWindow,
} from '../charts/time-window';

export interface ChartWindowStore {
  window: TimeWindow;
}

export const useChartWindow = create<ChartWindowStore>(() => ({ window: liveWindow(300_000) }));

const update = (change: (window: TimeWindow, now: number) => TimeWindow) =>
  useChartWindow.setState((s) => ({ window: change(s.window, Date.now()) }));

/** What the window controls and the keyboard and mouse on a chart can do. */
export const chartWindow = {
  preset: (spanMs: number) => update(() => liveWindow(spanMs)),
  select: (from: number, to: number) => update(() => fixedWindow(from, to)),
  zoomAt: (factor: number, anchor?: number) => update((w, now) => zoomWindow(w, now, factor, anchor)),
  zoomIn: () => update((w, now) => zoomWindow(w, now, 1 / ZOOM_STEP)),
  zoomOut: () => update((w, now) => zoomWindow(w, now, ZOOM_STEP)),
  panBy: (deltaMs: number) => update((w, now) => panWindow(w, now, deltaMs)),
  panSteps: (steps: number) => update((w, now) => panWindow(w, now, steps * PAN_STEP * w.spanMs)),
  /** a drag in progress: the window it started from, moved by the drag so far */
  set: (window: TimeWindow) => update(() => window),
  live: () => update((w) => backToLive(w)),
  setLive: (live: boolean) => update((w, now) => (live ? backToLive(w) : freezeWindow(w, now))),
};
