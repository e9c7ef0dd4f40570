import { expect, test } from 'vitest';
import { nextInSequence } from './sequence';

test('counts up keeping padding, grows past the padding, starts a sequence where there is none', () => {
  expect(nextInSequence('pump-07')).toBe('pump-08');
  expect(nextInSequence('pump-09')).toBe('pump-10');
  expect(nextInSequence('pump-99')).toBe('pump-100');
  expect(nextInSequence('Line 3 meter')).toBe('Line 4 meter');
  expect(nextInSequence('sensor')).toBe('sensor-2');
  expect(nextInSequence('0009')).toBe('0010');
});
