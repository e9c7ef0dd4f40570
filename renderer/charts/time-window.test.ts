import { describe, expect, test } from 'vitest';
import {
  backToLive,
  fixedWindow,
  freezeWindow,
  liveWindow,
  MAX_SPAN_MS,
  MIN_SPAN_MS,
  panWindow,
  rangeOf,
  zoomWindow,
} from './time-window';

const now = 1_700_000_000_000;

describe('time windows', () => {
  test('a live window ends now; a fixed one where it was left', () => {
    expect(rangeOf(liveWindow(60_000), now)).toEqual({ from: now - 60_000, to: now });
    expect(rangeOf(fixedWindow(1000, 5000), now)).toEqual({ from: 1000, to: 5000 });
  });

  test('a drag selection becomes a fixed window, in either direction', () => {
    expect(fixedWindow(now - 10_000, now - 4_000)).toEqual({ live: false, spanMs: 6_000, end: now - 4_000 });
    expect(fixedWindow(now - 4_000, now - 10_000)).toEqual({ live: false, spanMs: 6_000, end: now - 4_000 });
  });

  test('a selection narrower than the minimum widens around its middle', () => {
    const w = fixedWindow(now - 300, now - 100);
    expect(w.spanMs).toBe(MIN_SPAN_MS);
    const { from, to } = rangeOf(w, now);
    expect((from + to) / 2).toBe(now - 200);
  });

  test('zooming leaves live mode and keeps the anchor where it was on screen', () => {
    const live = liveWindow(100_000);
    const anchor = now - 25_000; // three quarters along the window
    const zoomed = zoomWindow(live, now, 0.5, anchor);
    expect(zoomed.live).toBe(false);
    expect(zoomed.spanMs).toBe(50_000);
    const { from, to } = rangeOf(zoomed, now);
    expect((anchor - from) / (to - from)).toBeCloseTo(0.75, 6);
  });

  test('zooming without an anchor keeps the middle; zoom is bounded both ways', () => {
    const w = fixedWindow(now - 20_000, now);
    const out = zoomWindow(w, now, 2);
    expect(rangeOf(out, now)).toEqual({ from: now - 30_000, to: now + 10_000 });
    expect(zoomWindow(w, now, 1e-9).spanMs).toBe(MIN_SPAN_MS);
    expect(zoomWindow(w, now, 1e12).spanMs).toBe(MAX_SPAN_MS);
  });

  test('panning moves a fixed window and never before the epoch', () => {
    const w = panWindow(liveWindow(60_000), now, -30_000);
    expect(w.live).toBe(false);
    expect(rangeOf(w, now)).toEqual({ from: now - 90_000, to: now - 30_000 });
    expect(rangeOf(panWindow(fixedWindow(10_000, 70_000), now, -1e9), now)).toEqual({ from: 0, to: 60_000 });
  });

  test('freezing keeps what is on screen; back to live keeps the span', () => {
    const frozen = freezeWindow(liveWindow(3_600_000), now);
    expect(frozen).toEqual({ live: false, spanMs: 3_600_000, end: now });
    expect(freezeWindow(frozen, now + 5000)).toBe(frozen);
    expect(backToLive(frozen)).toEqual(liveWindow(3_600_000));
  });
});
