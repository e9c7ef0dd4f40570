/**
 * One shared clock tick for "3 s ago" texts: every row reads the same `now`, so the whole
 * table re-renders once a second instead of each row keeping its own timer.
 */
import { useSyncExternalStore } from 'react';

const PERIOD_MS = 1000;
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of [...listeners]) l();
    }, PERIOD_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

const snapshot = () => now;

/** Wall-clock ms, refreshed every second while anything renders it. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot);
}
