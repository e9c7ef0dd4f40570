import fc from 'fast-check';
import { expect, test } from 'vitest';
import { BUCKETS_PER_WINDOW, BucketWindow } from './bucket-window';

test('property: the summary is exactly the readings from the first whole bucket in the window up to now', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1000, max: 3_600_000 }),
      fc.array(fc.tuple(fc.integer({ min: -30_000, max: 120_000 }), fc.integer({ min: -1000, max: 1000 })), {
        minLength: 1,
        maxLength: 300,
      }),
      (windowMs, steps) => {
        const w = new BucketWindow(windowMs);
        const seen: [number, number][] = [];
        let t = 1_767_225_600_000;
        let late = t;
        for (const [dt, v] of steps) {
          if (dt < 0) {
            // a late reading, up to 30 s before the newest: the window at the newest time must count it
            late = t + dt;
            w.add(late, v);
            const from = Math.ceil((t - windowMs) / w.bucketMs) * w.bucketMs;
            seen.push([late, v]);
            const inside = seen.filter(([ts]) => ts >= from && ts <= t).map(([, x]) => x);
            const s = w.summary(t);
            expect(s?.count ?? 0).toBe(inside.length);
            if (s) expect([s.min, s.max]).toEqual([Math.min(...inside), Math.max(...inside)]);
            continue;
          }
          t += dt;
          w.add(t, v);
          seen.push([t, v]);
          const from = Math.ceil((t - windowMs) / w.bucketMs) * w.bucketMs;
          const inside = seen.filter(([ts]) => ts >= from && ts <= t).map(([, x]) => x);
          const s = w.summary(t)!;
          expect(s.count).toBe(inside.length);
          expect(s.sum).toBe(inside.reduce((a, b) => a + b, 0));
          expect(s.min).toBe(Math.min(...inside));
          expect(s.max).toBe(Math.max(...inside));
          if (dt > 0) expect(s.last).toBe(v); // with dt 0 the two readings share a time
          const firstTs = s.firstTs;
          const e = w.edges(t)!;
          expect([e.firstTs, e.lastTs, e.last]).toEqual([firstTs, s.lastTs, s.last]);
          // the edge is at most one bucket inside the window
          expect(from - (t - windowMs)).toBeLessThan(w.bucketMs);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test(`a window is ${BUCKETS_PER_WINDOW} buckets whatever the reading rate`, () => {
  const w = new BucketWindow(60_000);
  for (let i = 0; i < 100_000; i++) w.add(i * 7, i);
  expect(w.save().length).toBeLessThanOrEqual(BUCKETS_PER_WINDOW + 2);
  // now 699,993: the window starts at the bucket 640,000; readings 7 × 91,429 … 7 × 99,999
  expect(w.summary(99_999 * 7)!.count).toBe(8571);
});
