/**
 * Log lines for events an attacker can repeat at will (refused tokens, refused hosts).
 * One line per event per attacker would let them fill the disk and bury everything else,
 * so the first of a kind in an interval is logged as it happens and the rest become one
 * summary line at the end of the interval: at most two lines per kind per interval.
 */
import type { Logger } from '../engine/log';

const SAMPLE_ADDRESSES = 5;
const MAX_COUNTED_ADDRESSES = 1000;

interface Pending {
  count: number;
  addresses: Set<string>;
}

export function createSummarizedLog(log: Logger, intervalMs = 60_000) {
  const loggedThisInterval = new Set<string>();
  const suppressed = new Map<string, Pending>();
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    timer = undefined;
    for (const [message, pending] of suppressed) {
      log.warn(`${message} (more in the last ${Math.round(intervalMs / 1000)} s)`, {
        count: pending.count,
        addresses: pending.addresses.size,
        sample: [...pending.addresses].slice(0, SAMPLE_ADDRESSES),
      });
    }
    const active = suppressed.size > 0;
    suppressed.clear();
    loggedThisInterval.clear();
    // an interval with a summary starts another, so a steady attack stays at one line per interval
    if (active) arm();
  }

  function arm(): void {
    timer = setTimeout(flush, intervalMs);
    timer.unref();
  }

  return {
    warn(message: string, remote: string | undefined, fields: Record<string, unknown> = {}): void {
      if (!loggedThisInterval.has(message)) {
        loggedThisInterval.add(message);
        log.warn(message, { remote, ...fields });
        if (!timer) arm();
        return;
      }
      let pending = suppressed.get(message);
      if (!pending) {
        pending = { count: 0, addresses: new Set() };
        suppressed.set(message, pending);
      }
      pending.count += 1;
      if (remote && pending.addresses.size < MAX_COUNTED_ADDRESSES) pending.addresses.add(remote);
    },
    close(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

export type SummarizedLog = ReturnType<typeof createSummarizedLog>;
