import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { BROWSE_PAYLOAD_BYTES } from '../../../../common/mqtt-browse-contract';
import { BATCH_MESSAGES, createMqttBrowseHandlers, MAX_PENDING_MESSAGES } from './browse-handlers';
import type { BrowseListener } from './topic-browser';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** a connector whose broker the test plays by hand */
function source() {
  let listener: BrowseListener | undefined;
  let stopped = false;
  const connector = {
    id: 'm',
    status: () => {
      throw new Error('unused');
    },
    start() {},
    stop: async () => {},
    browse(_filter: string, l: BrowseListener) {
      listener = l;
      l.state('subscribing');
      return () => {
        stopped = true;
      };
    },
    clearRetained: async () => {},
    ownFilters: () => ['#'],
  };
  return { connector, listener: () => listener!, stopped: () => stopped };
}

type Batch = {
  messages: { topic: string; size: number; payload: string }[];
  dropped: number;
  state: string;
  error: string | null;
};

/** a browse stream on a hand-played source, its batches collected */
function open() {
  const s = source();
  const h = createMqttBrowseHandlers(
    () => s.connector,
    { append: () => {} },
    () => '',
  );
  const batches: Batch[] = [];
  const stop = h.streams['mqtt.browse']({ connectorId: 'm', filter: '#' }, (d) => batches.push(d));
  return { s, batches, stop };
}

describe('mqtt.browse batches', () => {
  test('a burst (retained messages on subscribing) arrives whole, in frames of at most 2,000; past the cap the rest is counted', () => {
    const { s, batches, stop } = open();
    s.listener().state('subscribed');
    const send = (n: number) => {
      for (let i = 0; i < n; i++) {
        s.listener().message({
          topic: `t/${i}`,
          payload: Buffer.from('1'),
          qos: 0,
          retain: true,
          properties: {},
        });
      }
    };
    send(5000);
    vi.advanceTimersByTime(250);
    expect(batches.map((b) => b.messages.length)).toEqual([2000, 2000, 1000]);
    expect(batches.every((b) => b.dropped === 0 && b.state === 'subscribed')).toBe(true);
    // nothing new: nothing sent
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(3);
    batches.length = 0;
    send(MAX_PENDING_MESSAGES + 500);
    vi.advanceTimersByTime(250);
    expect(batches).toHaveLength(MAX_PENDING_MESSAGES / BATCH_MESSAGES);
    expect(batches.at(-1)?.dropped).toBe(500);
    expect(batches.slice(0, -1).every((b) => b.dropped === 0)).toBe(true);
    stop();
    expect(s.stopped()).toBe(true);
  });

  test('a payload is kept up to 64 KiB and its full size recorded', () => {
    const { s, batches, stop } = open();
    s.listener().message({
      topic: 'big',
      payload: Buffer.alloc(1024 * 1024, 0x41),
      qos: 1,
      retain: true,
      properties: {},
    });
    vi.advanceTimersByTime(250);
    const m = batches[0]?.messages[0];
    expect(m?.size).toBe(1024 * 1024);
    expect(Buffer.from(m?.payload ?? '', 'base64').length).toBe(BROWSE_PAYLOAD_BYTES);
    stop();
  });
});

describe('mqtt.browse follows its connector', () => {
  test('an edited connector (a new object) is browsed again; a removed one ends in an error', () => {
    const first = source();
    const second = source();
    let current: unknown = first.connector;
    const h = createMqttBrowseHandlers(
      () => current as never,
      { append: () => {} },
      () => '',
    );
    const batches: Batch[] = [];
    const stop = h.streams['mqtt.browse']({ connectorId: 'm', filter: '#' }, (d) => batches.push(d));
    first.listener().state('subscribed');
    vi.advanceTimersByTime(250);
    current = second.connector;
    vi.advanceTimersByTime(250);
    expect(first.stopped()).toBe(true);
    second
      .listener()
      .message({ topic: 'after/edit', payload: Buffer.from('1'), qos: 0, retain: false, properties: {} });
    vi.advanceTimersByTime(250);
    expect(batches.at(-1)?.messages.map((m) => m.topic)).toEqual(['after/edit']);
    current = undefined;
    vi.advanceTimersByTime(250);
    expect(second.stopped()).toBe(true);
    expect(batches.at(-1)).toMatchObject({ state: 'error', error: 'connector "m" was removed' });
    stop();
  });
});
