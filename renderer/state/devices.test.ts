import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { DeviceSummary } from '../../common/contract';
import { RpcClient } from '../rpc/client';
import { type FakeRequest, FakeTransport } from '../rpc/fake-transport';
import { mergeDevices, startDeviceSync, useDevices } from './devices';

function device(id: string, name: string, readings = 0): DeviceSummary {
  return {
    id,
    name,
    kind: 'pump',
    profile: 'pump',
    transport: 'mqtt',
    connectorId: 'mqtt-1',
    state: 'online',
    lastSeen: null,
    metrics: [],
    counters: { readings, duplicates: 0, flagged: 0, nulls: 0, outOfRange: 0, suspect: 0 },
    clockSkewMs: null,
    clockSuspect: false,
  };
}

describe('mergeDevices', () => {
  test('replaces changed devices by id, adds new ones, keeps natural name order', () => {
    const p2 = device('p2', 'Pump 2');
    const p10 = device('p10', 'Pump 10');
    const merged = mergeDevices([p2, p10], [device('p10', 'Pump 10', 5), device('p1', 'pump 1')]);
    expect(merged.map((d) => d.id)).toEqual(['p1', 'p2', 'p10']);
    expect(merged[2]?.counters.readings).toBe(5);
    expect(merged[1]).toBe(p2); // unchanged rows keep their identity (no needless re-render)
  });

  test('an empty change is no change', () => {
    const list = [device('a', 'A')];
    expect(mergeDevices(list, [])).toBe(list);
  });
});

describe('device sync', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    useDevices.setState({ devices: [], loaded: false, error: null });
  });
  afterEach(() => vi.useRealTimers());

  test('loads the list on every connection and merges changes in between', async () => {
    const transports: FakeTransport[] = [];
    let listed = [device('a', 'Alpha'), device('b', 'Bravo')];
    const client = new RpcClient({
      connect: async () => {
        const t = new FakeTransport();
        t.responder = (req: FakeRequest) => {
          if (req.method === 'devices.list') return { id: req.id, result: listed };
          if (req.method === 'stream.subscribe') return { id: req.id, result: { sub: 1 } };
          return undefined;
        };
        transports.push(t);
        return t;
      },
      random: () => 0.5,
    });
    const stop = startDeviceSync(client);
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(useDevices.getState()).toMatchObject({ loaded: true });
    expect(useDevices.getState().devices.map((d) => d.name)).toEqual(['Alpha', 'Bravo']);

    transports[0]?.deliver({ stream: 'devices.changed', sub: 1, data: [device('b', 'Bravo', 9)] });
    expect(useDevices.getState().devices[1]?.counters.readings).toBe(9);

    // reconnect: the list is fetched again, so whatever changed while down is caught up
    listed = [device('a', 'Alpha', 3), device('b', 'Bravo', 12), device('c', 'Charlie')];
    transports[0]?.drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(transports).toHaveLength(2);
    expect(useDevices.getState().devices.map((d) => [d.id, d.counters.readings])).toEqual([
      ['a', 3],
      ['b', 12],
      ['c', 0],
    ]);
    stop();
    client.close();
  });

  test('a device removed on any client leaves the list', async () => {
    let transport: FakeTransport | undefined;
    const subs = new Map<string, number>();
    const client = new RpcClient({
      connect: async () => {
        const t = new FakeTransport();
        t.responder = (req: FakeRequest) => {
          if (req.method === 'devices.list')
            return { id: req.id, result: [device('a', 'Alpha'), device('b', 'Bravo')] };
          if (req.method === 'stream.subscribe') {
            const stream = (req.params as { stream: string }).stream;
            subs.set(stream, subs.size + 1);
            return { id: req.id, result: { sub: subs.get(stream) } };
          }
          return undefined;
        };
        transport = t;
        return t;
      },
      random: () => 0.5,
    });
    const stop = startDeviceSync(client);
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(useDevices.getState().devices.map((d) => d.id)).toEqual(['a', 'b']);
    transport?.deliver({
      stream: 'devices.removed',
      sub: subs.get('devices.removed'),
      data: { deviceIds: ['a'] },
    });
    expect(useDevices.getState().devices.map((d) => d.id)).toEqual(['b']);
    stop();
    client.close();
  });
});
