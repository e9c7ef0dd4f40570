/**
 * Who is at the keyboard: asked once, kept by the engine, recorded as the actor of every
 * registry change and on commissioning reports. Loaded on every (re)connect.
 */
import { create } from 'zustand';
import type { RpcClient } from '../rpc/client';

export interface OperatorStore {
  /** '' when nobody has said yet; null until the engine answered */
  name: string | null;
  error: string | null;
}

export const useOperator = create<OperatorStore>(() => ({ name: null, error: null }));

export function startOperatorSync(client: RpcClient): () => void {
  const load = () =>
    client.request('operator.get').then(
      ({ name }) => useOperator.setState({ name, error: null }),
      (error: Error & { code?: string }) => {
        if (error.code !== 'CLOSED') useOperator.setState({ error: error.message });
      },
    );
  const stop = client.onStatus((status) => {
    if (status.state === 'connected') void load();
  });
  if (client.getStatus().state === 'connected') void load();
  return stop;
}

export async function setOperator(client: RpcClient, name: string): Promise<void> {
  const answer = await client.request('operator.set', { name });
  useOperator.setState({ name: answer.name, error: null });
}
