import { describe, expect, test } from 'vitest';
import { configDiff } from './config-diff';

describe('configDiff', () => {
  test('in sync gives no differences, extra reported keys are ignored', () => {
    expect(configDiff({ a: 1, b: { c: 'x' } }, { a: 1, b: { c: 'x', d: 2 }, e: 3 })).toEqual([]);
  });

  test('nested leaves, missing values and whole arrays are reported by dotted path', () => {
    expect(
      configDiff(
        { brokerUrl: 'mqtts://b:8883', net: { interval: 10, ssid: 'plant' }, slots: [1, 2] },
        { brokerUrl: 'mqtt://old', net: { interval: 10 }, slots: [1, 3] },
      ),
    ).toEqual([
      { path: 'brokerUrl', desired: 'mqtts://b:8883', reported: 'mqtt://old' },
      { path: 'net.ssid', desired: 'plant', reported: null },
      { path: 'slots', desired: [1, 2], reported: [1, 3] },
    ]);
  });

  test('an object replaced by a scalar is one difference', () => {
    expect(configDiff({ net: { a: 1 } }, { net: 5 })).toEqual([
      { path: 'net', desired: { a: 1 }, reported: 5 },
    ]);
  });
});
