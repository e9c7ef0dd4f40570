/**
 * The engine's firmware library: files in <data folder>/firmware beside the database, what
 * a crash mid-import left swept at start, and its RPC handlers. `library` is what the
 * flashing and rollout code use (getImage, list).
 */
import path from 'node:path';
import { FIRMWARE_MAX_IMAGE_BYTES } from '../../../common/firmware-contract';
import type { AuditLog } from '../audit/audit-log';
import type { Logger } from '../log';
import type { Db } from '../store/database';
import { createFirmwareHandlers } from './firmware-handlers';
import { FirmwareLibrary } from './firmware-library';

export const FIRMWARE_DIR = 'firmware';

export async function createFirmwareLibrary(options: {
  db: Db;
  dataDir: string;
  audit: AuditLog;
  actor: () => string;
  log: Logger;
  catalog: () => Promise<unknown>;
}) {
  const library = new FirmwareLibrary({
    db: options.db,
    dir: path.join(options.dataDir, FIRMWARE_DIR),
    audit: options.audit,
    actor: options.actor,
    maxImageBytes: FIRMWARE_MAX_IMAGE_BYTES,
    log: options.log,
  });
  try {
    // with the cache unusable (an in-memory stand-in) no row names the files: keep them
    if (!options.db.memory) await library.recover();
  } catch (error) {
    // an unreadable firmware folder must not stop the engine; imports will say what is wrong
    options.log.warn('could not tidy the firmware folder', { error: (error as Error).message });
  }
  return { library, handlers: createFirmwareHandlers(library, options.catalog) };
}
