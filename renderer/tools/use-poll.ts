/**
 * A React hook around startPolling: asks the engine every `intervalMs` while mounted and
 * connected, and keeps the last answer and the last error. `key` restarts it.
 */
import { useEffect, useState } from 'react';
import { engine } from '../rpc/engine';
import { startPolling } from '../state/poller';

export interface Polled<T> {
  data: T | null;
  error: string | null;
}

export function usePoll<T>(
  ask: () => Promise<T>,
  intervalMs: number,
  key: string,
  enabled = true,
): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: null, error: null });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names everything `ask` reads
  useEffect(() => {
    if (!enabled) return;
    setState({ data: null, error: null });
    return startPolling({
      client: engine(),
      intervalMs,
      ask,
      onResult: (data) => setState({ data, error: null }),
      onError: (error) => setState((s) => ({ data: s.data, error: error.message })),
    });
  }, [key, intervalMs, enabled]);
  return state;
}

/** The message of whatever a request rejected with. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
