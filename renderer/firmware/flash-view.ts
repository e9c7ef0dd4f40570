/** Words for the flash panel: step names, the progress line, which job belongs to which target. */
import type { FlashJob } from '../../common/flash-contract';
import { formatBytes, formatSpan } from '../format';

export type FlashTarget = { deviceId: string } | { port: string; baudRate?: number };

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

/** "12.5 KiB of 120 KiB · 8.2 KiB/s · 13 s left" */
export function progressText(p: NonNullable<FlashJob['progress']>): string {
  const parts = [`${formatBytes(p.offset)} of ${formatBytes(p.total)}`];
  if (p.bytesPerSecond > 0) parts.push(`${formatBytes(Math.round(p.bytesPerSecond))}/s`);
  if (p.secondsLeft !== null && p.offset < p.total)
    parts.push(`${formatSpan(Math.ceil(p.secondsLeft) * 1000)} left`);
  return parts.join(' · ');
}

export function jobIsFor(job: FlashJob, target: FlashTarget): boolean {
  return 'deviceId' in target ? job.deviceId === target.deviceId : job.port === target.port;
}

/** Resume is offered for a job the engine lost (restart) or one that stopped short. */
export function canResume(job: FlashJob): boolean {
  if (job.state === 'interrupted') return true;
  return (
    job.state === 'finished' && (job.result?.outcome === 'failed' || job.result?.outcome === 'cancelled')
  );
}
