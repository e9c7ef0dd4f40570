import { describe, expect, it } from 'vitest';
import type { FlashJob } from '../../common/flash-contract';
import { canResume, jobIsFor, progressText } from './flash-view';

const job = (over: Partial<FlashJob>): FlashJob => ({
  id: 'j',
  deviceId: 'pump-7',
  port: '/dev/ttyACM0',
  baudRate: 115_200,
  sha256: 'a'.repeat(64),
  version: '1.3.0',
  state: 'running',
  step: 'uploading',
  progress: null,
  result: null,
  startedAt: 0,
  endedAt: null,
  ...over,
});

describe('flash panel words', () => {
  it('progress with rate and time left, none once complete', () => {
    expect(progressText({ offset: 12_800, total: 122_880, bytesPerSecond: 8396.8, secondsLeft: 13.2 })).toBe(
      '13 KiB of 120 KiB · 8.2 KiB/s · 14 s left',
    );
    expect(progressText({ offset: 0, total: 2048, bytesPerSecond: 0, secondsLeft: null })).toBe(
      '0 B of 2 KiB',
    );
    expect(progressText({ offset: 2048, total: 2048, bytesPerSecond: 1024, secondsLeft: 0 })).toBe(
      '2 KiB of 2 KiB · 1 KiB/s',
    );
  });

  it('a job belongs to the device or the port it flashes', () => {
    expect(jobIsFor(job({}), { deviceId: 'pump-7' })).toBe(true);
    expect(jobIsFor(job({}), { deviceId: 'pump-8' })).toBe(false);
    expect(jobIsFor(job({ deviceId: null }), { port: '/dev/ttyACM0' })).toBe(true);
  });

  it('resume is offered for interrupted, failed and cancelled jobs only', () => {
    expect(canResume(job({ state: 'interrupted' }))).toBe(true);
    expect(canResume(job({ state: 'running' }))).toBe(false);
    const ended = (outcome: NonNullable<FlashJob['result']>['outcome']) =>
      job({ state: 'finished', result: { outcome, message: '', runningVersion: null, firstOffset: 0 } });
    expect(canResume(ended('failed'))).toBe(true);
    expect(canResume(ended('cancelled'))).toBe(true);
    expect(canResume(ended('installed'))).toBe(false);
    expect(canResume(ended('reverted'))).toBe(false);
  });
});
