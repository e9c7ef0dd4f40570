import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => void;

const ipc = vi.hoisted(() => {
  const listeners = new Map<string, (...args: unknown[]) => void>();
  return {
    listeners,
    send: vi.fn(),
    on: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
      listeners.set(channel, listener);
    }),
  };
});

// only ipcRenderer: reaching for contextBridge or anything else would throw here
vi.mock('electron', () => ({ ipcRenderer: { send: ipc.send, on: ipc.on } }));

const globals = globalThis as unknown as {
  addEventListener?: (type: string, listener: Listener) => void;
  postMessage?: (...args: unknown[]) => void;
};
let messageListeners: Listener[] = [];
let postMessage: ReturnType<typeof vi.fn<(...args: unknown[]) => void>>;

beforeEach(async () => {
  messageListeners = [];
  postMessage = vi.fn<(...args: unknown[]) => void>();
  globals.addEventListener = (type, listener) => {
    if (type === 'message') messageListeners.push(listener);
  };
  globals.postMessage = postMessage;
  ipc.send.mockClear();
  ipc.listeners.clear();
  vi.resetModules();
  await import('./index');
});

afterEach(() => {
  delete globals.addEventListener;
  delete globals.postMessage;
});

function pageMessage(data: unknown, source: unknown = globalThis) {
  for (const listener of messageListeners) listener({ data, source });
}

describe('preload', () => {
  it('asks the main process for an engine port when the page requests one', () => {
    expect(messageListeners).toHaveLength(1);
    pageMessage({ type: 'fieldline:request-engine-port' });
    expect(ipc.send).toHaveBeenCalledTimes(1);
    expect(ipc.send).toHaveBeenCalledWith('engine:connect');
    // and again after a port closed: every request is forwarded
    pageMessage({ type: 'fieldline:request-engine-port' });
    expect(ipc.send).toHaveBeenCalledTimes(2);
  });

  it('ignores requests from another window or frame, and other messages', () => {
    const iframe = { postMessage: () => {} };
    pageMessage({ type: 'fieldline:request-engine-port' }, iframe);
    pageMessage({ type: 'fieldline:request-engine-port' }, null);
    pageMessage('fieldline:request-engine-port');
    pageMessage({ type: 'something-else' });
    pageMessage(null);
    pageMessage('fieldline:engine-port'); // its own reply to the page
    expect(ipc.send).not.toHaveBeenCalled();
  });

  it('hands the port from the main process to the page', () => {
    const onPort = ipc.listeners.get('engine:port');
    expect(onPort).toBeTypeOf('function');
    const port = { start() {} };
    onPort?.({ ports: [port] });
    expect(postMessage).toHaveBeenCalledWith('fieldline:engine-port', '*', [port]);
  });

  it('passes on an engine restart', () => {
    ipc.listeners.get('engine:restarted')?.({ ports: [] });
    expect(postMessage).toHaveBeenCalledWith('fieldline:engine-restarted', '*');
  });

  it('listens on no other IPC channel', () => {
    expect([...ipc.listeners.keys()].sort()).toEqual(['engine:port', 'engine:restarted']);
  });
});
