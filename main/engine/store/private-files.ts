/**
 * The data folder holds every reading, the audit log, sealed secrets and (headless) the
 * master key: only the user running Fieldline may read it. The folder is 0700 and every
 * file the engine writes in it 0600, set with an explicit chmod after creating, so the
 * process umask (often 022) decides nothing; a folder or file found more open, made by an
 * older build or by hand, is closed and the log says so. Windows has no POSIX modes: there
 * the user profile's ACL protects the folder, and none of this applies.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import type { Logger } from '../log';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const posix = process.platform !== 'win32';

/** Creates the folder (and missing parents) 0700, or makes an existing one 0700. */
export function ensurePrivateDir(dir: string, log?: Logger): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  restrict(dir, PRIVATE_DIR_MODE, 'folder', log);
}

/** Creates an empty file 0600 unless it exists, so what opens it later (SQLite) never makes it 0644. */
export function createPrivateFile(file: string, log?: Logger): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  restrict(file, PRIVATE_FILE_MODE, 'file', log);
}

/** Makes each of these files that exists 0600. */
export function restrictFiles(files: readonly string[], log?: Logger): void {
  for (const file of files) {
    if (existsSync(file)) restrict(file, PRIVATE_FILE_MODE, 'file', log);
  }
}

function restrict(target: string, wanted: number, what: 'folder' | 'file', log?: Logger): void {
  if (!posix) return;
  const full = statSync(target).mode;
  const mode = full & 0o777;
  if (mode === wanted) return;
  if (what === 'folder' && (full & 0o1002) !== 0) {
    // sticky or writable by all, like /tmp: closing it would break every other program
    log?.warn('the data folder is shared with every user: give Fieldline a folder of its own', {
      path: target,
      mode: (full & 0o7777).toString(8),
    });
    return;
  }
  try {
    chmodSync(target, wanted);
  } catch (error) {
    // someone else's folder (a shared mount, root's): say so, keep working
    log?.warn(`cannot make the data ${what} private`, { path: target, error: (error as Error).message });
    return;
  }
  // a fresh one differs only by what the umask took away; one open to others is news
  if ((mode & 0o077) !== 0) {
    log?.warn(`the data ${what} was readable by other users; made it private`, {
      path: target,
      was: mode.toString(8).padStart(3, '0'),
      now: wanted.toString(8),
    });
  }
}
