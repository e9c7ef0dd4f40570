/**
 * Child process for the SIGKILL test: the notify service over a real SQLite file, on the
 * real clock. `run <dataDir>` delivers until every notice is read and nothing waits in
 * the outbox, then prints "drained" and exits.
 */

import { NoticeTableSource } from '../alarms/notice-table-source';
import { createLogger } from '../log';
import { loadOrCreateMasterKeyFile } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openDatabase } from '../store/database';
import { CONSUMER, NotifyService } from './notify-service';

export function openChildNotify(dataDir: string) {
  const log = createLogger({ level: 'silent' });
  const { db } = openDatabase({ dataDir, log });
  const secrets = new SecretStore(db, loadOrCreateMasterKeyFile(dataDir));
  const source = new NoticeTableSource(db);
  const service = new NotifyService({
    db,
    secrets,
    source,
    log,
    publishMqtt: async () => {
      throw new Error('no MQTT here');
    },
  });
  return { db, source, service };
}

async function main(dataDir: string): Promise<void> {
  const { db, source, service } = openChildNotify(dataDir);
  const last = () => (db.prepare('SELECT max(seq) FROM alarm_notices').pluck().get() as number | null) ?? 0;
  const pending = () =>
    db.prepare("SELECT count(*) FROM notify_deliveries WHERE status = 'pending'").pluck().get() as number;
  for (;;) {
    await service.tick();
    if (source.cursor(CONSUMER) >= last() && pending() === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await service.close();
  db.close();
  process.stdout.write('drained\n');
}

if (process.argv[2] === 'run' && process.argv[3]) {
  main(process.argv[3]).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
