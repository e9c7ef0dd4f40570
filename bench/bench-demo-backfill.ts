/**
 * npm run bench:demo-backfill
 *
 * The demo's first start: a week of history for every demo device (demo/demo-history.ts)
 * into a fresh SQLite file through the store's bulk path. Prints the time and readings written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backfillDemoHistory } from '../main/engine/demo/demo-history';
import { loadDemoSite } from '../main/engine/demo/demo-site-definition';
import { createLogger } from '../main/engine/log';
import { findResourcesDir } from '../main/engine/resources';
import { openDatabase } from '../main/engine/store/database';
import { ReadingStore } from '../main/engine/store/reading-store';

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-backfill-'));
  const log = createLogger({ level: 'warn' });
  const { db, file } = openDatabase({ dataDir, log });
  const store = new ReadingStore(db, file, log);
  const site = loadDemoSite(path.join(findResourcesDir(__dirname), 'demo-site.json'));
  const outcome = await backfillDemoHistory({ db, store, site, register: (d) => store.upsertDevice(d) });
  if (!outcome) throw new Error('a fresh folder must be back-filled');
  const bytes = store.databaseBytes();
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `demo back-fill: ${outcome.readings.toLocaleString('en')} readings for ${outcome.devices} devices ` +
      `in ${outcome.ms} ms (${Math.round(outcome.readings / (outcome.ms / 1000)).toLocaleString('en')} readings/s), ` +
      `${(bytes / 1e6).toFixed(1)} MB on disk`,
  );
}

void main();
