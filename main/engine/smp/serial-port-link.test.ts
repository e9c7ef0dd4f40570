/**
 * The serialport link's guard against @serialport/bindings-cpp 13's poller, which starts
 * the fd's poll with only the last event asked for (src/poller.cpp Poller::poll calls
 * uv_poll_start with `events`, not the accumulated `this->events`): a write waiting for
 * "writable" loses its watch when a read then waits for "readable". Seen in bench:ota as
 * an upload stuck for good once 8 KiB frames were in flight. Here the port is a stand-in
 * holding the write callback, so the re-arming can be watched exactly.
 */

import type { SerialPort } from 'serialport';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serialPortLink } from './serial-port-link';

afterEach(() => {
  vi.useRealTimers();
});

function standInPort() {
  const polls: number[] = [];
  const callbacks: ((e?: Error | null) => void)[] = [];
  const port = {
    isOpen: true,
    port: { poller: { poll: (flags: number) => polls.push(flags) } },
    write(_data: Buffer, cb: (e?: Error | null) => void) {
      callbacks.push(cb);
      return true;
    },
    on() {},
    off() {},
  };
  return { port: port as unknown as SerialPort, polls, callbacks };
}

describe('serialport link', () => {
  it('re-arms readable and writable while a write waits, and stops once it is done', async () => {
    vi.useFakeTimers();
    const { port, polls, callbacks } = standInPort();
    const link = serialPortLink(port);
    const first = link.write(new Uint8Array(10));
    const second = link.write(new Uint8Array(10));
    vi.advanceTimersByTime(10);
    expect(polls).toEqual([]); // a write that completes quickly costs nothing
    vi.advanceTimersByTime(50);
    // UV_READABLE | UV_WRITABLE (bindings-cpp poller.js EVENTS)
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(polls)).toEqual(new Set([0b11]));
    callbacks[0]?.();
    vi.advanceTimersByTime(50);
    const whileSecond = polls.length;
    expect(whileSecond).toBeGreaterThan(2); // the second write still waits
    callbacks[1]?.();
    await Promise.all([first, second]);
    vi.advanceTimersByTime(200);
    expect(polls.length).toBe(whileSecond);
  });

  it('passes a write error on and keeps no timer behind', async () => {
    vi.useFakeTimers();
    const { port, polls, callbacks } = standInPort();
    const link = serialPortLink(port);
    const w = link.write(new Uint8Array(1));
    callbacks[0]?.(new Error('port gone'));
    await expect(w).rejects.toThrow('port gone');
    vi.advanceTimersByTime(200);
    expect(polls).toEqual([]);
  });
});
