/**
 * Flags readings against the device's profile and clock. A flagged reading is still
 * stored (the technician needs to see the sensor fault), only marked, so nothing is
 * silently lost. Quality set by the connector (e.g. a decoder's 'null') is kept unless
 * this is worse.
 */
import type { Reading } from '../../../common/reading';
import type { DeviceProfile } from '../profiles/profile';

/** a device clock this far ahead of ours is wrong: its readings cannot be ordered by it */
export const MAX_FUTURE_SKEW_MS = 2 * 60_000;
/** older than this on arrival is a clock that was never set, not a backlog being replayed */
export const MAX_PAST_SKEW_MS = 30 * 86_400_000;

interface SeriesState {
  /** last reading that passed the rate check */
  goodTs: number;
  goodValue: number;
  /** identical values in a row, for stuck-sensor detection */
  runValue: number;
  runLength: number;
}

export class ReadingValidator {
  private readonly series = new Map<string, SeriesState>();

  constructor(private readonly profileOf: (deviceId: string) => DeviceProfile | undefined) {}

  /** Returns the reading with its quality decided; never throws. */
  check(reading: Reading): Reading {
    if (reading.value === null || !Number.isFinite(reading.value)) {
      // a decoder's 'invalid' (a prohibited or reserved raw value) says more than 'null'
      const quality = reading.quality === 'invalid' ? 'invalid' : 'null';
      return reading.quality === quality && reading.value === null
        ? reading
        : { ...reading, value: null, quality };
    }
    if (reading.arrivedAt !== undefined) {
      const skew = reading.ts - reading.arrivedAt;
      if (skew > MAX_FUTURE_SKEW_MS || skew < -MAX_PAST_SKEW_MS) return { ...reading, quality: 'suspect' };
    }
    const metric = this.profileOf(reading.deviceId)?.metrics[reading.metric];
    if (!metric) return reading;
    if (reading.value < metric.min || reading.value > metric.max) {
      return { ...reading, quality: 'out-of-range' };
    }
    if (reading.quality !== 'good') return reading;
    const key = `${reading.deviceId}\u0000${reading.metric}`;
    const state = this.series.get(key);
    if (!state) {
      this.series.set(key, {
        goodTs: reading.ts,
        goodValue: reading.value,
        runValue: reading.value,
        runLength: 1,
      });
      return reading;
    }
    if (reading.ts > state.goodTs) {
      if (state.runValue === reading.value) state.runLength++;
      else {
        state.runValue = reading.value;
        state.runLength = 1;
      }
    }
    if (metric.stuckAfterSamples !== undefined && state.runLength >= metric.stuckAfterSamples) {
      return { ...reading, quality: 'suspect' };
    }
    if (metric.maxRatePerSec !== undefined && reading.ts > state.goodTs) {
      const ratePerSec = (Math.abs(reading.value - state.goodValue) * 1000) / (reading.ts - state.goodTs);
      if (ratePerSec > metric.maxRatePerSec) return { ...reading, quality: 'suspect' };
    }
    if (reading.ts > state.goodTs) {
      state.goodTs = reading.ts;
      state.goodValue = reading.value;
    }
    return reading;
  }
}
