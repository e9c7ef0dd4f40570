import { describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { lastHalfSlopePerHour, readingsPerSecond, scaledDemoSite } from './soak-stats.mjs';

type Sample = { minute: number; rss: number };

describe('bench:soak figures', () => {
  test('the slope is the least-squares fit over the last half only, in units per hour', () => {
    // a step in the first half (start-up) and then 0.05 MiB per minute: 3 MiB/h
    const samples: Sample[] = [];
    for (let minute = 0; minute <= 60; minute++) {
      samples.push({ minute, rss: minute < 30 ? 100 + minute * 2 : 200 + 0.05 * (minute - 30) });
    }
    expect(lastHalfSlopePerHour(samples, (s: Sample) => s.rss)).toBeCloseTo(3, 6);
    const flat = samples.map((s) => ({ ...s, rss: 150 + (s.minute % 2) }));
    expect(Math.abs(lastHalfSlopePerHour(flat, (s: Sample) => s.rss))).toBeLessThan(0.5);
    expect(lastHalfSlopePerHour([{ minute: 0, rss: 1 }], (s: Sample) => s.rss)).toBeNaN();
  });

  test('the scaled site repeats each device under a new id at a scaled, schema-capped rate', () => {
    const site = {
      site: 'demo',
      devices: [
        { id: 'a', name: 'A', rateHz: 2, metrics: { t: {}, h: {} } },
        { id: 'b', name: 'B', rateHz: 60, metrics: { p: {} } },
      ],
    };
    const scaled = scaledDemoSite(site, 3, 2);
    expect(scaled.devices.map((d: { id: string }) => d.id)).toEqual([
      'a',
      'b',
      'a-s2',
      'b-s2',
      'a-s3',
      'b-s3',
    ]);
    expect(scaled.devices.map((d: { rateHz: number }) => d.rateHz)).toEqual([4, 100, 4, 100, 4, 100]);
    expect(readingsPerSecond(scaled)).toBe(3 * (4 * 2 + 100));
  });
});
