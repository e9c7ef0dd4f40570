/**
 * One simulated device: each metric a slow wave plus drift plus noise (or a rising
 * counter), sampled on the device's own clock, which runs a little off the host's like
 * a real device's does. Seeded, so a test sees the same device every run.
 */
import type { Signal, SimulatedDeviceDefinition } from './demo-site-definition';

export interface Sample {
  deviceId: string;
  seq: number;
  /** device clock, ms */
  ts: number;
  values: Record<string, number | null>;
}

/** mulberry32: tiny, fast, good enough for noise */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class SimulatedDevice {
  readonly random: () => number;
  private seq = 0;
  private readonly startedAt: number;
  private readonly clockOffsetMs: number;
  private readonly phases: Record<string, number>;
  readonly intervalMs: number;
  nextDue: number;

  constructor(
    readonly definition: SimulatedDeviceDefinition,
    now: number,
  ) {
    this.random = seededRandom(hashSeed(definition.id));
    this.startedAt = now;
    this.clockOffsetMs = Math.round((this.random() - 0.5) * 80);
    this.phases = Object.fromEntries(
      Object.keys(definition.metrics).map((m) => [m, this.random() * Math.PI * 2]),
    );
    this.intervalMs = 1000 / definition.rateHz;
    this.nextDue = now + this.random() * this.intervalMs;
  }

  get id(): string {
    return this.definition.id;
  }

  sample(now: number): Sample {
    const values: Record<string, number | null> = {};
    for (const [metric, signal] of Object.entries(this.definition.metrics)) {
      values[metric] = round(this.signalAt(metric, signal, now), 3);
    }
    return { deviceId: this.id, seq: this.seq++, ts: Math.round(now + this.clockOffsetMs), values };
  }

  /**
   * A plausible value at a time before the device started, for back-filled history: the
   * same wave and noise; counters lower by what they counted since; a battery fuller (and
   * at most 100 %); other drift as a daily swing rather than a week-long ramp, zero at the
   * start so the history meets the live signal.
   */
  valueBefore(metric: string, t: number): number {
    const s = this.definition.metrics[metric];
    if (!s) throw new Error(`${this.id} has no metric ${metric}`);
    const seconds = (t - this.startedAt) / 1000;
    if (s.ratePerSec !== undefined) return round(Math.max(0, s.base + s.ratePerSec * seconds), 3);
    const wave = s.amplitude * Math.sin((2 * Math.PI * seconds) / s.periodSec + (this.phases[metric] ?? 0));
    const noise = s.noise * this.gaussian();
    if (metric === 'battery') {
      return round(Math.min(100, Math.max(0, s.base + (s.driftPerHour * seconds) / 3600 + wave + noise)), 3);
    }
    const daily = s.driftPerHour * 6 * Math.sin((2 * Math.PI * seconds) / 86_400);
    return round(s.base + wave + daily + noise, 3);
  }

  private signalAt(metric: string, s: Signal, now: number): number {
    const seconds = (now - this.startedAt) / 1000;
    if (s.ratePerSec !== undefined) return s.base + s.ratePerSec * seconds;
    const wave = s.amplitude * Math.sin((2 * Math.PI * seconds) / s.periodSec + (this.phases[metric] ?? 0));
    return s.base + wave + (s.driftPerHour * seconds) / 3600 + s.noise * this.gaussian();
  }

  private gaussian(): number {
    // Box-Muller; 1 - random() keeps log() away from 0
    return Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
