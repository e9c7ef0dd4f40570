/**
 * Child process for the SIGKILL test: the engine's sync over a real SQLite file.
 *   ingest <dataDir>: appends readingsBatch(0), (1), ... to the outbox as fast as the sink
 *                     drains them, printing "ack N" after batch N is committed
 *   drain <dataDir>:  delivers whatever the outbox holds, prints "drained" and exits
 */
import { createLogger } from '../log';
import { loadOrCreateMasterKeyFile } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openDatabase } from '../store/database';
import { createSync } from './sync-service';
import { readingsBatch } from './test-fixtures';

export function openChildSync(dataDir: string) {
  const log = createLogger({ level: 'silent' });
  const { db } = openDatabase({ dataDir, log });
  const secrets = new SecretStore(db, loadOrCreateMasterKeyFile(dataDir));
  const sync = createSync({
    db,
    secrets,
    log,
    baseDelayMs: 20,
    maxDelayMs: 200,
    idlePollMs: 20,
    maxBatchReadings: 1500,
  });
  return { db, sync };
}

async function main(mode: string, dataDir: string): Promise<void> {
  const { db, sync } = openChildSync(dataDir);
  if (mode === 'ingest') {
    for (let n = 0; ; n++) {
      sync.onIngest(readingsBatch(n));
      process.stdout.write(`ack ${n}\n`);
      // let the sink run between batches, as the real pipeline's 50 ms batching does
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  for (;;) {
    const s = sync.status();
    if (s.every((x) => x.backlog.readings === 0 && x.backlog.events === 0)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await sync.close();
  db.close();
  process.stdout.write('drained\n');
}

if (process.argv[2] === 'ingest' || process.argv[2] === 'drain') {
  main(process.argv[2], process.argv[3]!).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
