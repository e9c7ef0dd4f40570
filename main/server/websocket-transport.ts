/**
 * MessageTransport over one WebSocket connection (the browser's path to the engine).
 * Text frames carry JSON; a frame that is not JSON is passed on as the raw string so the
 * RPC server answers it with BAD_MESSAGE instead of the transport silently eating it.
 */
import type WebSocket from 'ws';
import type { MessageTransport } from '../../common/protocol';

export interface SendLimits {
  /** above this much unsent data the client's further requests wait (it is not read from) */
  pauseReadingBytes: number;
  /** a client that cannot keep up gets disconnected (it reconnects and resubscribes)
   * rather than letting its unsent stream data grow without bound in this process */
  maxBufferedBytes: number;
}

export const DEFAULT_SEND_LIMITS: SendLimits = {
  pauseReadingBytes: 1024 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
};

export function createWebSocketTransport(
  socket: WebSocket,
  limits: SendLimits = DEFAULT_SEND_LIMITS,
): MessageTransport {
  const messageListeners = new Set<(message: unknown) => void>();
  const closeListeners = new Set<() => void>();

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      for (const listener of messageListeners) listener('<binary frame>');
      return;
    }
    const text = data.toString();
    let message: unknown = text;
    try {
      message = JSON.parse(text);
    } catch {
      // left as the raw string: the RPC layer rejects it with a typed error
    }
    for (const listener of messageListeners) listener(message);
  });
  socket.on('close', () => {
    for (const listener of closeListeners) listener();
    messageListeners.clear();
    closeListeners.clear();
  });
  // errors are followed by 'close'; the listener only stops ws from throwing
  socket.on('error', () => {});

  // backpressure: a client that sends requests faster than it reads the answers is not
  // read from until its answers have drained, so it cannot make this process buffer them
  let pausedByUs = false;
  const resumeIfDrained = () => {
    if (pausedByUs && socket.bufferedAmount <= limits.pauseReadingBytes / 2) {
      pausedByUs = false;
      socket.resume();
    }
  };

  return {
    send(message) {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > limits.maxBufferedBytes) {
        socket.close(1013, 'client too slow');
        return;
      }
      socket.send(JSON.stringify(message), resumeIfDrained);
      if (!pausedByUs && socket.bufferedAmount > limits.pauseReadingBytes) {
        pausedByUs = true;
        socket.pause();
      }
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close() {
      socket.close(1000);
    },
  };
}
