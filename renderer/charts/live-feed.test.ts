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

test('each chart gets its own metric of its own device, and nothing after it leaves', () => {
  const feed = createLiveFeed('pump-1');
  const flow: SeriesData[] = [];
  const pressure: SeriesData[] = [];
  const stopFlow = feed.on('flow', (s) => flow.push(s));
  feed.on('pressure', (s) => pressure.push(s));

  feed.dispatch({
    series: [series('pump-1', 'flow'), series('pump-1', 'pressure'), series('pump-2', 'flow')],
  });
  expect(flow).toEqual([series('pump-1', 'flow')]);
  expect(pressure).toEqual([series('pump-1', 'pressure')]);

  stopFlow();
  feed.dispatch({ series: [series('pump-1', 'flow')] });
  expect(flow).toHaveLength(1);
});
