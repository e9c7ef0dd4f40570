import { expect, test } from 'vitest';
import type { SeriesData } from '../../common/contract';
import { createLiveFeed } from './live-feed';

const series = (deviceId: string, metric: string): SeriesData => ({
  deviceId,
  metric,
  ts: [1],
  values: [1],
  quality: [0],
});

test('each chart gets its own series, only from the page’s devices, and nothing after it leaves', () => {
  const feed = createLiveFeed(['pump-1', 'pump-2']);
  const flow: SeriesData[] = [];
  const pressure: SeriesData[] = [];
  const otherFlow: SeriesData[] = [];
  const stopFlow = feed.on('pump-1', 'flow', (s) => flow.push(s));
  feed.on('pump-1', 'pressure', (s) => pressure.push(s));
  feed.on('pump-2', 'flow', (s) => otherFlow.push(s));
  feed.on('pump-3', 'flow', () => {
    throw new Error('pump-3 is not on this page');
  });

  feed.dispatch({
    series: [
      series('pump-1', 'flow'),
      series('pump-1', 'pressure'),
      series('pump-2', 'flow'),
      series('pump-3', 'flow'),
    ],
  });
  expect(flow).toEqual([series('pump-1', 'flow')]);
  expect(pressure).toEqual([series('pump-1', 'pressure')]);
  expect(otherFlow).toEqual([series('pump-2', 'flow')]);

  stopFlow();
  feed.dispatch({ series: [series('pump-1', 'flow')] });
  expect(flow).toHaveLength(1);
});
