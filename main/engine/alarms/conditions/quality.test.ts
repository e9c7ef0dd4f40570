import { expect, test } from 'vitest';
import { qualityEvaluator } from './quality';
import { sample, T0, testContext } from './test-context';

test('every flag but good holds the condition, each reading on its own', () => {
  const e = qualityEvaluator({ kind: 'quality', severity: 'warning' });
  const ctx = testContext();
  const seen = (['good', 'out-of-range', 'suspect', 'invalid', 'null', 'good'] as const).map((q, i) =>
    e.sample(sample(T0 + i, q === 'null' || q === 'invalid' ? null : 3, q), ctx),
  );
  expect(seen.map((v) => v.severity)).toEqual([null, 'warning', 'warning', 'warning', 'warning', null]);
  expect(seen[2]!.reason).toBe('reading flagged suspect');
});
