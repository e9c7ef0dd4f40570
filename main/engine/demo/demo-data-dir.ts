/**
 * Where the demo keeps its data: a folder of its own inside the data folder, so the
 * simulated devices, demo units and their audit entries never mix with a real site's,
 * and a later start without the demo shows none of them. The host picks it; the engine
 * just uses the folder it is given.
 */
import path from 'node:path';

export const DEMO_FOLDER = 'demo';

export function engineDataDir(dataDir: string, demo: boolean): string {
  return demo ? path.join(dataDir, DEMO_FOLDER) : dataDir;
}
