import { afterEach, describe, expect, test, vi } from 'vitest';
import type { MessageTransport } from '../../common/protocol';
import {
  createEnginePortConnector,
  ENGINE_RESTARTED,
  NO_ENGINE_MESSAGE,
  PORT_DELIVERY,
  PORT_REQUEST,
  type PortDeliveryEvent,
  type PortHostWindow,
} from './message-port-transport';

/** A window stand-in: records what the page posts, lets the test play the preload. */
function fakeWindow() {
  const listeners: ((event: PortDeliveryEvent) => void)[] = [];
  const posted: unknown[] = [];
  const win: PortHostWindow & { posted: unknown[]; preloadSends(event: Partial<PortDeliveryEvent>): void } = {
    posted,
    addEventListener: (_type, listener) => listeners.push(listener),
    postMessage: (message) => posted.push(message),
    preloadSends(event) {
      for (const listener of listeners) listener({ data: PORT_DELIVERY, ports: [], source: win, ...event });
    },
  };
  return win;
}

const channels: MessageChannel[] = [];
function channel(): MessageChannel {
  const c = new MessageChannel();
  channels.push(c);
  return c;
}

afterEach(() => {
  vi.useRealTimers();
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function nextMessage(port: MessagePort): Promise<unknown> {
  return new Promise((resolve) => {
    port.addEventListener('message', (event) => resolve(event.data), { once: true });
    port.start();
  });
}

describe('the MessagePort path (desktop app)', () => {
  test('asks the preload for a port and talks structured clones over it', async () => {
    const win = fakeWindow();
    const connect = createEnginePortConnector(win);
    const pending = connect();
    expect(win.posted).toEqual([PORT_REQUEST]);

    const { port1: pagePort, port2: enginePort } = channel();
    win.preloadSends({ ports: [pagePort] });
    const transport = await pending;

    const toEngine = nextMessage(enginePort);
    transport.send({ id: 1, method: 'engine.info' });
    expect(await toEngine).toEqual({ id: 1, method: 'engine.info' });

    const toPage = new Promise<unknown>((resolve) => transport.onMessage(resolve));
    enginePort.postMessage({ id: 1, result: { ts: [1, 2] } });
    expect(await toPage).toEqual({ id: 1, result: { ts: [1, 2] } });
    transport.close();
  });

  test('ignores port messages from anything but its own window', async () => {
    vi.useFakeTimers();
    const win = fakeWindow();
    const pending = createEnginePortConnector(win)().catch((e: Error) => e);
    win.preloadSends({ ports: [channel().port1], source: { not: 'the window' } });
    win.preloadSends({ ports: [channel().port1], data: 'something-else' });
    await vi.advanceTimersByTimeAsync(3000);
    expect(await pending).toMatchObject({ message: NO_ENGINE_MESSAGE });
  });

  test('without a preload it gives up after ~3 s with the message the user needs', async () => {
    vi.useFakeTimers();
    const win = fakeWindow();
    const pending = createEnginePortConnector(win)().catch((e: Error) => e);
    await vi.advanceTimersByTimeAsync(2999);
    await vi.advanceTimersByTimeAsync(1);
    const error = await pending;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/npm run serve.*npm start/);
  });

  test('a port that arrives unasked replaces the current connection', async () => {
    const win = fakeWindow();
    const connect = createEnginePortConnector(win);
    const first = connect();
    win.preloadSends({ ports: [channel().port1] });
    const transport: MessageTransport = await first;
    const closed = vi.fn();
    transport.onClose(closed);

    const replacement = channel();
    win.preloadSends({ ports: [replacement.port1] });
    expect(closed).toHaveBeenCalledOnce();

    // the reconnect takes the waiting port without asking again
    const posted = win.posted.length;
    const second = await connect();
    expect(win.posted).toHaveLength(posted);
    const toEngine = nextMessage(replacement.port2);
    second.send({ id: 2, method: 'devices.list' });
    expect(await toEngine).toEqual({ id: 2, method: 'devices.list' });
    second.close();
  });

  test("the shell's engine-restarted notice closes the current connection", async () => {
    const win = fakeWindow();
    const connect = createEnginePortConnector(win);
    const first = connect();
    win.preloadSends({ ports: [channel().port1] });
    const transport = await first;
    const closed = vi.fn();
    transport.onClose(closed);
    win.preloadSends({ data: ENGINE_RESTARTED, source: { not: 'the window' } });
    expect(closed).not.toHaveBeenCalled();
    win.preloadSends({ data: ENGINE_RESTARTED });
    expect(closed).toHaveBeenCalledOnce();
  });
});
