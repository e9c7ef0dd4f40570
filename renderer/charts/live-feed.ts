/**
 * Fans one device's readings.live stream out to its charts. A device page opens one
 * stream for the device rather than one per metric: the engine sends every metric of the
 * device in the same batch anyway, and subscriptions are a per-client budget.
 */
import type { LiveBatch, SeriesData } from '../../common/contract';

export type SeriesListener = (series: SeriesData) => void;

export interface LiveFeed {
  /** registers a chart's listener for one metric; returns the function that removes it */
  on(metric: string, listener: SeriesListener): () => void;
  dispatch(batch: LiveBatch): void;
}

export function createLiveFeed(deviceId: string): LiveFeed {
  const listeners = new Map<string, Set<SeriesListener>>();
  return {
    on(metric, listener) {
      let set = listeners.get(metric);
      if (!set) {
        set = new Set();
        listeners.set(metric, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(metric);
      };
    },
    dispatch(batch) {
      for (const series of batch.series) {
        // the stream is filtered by device, but a page must never show another's data
        if (series.deviceId !== deviceId) continue;
        const set = listeners.get(series.metric);
        if (set) for (const listener of [...set]) listener(series);
      }
    },
  };
}
