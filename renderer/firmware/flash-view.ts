/** Words for the flash panel: step names, the progress line, which job belongs to which target. */
import type { FlashJob } from '../../common/flash-contract';
import { formatBytes, formatSpan } from '../format';

export type FlashTarget =
  | { deviceId: string }
  | { port: string; baudRate?: number }
  | { peripheralId: string };

export const STEP_TEXT: Record<NonNullable<FlashJob['step']>, string> = {
  checking: 'Reading the device’s image slots',
  uploading: 'Uploading the image',
  marking: 'Marking the new image for a test boot',
  resetting: 'Resetting the device',
  reconnecting: 'Waiting for the device to come back',
  verifying: 'Checking the new image is running',
  health: 'Checking the device is healthy',
  confirming: 'Confirming the new image',
  reverting: 'Reverting to the old image',
};

/** The step in progress; during the health check, how many good readings the new image sent so far. */
export function stepText(job: Pick<FlashJob, 'step' | 'healthReadings'>): string {
  if (!job.step) return 'Starting';
  if (job.step === 'health' && job.healthReadings !== undefined)
    return `Health check: waiting for readings (${job.healthReadings} so far)`;
  return STEP_TEXT[job.step];
}

/** "12.5 KiB of 120 KiB · 8.2 KiB/s · 13 s left" */
export function progressText(p: NonNullable<FlashJob['progress']>): string {
  const parts = [`${formatBytes(p.offset)} of ${formatBytes(p.total)}`];
  if (p.bytesPerSecond > 0) parts.push(`${formatBytes(Math.round(p.bytesPerSecond))}/s`);
  if (p.secondsLeft !== null && p.offset < p.total)
    parts.push(`${formatSpan(Math.ceil(p.secondsLeft) * 1000)} left`);
  return parts.join(' · ');
}

export function jobIsFor(job: FlashJob, target: FlashTarget): boolean {
  if ('deviceId' in target) return job.deviceId === target.deviceId;
  if ('peripheralId' in target) return job.link === 'ble' && job.port === target.peripheralId;
  return job.link !== 'ble' && job.port === target.port;
}

/** Resume is offered for a job the engine lost (restart) or one that stopped short. */
export function canResume(job: FlashJob): boolean {
  if (job.state === 'interrupted') return true;
  return (
    job.state === 'finished' && (job.result?.outcome === 'failed' || job.result?.outcome === 'cancelled')
  );
}

type Slot = { version: string; hash: string; active: boolean };

function versionParts(v: string): number[] {
  return v.split('.').map((n) => Number(n) || 0);
}

/** Negative when a is older than b, by major.minor.revision.build as img_mgmt prints them. */
export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < 4; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Once the slots are read: why an image is not offered for this device (older than what it
 * runs: the engine refuses downgrades), or what it is already (running). Null: offered.
 */
export function imageNote(
  image: { version: string; imageHash: string | null },
  slots: readonly Slot[] | null,
): { offered: boolean; note: string } | null {
  const running = slots?.find((s) => s.active);
  if (!running) return null;
  if (image.imageHash === running.hash) return { offered: true, note: 'running now' };
  if (compareVersions(image.version, running.version) < 0)
    return { offered: false, note: `older than the running ${running.version}` };
  return null;
}

/** The engine's result message as a sentence on the page, with what the device runs when that is news. */
export function resultText(result: NonNullable<FlashJob['result']>): string {
  const text = result.message.trim();
  const sentence = `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
  const says = (result.outcome === 'failed' || result.outcome === 'cancelled') && result.runningVersion;
  return says ? `${sentence} The device runs ${result.runningVersion}.` : sentence;
}
