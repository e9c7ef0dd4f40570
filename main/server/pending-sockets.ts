/**
 * Sockets that have not (yet) become an RPC connection: page loads, upgrades in progress,
 * and idlers. Capped in total so they cannot exhaust the process, and per address so one
 * client cannot take every slot and keep the others out.
 */
import type { Socket } from 'node:net';
import { addressKey } from './token-attempt-limiter';

export function createPendingSockets(maxTotal: number, maxPerAddress: number) {
  const sockets = new Map<Socket, string>();
  const perAddress = new Map<string, number>();

  function release(socket: Socket): void {
    const key = sockets.get(socket);
    if (key === undefined) return;
    sockets.delete(socket);
    const left = (perAddress.get(key) ?? 1) - 1;
    if (left > 0) perAddress.set(key, left);
    else perAddress.delete(key);
  }

  return {
    /** counts the socket until it closes or is released; the reason when it is refused */
    admit(socket: Socket): 'ok' | 'too many' | 'too many from this address' {
      const key = addressKey(socket.remoteAddress);
      const fromAddress = perAddress.get(key) ?? 0;
      if (sockets.size >= maxTotal) return 'too many';
      if (fromAddress >= maxPerAddress) return 'too many from this address';
      sockets.set(socket, key);
      perAddress.set(key, fromAddress + 1);
      socket.once('close', () => release(socket));
      return 'ok';
    },
    /** it became an RPC connection, counted by the WebSocket cap instead */
    release,
  };
}
