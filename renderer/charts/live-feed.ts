/**
 * Fans one readings.live stream out to the charts on a page. A page opens one stream for
 * the devices it shows rather than one per chart: the engine sends every metric of a
 * device in the same batch anyway, and subscriptions are a per-client budget.
 */
import type { LiveBatch, SeriesData } from '../../common/contract';
import { seriesKey } from '../../common/reading';

export type SeriesListener = (series: SeriesData) => void;

export interface LiveFeed {
  /** registers a chart's listener for one series; returns the function that removes it */
  on(deviceId: string, metric: string, listener: SeriesListener): () => void;
  dispatch(batch: LiveBatch): void;
}

export function createLiveFeed(deviceIds: readonly string[]): LiveFeed {
  const devices = new Set(deviceIds);
  const listeners = new Map<string, Set<SeriesListener>>();
  return {
    on(deviceId, metric, listener) {
      const key = seriesKey(deviceId, metric);
      let set = listeners.get(key);
      if (!set) {
        set = new Set();
        listeners.set(key, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(key);
      };
    },
    dispatch(batch) {
      for (const series of batch.series) {
        // the stream is filtered by device, but a page must never show another's data
        if (!devices.has(series.deviceId)) continue;
        const set = listeners.get(seriesKey(series.deviceId, series.metric));
        if (set) for (const listener of [...set]) listener(series);
      }
    },
  };
}
