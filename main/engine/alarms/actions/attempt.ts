/**
 * What one try at an action came to. `retry`: the link is down or did not answer; the
 * runner tries again with backoff until the action expires. Everything else is settled.
 */
export type Attempt =
  | {
      outcome: 'done' | 'dry-run' | 'refused';
      target: string;
      detail: string;
      /**
       * a local write that is the action itself (a delivery queued in the notification
       * outbox): run in the same transaction as the action's log row, so it happens once
       */
      commit?: () => void;
    }
  | { outcome: 'retry'; target: string; detail: string };

export const PUBLISH_TIMEOUT_MS = 5000;

/** a send that takes longer than this counts as failed (and may still arrive: at least once) */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
