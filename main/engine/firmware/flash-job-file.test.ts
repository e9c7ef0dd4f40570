/** The saved flash job is read back as written, and anything else in its place reads as no job. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlashJob } from '../../../common/flash-contract';
import { FlashJobFile } from './flash-job-file';

const job: FlashJob = {
  id: 'j1',
  deviceId: 'pump-7',
  port: '/dev/ttyACM0',
  baudRate: 115_200,
  sha256: 'c'.repeat(64),
  version: '1.3.0',
  state: 'running',
  step: 'uploading',
  progress: { offset: 2048, total: 65_536, bytesPerSecond: 9000, secondsLeft: 7 },
  result: null,
  startedAt: 1_764_000_000_000,
  endedAt: null,
};

const fresh = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-flash-file-'));
  return { dir, file: path.join(dir, 'flash-job.json') };
};

describe('flash job file', () => {
  it('round-trips a job and leaves no temporary behind', () => {
    const { dir, file } = fresh();
    const store = new FlashJobFile(file);
    expect(store.read()).toBeUndefined();
    store.write(job);
    expect(store.read()).toEqual(job);
    expect(readdirSync(dir)).toEqual(['flash-job.json']);
    store.remove();
    expect(store.read()).toBeUndefined();
  });

  it('hostile or damaged contents read as no job, never a throw', () => {
    const { file } = fresh();
    const store = new FlashJobFile(file);
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json(), fc.constant(JSON.stringify({ ...job, sha256: 'x' }))),
        (text) => {
          writeFileSync(file, text);
          const read = store.read();
          if (read !== undefined) expect(read.sha256).toMatch(/^[0-9a-f]{64}$/);
        },
      ),
      { numRuns: 300 },
    );
    writeFileSync(file, JSON.stringify(job).slice(0, 40)); // cut short
    expect(store.read()).toBeUndefined();
  });
});
