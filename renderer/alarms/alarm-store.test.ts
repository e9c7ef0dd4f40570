import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { AlarmInstance } from '../../common/alarm-contract';
import { RpcClient } from '../rpc/client';
import { type FakeRequest, FakeTransport } from '../rpc/fake-transport';
import { alarmFixture as alarm } from './alarm-fixture';
import { startAlarmSync, useAlarms } from './alarm-store';

describe('alarm sync', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    useAlarms.setState({ alarms: [], loaded: false, error: null });
  });
  afterEach(() => vi.useRealTimers());

  function client(listed: () => AlarmInstance[] | Error, transports: FakeTransport[]) {
    return new RpcClient({
      connect: async () => {
        const t = new FakeTransport();
        t.responder = (req: FakeRequest) => {
          if (req.method === 'alarms.list') {
            const list = listed();
            return list instanceof Error
              ? { id: req.id, error: { code: 'INTERNAL', message: list.message } }
              : { id: req.id, result: list };
          }
          if (req.method === 'stream.subscribe') return { id: req.id, result: { sub: 7 } };
          return undefined;
        };
        transports.push(t);
        return t;
      },
      random: () => 0.5,
    });
  }

  test('lists on every connection, in list order, and follows alarms.changed', async () => {
    const transports: FakeTransport[] = [];
    let listed = [
      alarm('low', { severity: 'info' }),
      alarm('back', { state: 'normal' }),
      alarm('hot', { severity: 'critical' }),
    ];
    const c = client(() => listed, transports);
    const stop = startAlarmSync(c);
    c.start();
    await vi.advanceTimersByTimeAsync(0);
    // a normal instance (includeNormal is off, but an engine may still send one) is not listed
    expect(useAlarms.getState()).toMatchObject({ loaded: true, error: null });
    expect(useAlarms.getState().alarms.map((a) => a.key)).toEqual(['hot', 'low']);

    transports[0]?.deliver({
      stream: 'alarms.changed',
      sub: 7,
      data: [
        alarm('hot', { state: 'normal' }),
        alarm('new', { severity: 'high' }),
        alarm('low', { state: 'active_ack' }),
      ],
    });
    expect(useAlarms.getState().alarms.map((a) => [a.key, a.state])).toEqual([
      ['new', 'active_unack'],
      ['low', 'active_ack'],
    ]);

    // whatever changed while the link was down comes with the next list
    listed = [alarm('late', { state: 'rtn_unack' })];
    transports[0]?.drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(transports).toHaveLength(2);
    expect(useAlarms.getState().alarms.map((a) => a.key)).toEqual(['late']);
    stop();
    c.close();
  });

  test('a failed load is an error the page can show, not an empty list', async () => {
    const transports: FakeTransport[] = [];
    const c = client(() => new Error('the alarm store is unavailable'), transports);
    const stop = startAlarmSync(c);
    c.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(useAlarms.getState()).toMatchObject({ loaded: false, error: 'the alarm store is unavailable' });
    stop();
    c.close();
  });
});
