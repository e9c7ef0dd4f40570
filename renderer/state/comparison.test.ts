import { beforeEach, expect, test } from 'vitest';
import { isCompared, MAX_COMPARED, setCompared, toggleCompared, useComparison } from './comparison';

beforeEach(() => useComparison.setState({ selected: [] }));

test('toggling adds and removes one series', () => {
  const ref = { deviceId: 'th-01', metric: 'temperature' };
  expect(toggleCompared(ref)).toBe(true);
  expect(isCompared(useComparison.getState().selected, ref)).toBe(true);
  toggleCompared({ deviceId: 'th-01', metric: 'humidity' });
  expect(toggleCompared({ ...ref })).toBe(true);
  expect(useComparison.getState().selected).toEqual([{ deviceId: 'th-01', metric: 'humidity' }]);
});

test('no more than MAX_COMPARED, and no duplicates', () => {
  for (let i = 0; i < MAX_COMPARED; i++) toggleCompared({ deviceId: `d${i}`, metric: 'm' });
  expect(toggleCompared({ deviceId: 'one-too-many', metric: 'm' })).toBe(false);
  expect(useComparison.getState().selected).toHaveLength(MAX_COMPARED);
  setCompared([
    { deviceId: 'a', metric: 'm' },
    { deviceId: 'a', metric: 'm' },
  ]);
  expect(useComparison.getState().selected).toEqual([{ deviceId: 'a', metric: 'm' }]);
});
