/**
 * Flags readings against the device's profile. A flagged reading is still stored (the
 * technician needs to see the sensor fault), only marked, so nothing is silently lost.
 * Quality set by the connector (e.g. a decoder's 'null') is kept unless this is worse.
 */
import type { Reading } from '../../../common/reading';
import type { DeviceProfile, MetricProfile } from '../profiles/profile';

interface LastGood {
  ts: number;
  value: number;
}

export class ReadingValidator {
  private readonly lastGood = new Map<string, LastGood>();

  constructor(private readonly profileOf: (deviceId: string) => DeviceProfile | undefined) {}

  /** Returns the reading with its quality decided; never throws. */
  check(reading: Reading): Reading {
    if (reading.value === null || !Number.isFinite(reading.value)) {
      return reading.quality === 'null' && reading.value === null
        ? reading
        : { ...reading, value: null, quality: 'null' };
    }
    const metric: MetricProfile | undefined = this.profileOf(reading.deviceId)?.metrics[reading.metric];
    if (!metric) return reading;
    if (reading.value < metric.min || reading.value > metric.max) {
      return { ...reading, quality: 'out-of-range' };
    }
    if (reading.quality !== 'good') return reading;
    const key = `${reading.deviceId}\u0000${reading.metric}`;
    const previous = this.lastGood.get(key);
    if (metric.maxRatePerSec !== undefined && previous && reading.ts > previous.ts) {
      const ratePerSec = (Math.abs(reading.value - previous.value) * 1000) / (reading.ts - previous.ts);
      if (ratePerSec > metric.maxRatePerSec) return { ...reading, quality: 'suspect' };
    }
    if (!previous || reading.ts > previous.ts)
      this.lastGood.set(key, { ts: reading.ts, value: reading.value });
    return reading;
  }
}
