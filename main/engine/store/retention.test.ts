import { describe, expect, test } from 'vitest';
import { usedBytes } from './retention';
import { batchOf, openStore, type Row } from './test-fixtures';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

function fill(store: ReturnType<typeof openStore>['store'], days: number, everyMs: number, noisy = false) {
  const s = store.seriesId('d1', 'm');
  const rows: Row[] = [];
  for (let t = NOW - days * DAY; t < NOW; t += everyMs) {
    // full-precision noise compresses badly, so raw blocks, not rollups, fill the file
    const v = noisy ? Math.sin(t / 1e7) + Math.random() : Math.round(Math.sin(t / 1e7) * 1000) / 100;
    rows.push([s, t, v, 0, -1]);
  }
  for (let i = 0; i < rows.length; i += 50_000) store.ingestColumns(batchOf(rows.slice(i, i + 50_000)));
  store.flush();
  return s;
}

describe('retention and quota (real SQLite file)', () => {
  test('raw data past its age is dropped while rollups stay; settings persist', () => {
    const { store, db, dataDir } = openStore();
    fill(store, 40, 60_000);
    store.configureRetention({ rawDays: 10, minuteDays: 20 });
    const outcome = store.applyRetention(NOW);
    expect(outcome.blocksDropped).toBeGreaterThan(0);
    const status = store.status();
    // a block of 4096 one-minute readings spans ~3 days, so the oldest kept may start before the cut
    expect(status.oldestRaw).toBeGreaterThanOrEqual(NOW - 13 * DAY);
    expect(status.oldestRaw).toBeLessThan(NOW - 9 * DAY);
    // hourly and daily rollups are still there for the whole 40 days
    expect(status.oldestRollup).toBeLessThanOrEqual(NOW - 39 * DAY);
    expect(store.query('d1', 'm', NOW - 40 * DAY, NOW, 500).ts.length).toBeGreaterThan(0);
    db.close();
    expect(openStore(dataDir).store.retention.current()).toMatchObject({ rawDays: 10, minuteDays: 20 });
  });

  test('over the quota the oldest raw data goes first', () => {
    const { store, db } = openStore();
    fill(store, 20, 1000, true);
    const before = store.status();
    const used = usedBytes(db);
    expect(used).toBeGreaterThan(0);
    store.configureRetention({ quotaBytes: Math.floor(used * 0.7) });
    const outcome = store.applyRetention(NOW);
    const after = store.status();
    expect(outcome.usedBytes).toBeLessThanOrEqual(store.retention.current().quotaBytes);
    expect(after.oldestRaw).not.toBeNull();
    expect(after.oldestRaw!).toBeGreaterThan(before.oldestRaw!);
    expect(after.oldestRollup).toBe(before.oldestRollup);
    expect(after.newest).toBe(before.newest);
  });

  test('rollups kept shorter than raw data is refused', () => {
    const { store } = openStore();
    expect(() => store.configureRetention({ rawDays: 100, minuteDays: 10 })).toThrow(/at least as long/);
  });
});
