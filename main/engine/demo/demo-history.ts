/**
 * A week of history for the demo site, written once, on the first start of an empty demo
 * data folder, so week views show something from the first click. Each device's own
 * signal model (simulated-device.ts) makes the values. It goes straight through the
 * store's bulk path (columns, no per-reading objects), and never into the cloud outbox:
 * it is demo data, not something a site measured.
 */
import type { DeviceDescriptor } from '../connectors/connector';
import type { Logger } from '../log';
import { allocateBatch } from '../store/column-batch';
import type { Db } from '../store/database';
import type { ReadingStore } from '../store/reading-store';
import type { DemoSite } from './demo-site-definition';
import { SimulatedDevice } from './simulated-device';

const MARKER = 'demo.history_backfilled';
export const HISTORY_DAYS = 7;
/** history older than a day at one sample per 5 minutes (a week chart's pixel is ~10 minutes)... */
const OLD_STEP_MS = 300_000;
/** ...the last day at one a minute... */
const DAY_MS = 86_400_000;
const DAY_STEP_MS = 60_000;
/** ...the last hour at up to one a second, so zooming in near "now" still looks alive */
const RECENT_MS = 3_600_000;
const RECENT_STEP_MS = 1000;
/** live readings take over from here */
const GAP_BEFORE_NOW_MS = 2000;
/** readings per write; the engine's event loop gets a turn after each, so RPC stays responsive */
const BATCH = 10_000;
/** a newcomer's first screen comes first: the history is written once the UI has its data */
export const START_DELAY_MS = 2000;

export interface BackfillOptions {
  db: Db;
  store: ReadingStore;
  site: DemoSite;
  /** tells the registry about each demo device before its history is written */
  register: (device: DeviceDescriptor) => void;
  now?: number;
  log?: Logger;
}

export interface BackfillOutcome {
  readings: number;
  devices: number;
  ms: number;
}

/**
 * Writes the history unless it was written before (then resolves to null). One device at a
 * time, compacted as it goes and yielding in between, so live data and the first screen
 * are not held up; `cancelled` stops it between devices (the engine is closing). A cancelled
 * run leaves no marker, and the next start writes the same timestamps again, which the store
 * drops as duplicates.
 */
export async function backfillDemoHistory(
  options: BackfillOptions,
  cancelled: () => boolean = () => false,
): Promise<BackfillOutcome | null> {
  const { db, store, site } = options;
  const done = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(MARKER);
  if (done !== undefined) return null;
  const started = performance.now();
  const now = options.now ?? Date.now();
  // on whole seconds, and older history on a 5-minute grid, so a second attempt lands on the same timestamps
  const end = Math.floor((now - GAP_BEFORE_NOW_MS) / RECENT_STEP_MS) * RECENT_STEP_MS;
  const first = Math.floor((end - HISTORY_DAYS * DAY_MS) / OLD_STEP_MS) * OLD_STEP_MS;
  const kinds = new Map(site.connectors.map((c) => [c.id, c.kind]));
  const batch = allocateBatch(BATCH);
  let readings = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    store.ingestColumns(batch);
    readings += batch.length;
    batch.length = 0;
    await new Promise((resolve) => setImmediate(resolve));
  };
  const models = site.devices.map((d) => {
    options.register({
      id: d.id,
      name: d.name,
      kind: d.kind,
      profile: d.profile,
      transport: kinds.get(d.connector) ?? 'serial',
      connectorId: d.connector,
    });
    return new SimulatedDevice(d, now);
  });
  for (const model of models) {
    if (cancelled()) return null;
    const recentStep = Math.max(
      RECENT_STEP_MS,
      Math.ceil(model.intervalMs / RECENT_STEP_MS) * RECENT_STEP_MS,
    );
    for (const metric of Object.keys(model.definition.metrics)) {
      const series = store.seriesId(model.id, metric);
      for (let t = first; t <= end; ) {
        if (batch.length === BATCH) await flush();
        const i = batch.length++;
        batch.series[i] = series;
        batch.ts[i] = t;
        batch.values[i] = model.valueBefore(metric, t);
        batch.quality[i] = 0;
        batch.seq[i] = -1;
        batch.arrived[i] = t;
        const age = end - t;
        t += age > DAY_MS ? OLD_STEP_MS : age > RECENT_MS ? DAY_STEP_MS : recentStep;
      }
    }
    await flush();
    store.flush();
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (cancelled()) return null;
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(
    MARKER,
    JSON.stringify({ at: now, readings }),
  );
  const outcome = { readings, devices: site.devices.length, ms: Math.round(performance.now() - started) };
  options.log?.info('demo history back-filled', { ...outcome, days: HISTORY_DAYS });
  return outcome;
}
