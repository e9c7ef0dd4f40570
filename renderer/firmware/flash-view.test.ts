import { describe, expect, it } from 'vitest';
import type { FlashJob } from '../../common/flash-contract';
import {
  canResume,
  compareVersions,
  imageNote,
  jobIsFor,
  progressText,
  resultText,
  stepText,
} from './flash-view';

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

  it('the step in progress; the health check counts the readings of the new image', () => {
    expect(stepText(job({}))).toBe('Uploading the image');
    expect(stepText(job({ step: null }))).toBe('Starting');
    expect(stepText(job({ step: 'health', healthReadings: 2 }))).toBe(
      'Health check: waiting for readings (2 so far)',
    );
    // a bare port has no readings to wait for
    expect(stepText(job({ step: 'health' }))).toBe('Checking the device is healthy');
  });

  it('a job belongs to the device or the port it flashes', () => {
    expect(jobIsFor(job({}), { deviceId: 'pump-7' })).toBe(true);
    expect(jobIsFor(job({}), { deviceId: 'pump-8' })).toBe(false);
    expect(jobIsFor(job({ deviceId: null }), { port: '/dev/ttyACM0' })).toBe(true);
    // over Bluetooth the port field holds the peripheral id: a port of that name is another target
    const overBle = job({ deviceId: null, link: 'ble', port: 'c0ffee003001', baudRate: 0 });
    expect(jobIsFor(overBle, { peripheralId: 'c0ffee003001' })).toBe(true);
    expect(jobIsFor(overBle, { port: 'c0ffee003001' })).toBe(false);
    expect(jobIsFor(job({ deviceId: null }), { peripheralId: '/dev/ttyACM0' })).toBe(false);
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

describe('images against the slots read from the device', () => {
  const slots = [
    { version: '2.3.0', hash: 'aa', active: true },
    { version: '2.1.0', hash: 'bb', active: false },
  ];
  it('compares img_mgmt versions numerically, build last', () => {
    expect(compareVersions('2.10.0', '2.9.0')).toBeGreaterThan(0);
    expect(compareVersions('2.3.0', '2.3.0.1')).toBeLessThan(0);
    expect(compareVersions('2.3.0', '2.3.0')).toBe(0);
  });
  it('marks the running image, hides older ones, says nothing before the slots are read', () => {
    expect(imageNote({ version: '2.3.0', imageHash: 'aa' }, slots)).toEqual({
      offered: true,
      note: 'running now',
    });
    expect(imageNote({ version: '2.1.0', imageHash: 'bb' }, slots)).toEqual({
      offered: false,
      note: 'older than the running 2.3.0',
    });
    expect(imageNote({ version: '2.4.0', imageHash: 'cc' }, slots)).toBeNull();
    expect(imageNote({ version: '2.1.0', imageHash: 'bb' }, null)).toBeNull();
  });
});

describe('result sentence', () => {
  const r = (
    outcome: NonNullable<FlashJob['result']>['outcome'],
    message: string,
    runningVersion: string | null,
  ) => ({
    outcome,
    message,
    runningVersion,
    firstOffset: 0,
  });
  it('capitalised, one full stop, the running version only when it is news', () => {
    expect(resultText(r('installed', '2.3.0 is installed and confirmed', '2.3.0'))).toBe(
      '2.3.0 is installed and confirmed.',
    );
    expect(
      resultText(r('reverted', 'the new image 2.3.0 did not boot; the device reverted to 2.1.0', '2.1.0')),
    ).toBe('The new image 2.3.0 did not boot; the device reverted to 2.1.0.');
    expect(resultText(r('cancelled', 'cancelled during the upload; Resume continues it', '2.1.0'))).toBe(
      'Cancelled during the upload; Resume continues it. The device runs 2.1.0.',
    );
    expect(resultText(r('failed', 'flashing failed: no serial port at /dev/x.', null))).toBe(
      'Flashing failed: no serial port at /dev/x.',
    );
  });
});
