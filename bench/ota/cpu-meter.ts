/**
 * CPU time a process has had, from Linux's /proc/<pid>/task/<tid>/schedstat (nanoseconds on a
 * CPU, every thread: the libuv pool that does a serial port's reads and writes, V8's GC
 * helpers). Wall-clock rates swing with whatever else the machine runs; CPU time per byte
 * moves much less, so bench:ota prints both. Undefined where /proc is not there.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function cpuNanoseconds(pid: number): number | undefined {
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

/** CPU time of several processes at once; `since` gives each one's nanoseconds from there. */
export function cpuSnapshot(pids: Record<string, number | undefined>) {
  const at = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? undefined : cpuNanoseconds(pid)]),
  );
  return {
    since(): Record<string, number | undefined> {
      return Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => {
          const before = at[name];
          const now = pid === undefined ? undefined : cpuNanoseconds(pid);
          return [name, before === undefined || now === undefined ? undefined : now - before];
        }),
      );
    },
  };
}
