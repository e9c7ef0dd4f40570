import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMessagePortTransport, type MessagePortLike } from './message-port-transport';

/** Node's MessagePort hands listeners the data itself; Electron's MessagePortMain hands
 * them a MessageEvent ({data, ports}). This shim gives a real Node port Electron's shape. */
function electronShaped(port: MessagePort): MessagePortLike {
  return {
    on(event: 'message' | 'close', listener: (event: { data: unknown }) => void) {
      if (event === 'message') port.on('message', (data: unknown) => listener({ data }));
      else port.on('close', () => (listener as () => void)());
      return this;
    },
    start: () => port.start(),
    postMessage: (message) => port.postMessage(message),
    close: () => port.close(),
  } as MessagePortLike;
}

function nextMessage(port: MessagePort): Promise<unknown> {
  return new Promise((resolve) => port.once('message', resolve));
}

const open: MessagePort[] = [];
function channel() {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  return { port1, port2 };
}

afterEach(() => {
  for (const port of open.splice(0)) port.close();
});

describe('createMessagePortTransport', () => {
  it('delivers messages both ways by structured clone, not JSON', async () => {
    const { port1, port2 } = channel();
    const transport = createMessagePortTransport(electronShaped(port1));

    const received = new Promise<unknown>((resolve) => transport.onMessage(resolve));
    const incoming = {
      id: 1,
      method: 'readings.query',
      params: { from: new Date(5), values: new Float64Array([1.5, Number.NaN]) },
    };
    port2.postMessage(incoming);
    const got = (await received) as typeof incoming;
    expect(got.params.from).toBeInstanceOf(Date);
    expect(got.params.values).toBeInstanceOf(Float64Array);
    expect(Number.isNaN(got.params.values[1])).toBe(true);

    const outgoing = nextMessage(port2);
    transport.send({ stream: 'readings.live', sub: 3, data: new Map([['a', 1n]]) });
    const sent = (await outgoing) as { data: Map<string, bigint> };
    // JSON would have thrown on the bigint and flattened the Map to {}
    expect(sent.data).toBeInstanceOf(Map);
    expect(sent.data.get('a')).toBe(1n);
  });

  it('reports the other end closing, once, and then stops delivering', async () => {
    const { port1, port2 } = channel();
    const transport = createMessagePortTransport(electronShaped(port1));
    const onClose = vi.fn();
    const onMessage = vi.fn();
    transport.onClose(onClose);
    transport.onMessage(onMessage);

    const closed = new Promise<void>((resolve) => transport.onClose(resolve));
    port2.close();
    await closed;
    expect(onClose).toHaveBeenCalledTimes(1);
    // sending after close is a no-op, not a throw
    expect(() => transport.send({ id: 1, result: null })).not.toThrow();
    // a listener added after the close hears about it straight away
    const late = vi.fn();
    transport.onClose(late);
    expect(late).toHaveBeenCalledTimes(1);
    expect(onMessage).not.toHaveBeenCalled();
  });

  it('close() closes the port, tells the listeners once and the other end notices', async () => {
    const { port1, port2 } = channel();
    const transport = createMessagePortTransport(electronShaped(port1));
    const onClose = vi.fn();
    transport.onClose(onClose);
    const otherEndClosed = new Promise<void>((resolve) => port2.once('close', () => resolve()));

    transport.close();
    transport.close();
    await otherEndClosed;
    // give the port's own 'close' event a chance to arrive too
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('unsubscribed listeners hear nothing more', async () => {
    const { port1, port2 } = channel();
    const transport = createMessagePortTransport(electronShaped(port1));
    const first = vi.fn();
    const unsubscribe = transport.onMessage(first);
    const second = new Promise<unknown>((resolve) => transport.onMessage(resolve));
    unsubscribe();
    port2.postMessage('hello');
    expect(await second).toBe('hello');
    expect(first).not.toHaveBeenCalled();
  });

  it('starts the port only after its listeners are attached (MessagePortMain queues until start)', () => {
    const calls: string[] = [];
    const fake: MessagePortLike = {
      on(event: string) {
        calls.push(`on:${event}`);
        return fake;
      },
      start: () => calls.push('start'),
      postMessage: () => calls.push('post'),
      close: () => calls.push('close'),
    } as MessagePortLike;
    createMessagePortTransport(fake);
    expect(calls).toEqual(['on:message', 'on:close', 'start']);
  });
});
