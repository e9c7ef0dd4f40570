/**
 * Asks the engine something on a period while connected: once as soon as the link is up
 * (so a panel opened or a reconnect shows current figures at once), then every
 * `intervalMs`. A slow answer is never overlapped by the next ask.
 */
import type { RpcClient } from '../rpc/client';

export interface PollOptions<T> {
  client: Pick<RpcClient, 'getStatus' | 'onStatus'>;
  intervalMs: number;
  ask(): Promise<T>;
  onResult(result: T): void;
  onError(error: Error & { code?: string }): void;
}

export function startPolling<T>(options: PollOptions<T>): () => void {
  let stopped = false;
  let inFlight = false;
  const poll = () => {
    if (stopped || inFlight || options.client.getStatus().state !== 'connected') return;
    inFlight = true;
    options.ask().then(
      (result) => {
        inFlight = false;
        if (!stopped) options.onResult(result);
      },
      (error: Error & { code?: string }) => {
        inFlight = false;
        // CLOSED: the reconnect polls again at once
        if (!stopped && error.code !== 'CLOSED') options.onError(error);
      },
    );
  };
  const timer = setInterval(poll, options.intervalMs);
  const stopStatus = options.client.onStatus((status) => {
    if (status.state === 'connected') poll();
  });
  poll();
  return () => {
    stopped = true;
    clearInterval(timer);
    stopStatus();
  };
}
