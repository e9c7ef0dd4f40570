/** Helpers for the sync tests and the bench: an engine-side sync over a real SQLite file, readings by formula. */
import { randomBytes } from 'node:crypto';
import type { Reading } from '../../../common/reading';
import { MasterKey } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openTestDb, silent } from '../store/test-fixtures';
import { createSync, type SyncOptions } from './sync-service';

export const T0 = Date.UTC(2026, 0, 1);

/** Ingest batch n: `perBatch` readings over `devices` x `metrics` series at 1 Hz device time. */
export function readingsBatch(n: number, perBatch = 500, devices = 10, metrics = 5): Reading[] {
  const series = devices * metrics;
  const out: Reading[] = [];
  for (let i = 0; i < perBatch; i++) {
    const s = i % series;
    const k = n * Math.ceil(perBatch / series) + Math.floor(i / series);
    out.push({
      deviceId: `dev-${Math.floor(s / metrics)}`,
      metric: `m${s % metrics}`,
      ts: T0 + k * 1000,
      value: k % 97 === 13 ? null : Math.round((20 + 2 * Math.sin(k / 60 + s)) * 100) / 100,
      quality: k % 97 === 13 ? 'null' : 'good',
      source: 'test',
    });
  }
  return out;
}

export function openSync(options: Partial<SyncOptions> & { dataDir?: string } = {}) {
  const opened = options.db ? { db: options.db, dataDir: options.dataDir ?? '' } : openTestDb('sync');
  const secrets = new SecretStore(opened.db, new MasterKey(randomBytes(32)));
  const sync = createSync({
    db: opened.db,
    secrets,
    log: silent,
    baseDelayMs: 20,
    maxDelayMs: 200,
    idlePollMs: 50,
    ...options,
  });
  return { ...opened, secrets, sync };
}

export async function waitUntil(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
