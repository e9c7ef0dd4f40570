/**
 * The time window charts show, as plain data and pure functions. A window is either live
 * (the last `spanMs`, ending at whatever "now" is when it is drawn) or fixed (ending at
 * `end`). Every zoom or pan produces a fixed window: a view the user moved must not be
 * dragged along by the clock underneath them.
 */

export interface TimeWindow {
  live: boolean;
  spanMs: number;
  /** right edge in ms; meaningful only when not live */
  end: number;
}

export interface TimeRange {
  from: number;
  to: number;
}

export const PRESETS_MS = [60_000, 300_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000] as const;

/** "Down to seconds": narrower than this and a 1 Hz device shows a single point. */
export const MIN_SPAN_MS = 1_000;
/** Wider than the coarsest rollup is kept by default, with room to spare. */
export const MAX_SPAN_MS = 5 * 365 * 86_400_000;

/** Share of the window one arrow key moves. */
export const PAN_STEP = 0.25;
/** One `+` halves the span; one `-` doubles it. */
export const ZOOM_STEP = 2;

const clampSpan = (ms: number) => Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, Math.round(ms)));

export function liveWindow(spanMs: number): TimeWindow {
  return { live: true, spanMs: clampSpan(spanMs), end: 0 };
}

export function rangeOf(window: TimeWindow, now: number): TimeRange {
  const to = window.live ? now : window.end;
  return { from: Math.max(0, to - window.spanMs), to };
}

/** A fixed window over [from, to] (a drag selection); too-narrow ranges widen around their middle. */
export function fixedWindow(from: number, to: number): TimeWindow {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const spanMs = clampSpan(hi - lo);
  const middle = (lo + hi) / 2;
  const end = hi - lo === spanMs ? hi : Math.round(middle + spanMs / 2);
  return { live: false, spanMs, end: Math.max(spanMs, end) };
}

/**
 * Scales the span by `factor` (< 1 zooms in) keeping the time under `anchor` at the same
 * place on screen, so wheel-zooming homes in on what the pointer is over.
 */
export function zoomWindow(window: TimeWindow, now: number, factor: number, anchor?: number): TimeWindow {
  const { from, to } = rangeOf(window, now);
  const at = anchor === undefined ? (from + to) / 2 : Math.min(to, Math.max(from, anchor));
  const spanMs = clampSpan((to - from) * factor);
  const share = to > from ? (at - from) / (to - from) : 0.5;
  const newFrom = at - share * spanMs;
  return fixedWindow(newFrom, newFrom + spanMs);
}

/** Moves the window by `deltaMs` (negative: back in time). */
export function panWindow(window: TimeWindow, now: number, deltaMs: number): TimeWindow {
  const { from, to } = rangeOf(window, now);
  const shift = Math.max(-from, deltaMs); // not before the epoch
  return { live: false, spanMs: window.spanMs, end: Math.round(to + shift) };
}

/** The live toggle turned off: freeze what is on screen right now. */
export function freezeWindow(window: TimeWindow, now: number): TimeWindow {
  return window.live ? { live: false, spanMs: window.spanMs, end: now } : window;
}

export function backToLive(window: TimeWindow): TimeWindow {
  return liveWindow(window.spanMs);
}
