/**
 * The serial plotter's data logic, like the Arduino IDE's plotter but with history: the
 * numeric fields are the metrics of the devices decoded on that serial connector (so what
 * the plot shows is what the store holds), the user picks which to show, and the plot has
 * its own time window (last 1 min / 10 min / 1 h / 24 h), apart from the one the device
 * pages share. History and the live tail are merged by the charts' ChartData.
 */
import { createStore } from 'zustand/vanilla';
import type { DeviceSummary } from '../../common/contract';
import { seriesKey } from '../../common/reading';
import type { ChartWindowSource } from '../charts/TimeChart';
import { backToLive, fixedWindow, liveWindow, type TimeWindow, zoomWindow } from '../charts/time-window';

export const PLOT_WINDOWS = [
  { ms: 60_000, label: '1 min' },
  { ms: 600_000, label: '10 min' },
  { ms: 3_600_000, label: '1 h' },
  { ms: 86_400_000, label: '24 h' },
] as const;
export const DEFAULT_PLOT_WINDOW_MS = 600_000;
/** More lines than this on one small plot are unreadable; the rest can be ticked on. */
export const DEFAULT_SHOWN_FIELDS = 8;

export interface PlotField {
  /** seriesKey(deviceId, metric) */
  key: string;
  deviceId: string;
  metric: string;
  unit: string;
  label: string;
}

/**
 * Every metric of every device on the connector, in device then metric order. The device
 * name is left out of the label when the port carries one device, as most do.
 */
export function plotFields(devices: readonly DeviceSummary[], connectorId: string): PlotField[] {
  const mine = devices.filter((d) => d.connectorId === connectorId);
  const fields: PlotField[] = [];
  for (const device of mine) {
    for (const metric of device.metrics) {
      fields.push({
        key: seriesKey(device.id, metric.name),
        deviceId: device.id,
        metric: metric.name,
        unit: metric.unit,
        label: mine.length > 1 ? `${device.name} · ${metric.name}` : metric.name,
      });
    }
  }
  return fields;
}

/**
 * The fields to show. `chosen` is null until the user ticks or unticks one: then the first
 * DEFAULT_SHOWN_FIELDS are shown, and fields that appear later join them. Once the user has
 * chosen, their choice stands, in the fields' order, minus fields that no longer exist.
 */
export function shownFields(fields: readonly PlotField[], chosen: readonly string[] | null): PlotField[] {
  if (chosen === null) return fields.slice(0, DEFAULT_SHOWN_FIELDS);
  const picked = new Set(chosen);
  return fields.filter((f) => picked.has(f.key));
}

/** The choice after ticking or unticking `key`, starting from what is shown now. */
export function toggleField(
  fields: readonly PlotField[],
  chosen: readonly string[] | null,
  key: string,
): string[] {
  const shown = shownFields(fields, chosen).map((f) => f.key);
  return shown.includes(key) ? shown.filter((k) => k !== key) : [...shown, key];
}

/** The plot's own window: presets, drag-select, wheel-zoom and pan, like the shared one. */
export interface PlotWindow extends ChartWindowSource {
  preset(spanMs: number): void;
  live(): void;
}

export function createPlotWindow(spanMs = DEFAULT_PLOT_WINDOW_MS, now = () => Date.now()): PlotWindow {
  const store = createStore<{ window: TimeWindow }>(() => ({ window: liveWindow(spanMs) }));
  const update = (change: (w: TimeWindow, t: number) => TimeWindow) =>
    store.setState((s) => ({ window: change(s.window, now()) }));
  return {
    getState: store.getState,
    subscribe: store.subscribe,
    select: (from, to) => update(() => fixedWindow(from, to)),
    zoomAt: (factor, anchor) => update((w, t) => zoomWindow(w, t, factor, anchor)),
    set: (window) => update(() => window),
    preset: (ms) => update(() => liveWindow(ms)),
    live: () => update((w) => backToLive(w)),
  };
}
