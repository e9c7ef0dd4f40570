import { expect, test } from 'vitest';
import { planAxes } from './chart-axes';

test('one unit, one axis', () => {
  expect(planAxes(['°C', '°C'])).toEqual({
    normalized: false,
    scaleOf: ['y', 'y'],
    axes: [{ scale: 'y', label: '°C' }],
  });
});

test('two units, an axis each, series keep their own', () => {
  expect(planAxes(['°C', '%', '°C'])).toEqual({
    normalized: false,
    scaleOf: ['y', 'y2', 'y'],
    axes: [
      { scale: 'y', label: '°C' },
      { scale: 'y2', label: '%' },
    ],
  });
});

test('three units or more: normalized on one axis', () => {
  const plan = planAxes(['°C', '%', 'kPa']);
  expect(plan.normalized).toBe(true);
  expect(plan.scaleOf).toEqual(['y', 'y', 'y']);
  expect(plan.axes).toHaveLength(1);
});
