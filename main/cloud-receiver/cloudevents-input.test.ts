import { describe, expect, test } from 'vitest';
import { BatchFormatError, parseBatch } from './cloudevents-input';

const batch = (quality: unknown[]) =>
  JSON.stringify([
    {
      specversion: '1.0',
      id: 'r1-1-0',
      source: 'urn:test',
      type: 'io.fieldline.readings.v1',
      data: {
        deviceId: 'd',
        metric: 't',
        ts: quality.map((_, k) => (k === 0 ? 1000 : 1)),
        values: quality.map(() => null),
        quality,
      },
    },
  ]);

describe('reference receiver: reading quality codes', () => {
  test("accepts every code in QUALITIES, 'invalid' (4) included, and refuses the rest", () => {
    expect(parseBatch(batch([0, 1, 2, 3, 4]))).toHaveLength(1);
    expect(() => parseBatch(batch([5]))).toThrow(BatchFormatError);
    expect(() => parseBatch(batch([1.5]))).toThrow(BatchFormatError);
    expect(() => parseBatch(batch(['0']))).toThrow(BatchFormatError);
  });
});
