/**
 * Is a device healthy after a firmware update, judged by its readings? Shared by local
 * flashing (before the new image is confirmed) and rollouts (within the soak window), so a
 * release is held to the same standard whichever way it reaches the device.
 *
 * The readings are judged as the ingest validator left them: a reading it flagged (out of
 * the profile's limits, not a number, a value the spec prohibits, a stuck sensor, a wrong
 * clock) means the new firmware reads or reports its sensors wrongly. Silence is not
 * health either: a number of good readings must arrive.
 */
import type { Reading } from '../../../common/reading';

export interface HealthPolicy {
  /** good readings needed before the device counts as healthy */
  minReadings: number;
  /**
   * flagged readings tolerated (default 0): a fleet's live streams carry the odd glitch
   * (the demo site injects 0.2 %), a firmware that reads its sensors wrongly flags them all
   */
  maxFlagged?: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { minReadings: 3 };
/** a fleet device's live stream over a soak window: one glitch is noise, two are the firmware */
export const ROLLOUT_HEALTH_POLICY: HealthPolicy = { minReadings: 3, maxFlagged: 1 };

export type HealthVerdict =
  | { state: 'waiting'; good: number }
  | { state: 'healthy'; good: number }
  | { state: 'unhealthy'; reason: string };

function describe(r: Reading): string {
  if (r.quality === 'invalid') return `${r.metric} reported a value its specification prohibits`;
  if (r.value === null) return `${r.metric} reported no number`;
  if (r.quality === 'out-of-range') return `${r.metric} = ${r.value} is outside the profile's limits`;
  return `${r.metric} = ${r.value} is suspect (stuck, changing faster than the sensor can, or a wrong clock)`;
}

export class ReadingsJudge {
  private good = 0;
  private flagged = 0;
  private firstFlag: string | undefined;
  private failure: string | undefined;

  constructor(private readonly policy: HealthPolicy = DEFAULT_HEALTH_POLICY) {}

  /** One reading of the device, as validated by ingest. A flagged one decides at once. */
  add(r: Reading): HealthVerdict {
    if (this.failure === undefined) {
      if (r.quality === 'good') this.good++;
      else {
        this.flagged++;
        this.firstFlag ??= describe(r);
        if (this.flagged > (this.policy.maxFlagged ?? 0))
          this.failure =
            this.flagged === 1 ? this.firstFlag : `${this.firstFlag} (${this.flagged} readings flagged)`;
      }
    }
    return this.verdict();
  }

  get goodReadings(): number {
    return this.good;
  }

  verdict(): HealthVerdict {
    if (this.failure !== undefined) return { state: 'unhealthy', reason: this.failure };
    return this.good >= this.policy.minReadings
      ? { state: 'healthy', good: this.good }
      : { state: 'waiting', good: this.good };
  }

  /** Why the device is not healthy once its window `within` ("60 s", "the soak time") is over. */
  expired(within: string): string {
    const v = this.verdict();
    if (v.state === 'unhealthy') return v.reason;
    if (this.good === 0) return `no readings within ${within}`;
    return `only ${this.good} of ${this.policy.minReadings} readings within ${within}`;
  }
}
