import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findResourcesDir } from '../resources';
import { openDatabase } from '../store/database';
import { ReadingStore } from '../store/reading-store';
import { silent, tempDataDir } from '../store/test-fixtures';
import { backfillDemoHistory, HISTORY_DAYS } from './demo-history';
import { loadDemoSite } from './demo-site-definition';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3, 10, 0, 0);
const site = loadDemoSite(path.join(findResourcesDir(__dirname), 'demo-site.json'));

function open(dataDir = tempDataDir('backfill')) {
  const { db, file } = openDatabase({ dataDir, log: silent });
  const store = new ReadingStore(db, file, silent);
  const registered: string[] = [];
  const run = () =>
    backfillDemoHistory({
      db,
      store,
      site,
      now: NOW,
      register: (d) => {
        registered.push(d.id);
        store.upsertDevice(d);
      },
    });
  return { db, store, run, registered, dataDir };
}

describe('demo week back-fill (real SQLite file)', () => {
  test('every demo device gets a week of history, every day of it, up to just before now', async () => {
    const { store, run, registered } = open();
    const outcome = await run();
    expect(outcome).toMatchObject({ devices: site.devices.length });
    expect(registered).toEqual(site.devices.map((d) => d.id));
    for (const d of site.devices) {
      for (const metric of Object.keys(d.metrics)) {
        const raw = store.rawWindow(d.id, metric, NOW - HISTORY_DAYS * DAY - DAY, NOW, 1_000_000);
        expect(raw.ts[0]).toBeLessThanOrEqual(NOW - HISTORY_DAYS * DAY + 5 * 60_000);
        expect(raw.ts.at(-1)).toBeGreaterThan(NOW - 10_000);
        expect(raw.ts.at(-1)).toBeLessThan(NOW);
        for (let day = 0; day < HISTORY_DAYS; day++) {
          const from = NOW - (day + 1) * DAY;
          expect(raw.ts.some((t) => t >= from && t < from + DAY)).toBe(true);
        }
      }
    }
    expect(outcome!.readings).toBe(store.totalStored());
  });

  test('a week chart (readings.query over 7 days) shows the whole week, with plausible values', async () => {
    const { store, run } = open();
    await run();
    const week = store.query('th-101', 'temperature', NOW - 7 * DAY, NOW, 1000);
    expect(week.ts.length).toBeGreaterThan(500);
    expect(week.ts.at(-1)! - week.ts[0]!).toBeGreaterThan(6.9 * DAY);
    const signal = site.devices.find((d) => d.id === 'th-101')!.metrics.temperature!;
    const bound = signal.amplitude + 6 * Math.abs(signal.driftPerHour) + 6 * signal.noise;
    for (const v of week.values) expect(Math.abs(v! - signal.base)).toBeLessThanOrEqual(bound);
    const battery = store.rawWindow('th-111', 'battery', NOW - 8 * DAY, NOW, 1_000_000).values;
    for (const v of battery) expect(v).toBeLessThanOrEqual(100);
    const energy = store.rawWindow('pm-301', 'energy', NOW - 8 * DAY, NOW, 1_000_000).values as number[];
    for (let i = 1; i < energy.length; i++) expect(energy[i]).toBeGreaterThanOrEqual(energy[i - 1]!);
  });

  test('runs once: a second start writes nothing, and nothing is queued for the cloud', async () => {
    const { db, store, run, dataDir } = open();
    await run();
    const stored = store.totalStored();
    expect(await run()).toBeNull();
    expect(store.totalStored()).toBe(stored);
    expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
    store.flush();
    db.close();
    const again = open(dataDir);
    expect(await again.run()).toBeNull();
    expect(again.store.totalStored()).toBe(stored);
  });

  test('stopped half-way (engine closing), it leaves no marker and the next start completes it', async () => {
    const { store, db, dataDir } = open();
    let devices = 0;
    const partial = await backfillDemoHistory(
      { db, store, site, now: NOW, register: (d) => store.upsertDevice(d) },
      () => devices++ >= 3,
    );
    expect(partial).toBeNull();
    const written = store.totalStored();
    expect(written).toBeGreaterThan(0);
    store.flush();
    db.close();
    const again = open(dataDir);
    const outcome = await again.run();
    expect(outcome).not.toBeNull();
    const fresh = open();
    await fresh.run();
    // the same timestamps again: the devices done before are not doubled
    expect(again.store.totalStored()).toBe(fresh.store.totalStored());
  });
});
