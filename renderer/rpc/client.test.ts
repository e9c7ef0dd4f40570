import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { DeviceSummary, LiveBatch } from '../../common/contract';
import { type ConnectionState, RpcClient, RpcError } from './client';
import { type FakeRequest, FakeTransport } from './fake-transport';

const device: DeviceSummary = {
  id: 'th-01',
  name: 'Boiler room',
  kind: 'temperature/humidity',
  profile: 'th-sensor',
  transport: 'serial',
  connectorId: 'serial-1',
  state: 'online',
  lastSeen: 1_700_000_000_000,
  metrics: [{ name: 'temperature', unit: '°C', min: -40, max: 125, last: null }],
  counters: { readings: 10, duplicates: 1, flagged: 0, nulls: 0, outOfRange: 0, suspect: 0 },
  clockSkewMs: null,
  clockSuspect: false,
};

const batch: LiveBatch = {
  series: [{ deviceId: 'th-01', metric: 'temperature', ts: [1, 2], values: [20.5, null], quality: [0, 1] }],
};

/** A scripted engine: answers what the tests need, numbers streams from 1 per connection. */
function engineResponder(overrides: Record<string, (req: FakeRequest) => unknown> = {}) {
  let nextSub = 1;
  return (req: FakeRequest): unknown => {
    const override = overrides[req.method];
    if (override) return override(req);
    switch (req.method) {
      case 'devices.list':
        return { id: req.id, result: [device] };
      case 'stream.subscribe':
        return { id: req.id, result: { sub: nextSub++ } };
      case 'stream.unsubscribe':
        return { id: req.id, result: { ok: true } };
      default:
        return { id: req.id, error: { code: 'UNKNOWN_METHOD', message: `unknown method "${req.method}"` } };
    }
  };
}

function setup(overrides?: Record<string, (req: FakeRequest) => unknown>) {
  const transports: FakeTransport[] = [];
  const problems: string[] = [];
  const states: ConnectionState[] = [];
  const control = { refuse: false };
  const client = new RpcClient({
    connect: async () => {
      if (control.refuse) throw new Error('engine unreachable');
      const transport = new FakeTransport();
      transport.responder = engineResponder(overrides);
      transports.push(transport);
      return transport;
    },
    random: () => 0.5,
    onProtocolError: (problem) => problems.push(problem),
  });
  client.onStatus((status) => states.push(status.state));
  const current = () => {
    const transport = transports.at(-1);
    if (!transport) throw new Error('no transport yet');
    return transport;
  };
  return { client, transports, problems, states, control, current };
}

/** runs pending microtasks and due timers */
const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('requests', () => {
  test('resolve with the result, validated against the contract', async () => {
    const { client, current } = setup();
    client.start();
    await settle();
    const devices = await client.request('devices.list');
    expect(devices).toEqual([device]);
    expect(current().requests('devices.list')).toHaveLength(1);
  });

  test('a malformed result rejects with a typed INVALID_RESULT error', async () => {
    const { client } = setup({
      'devices.list': (req) => ({ id: req.id, result: [{ ...device, state: 'exploded' }] }),
    });
    client.start();
    await settle();
    const error = await client.request('devices.list').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe('INVALID_RESULT');
    expect((error as RpcError).message).toMatch(/devices\.list/);
  });

  test("the engine's errors arrive as RpcError with their code and message", async () => {
    const { client } = setup({
      'devices.get': (req) => ({ id: req.id, error: { code: 'NOT_FOUND', message: 'no device nope' } }),
    });
    client.start();
    await settle();
    const error = await client.request('devices.get', { deviceId: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'no device nope' });
  });

  test('an error code this client does not know still rejects, as INTERNAL', async () => {
    const { client } = setup({
      'engine.info': (req) => ({ id: req.id, error: { code: 'SHINY_NEW_CODE', message: 'from the future' } }),
    });
    client.start();
    await settle();
    await expect(client.request('engine.info')).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'from the future',
    });
  });

  test('params outside the contract are refused before anything is sent', async () => {
    const { client, current } = setup();
    client.start();
    await settle();
    const error = await client
      // @ts-expect-error deviceId must be a string: the point of the test
      .request('readings.query', { deviceId: 42, metric: 'x', from: 0, to: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_PARAMS' });
    expect(current().requests('readings.query')).toHaveLength(0);
  });

  test('a request with no answer times out with a typed TIMEOUT error', async () => {
    const { client } = setup({ 'engine.info': () => undefined });
    client.start();
    await settle();
    const outcome = client.request('engine.info').catch((e: unknown) => e);
    await settle(14_999);
    let done = false;
    void outcome.then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false);
    await settle(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe('TIMEOUT');
  });

  test('a method the contract marks as slow waits as long as the contract says (rotation: 2 min)', async () => {
    const { client } = setup({ 'commissioning.rotateCredentials': () => undefined });
    client.start();
    await settle();
    const link = { kind: 'serial' as const, path: '/dev/ttyUSB0' };
    const outcome = client
      .request('commissioning.rotateCredentials', { deviceId: 'd1', link })
      .catch((e: unknown) => e);
    let done = false;
    void outcome.then(() => {
      done = true;
    });
    await settle(60_000);
    expect(done).toBe(false);
    await settle(60_000);
    expect(await outcome).toMatchObject({ code: 'TIMEOUT' });
  });

  test('a late answer after a timeout is ignored', async () => {
    const { client, current } = setup({ 'engine.info': () => undefined });
    client.start();
    await settle();
    const outcome = client.request('engine.info').catch((e: unknown) => e);
    await settle(15_000);
    const id = current().requests('engine.info')[0]?.id;
    current().deliver({ id, result: { nonsense: true } });
    expect(await outcome).toMatchObject({ code: 'TIMEOUT' });
  });

  test('requests made before the connection opens wait for it', async () => {
    const { client, current } = setup();
    const devices = client.request('devices.list');
    client.start();
    await settle();
    await expect(devices).resolves.toEqual([device]);
    expect(current().requests('devices.list')).toHaveLength(1);
  });
});

describe('streams', () => {
  test('data is validated and delivered; invalid data is dropped and reported', async () => {
    const { client, current, problems } = setup();
    client.start();
    await settle();
    const received: LiveBatch[] = [];
    client.subscribe('readings.live', { deviceIds: ['th-01'] }, (data) => received.push(data));
    await settle();
    const subscribeReq = current().requests('stream.subscribe')[0];
    expect(subscribeReq?.params).toEqual({ stream: 'readings.live', params: { deviceIds: ['th-01'] } });

    current().deliver({ stream: 'readings.live', sub: 1, data: batch });
    current().deliver({ stream: 'readings.live', sub: 1, data: { series: [{ deviceId: 'th-01' }] } });
    current().deliver({ stream: 'readings.live', sub: 1, data: 'garbage' });
    current().deliver({ stream: 'readings.live', sub: 1, data: batch });

    expect(received).toEqual([batch, batch]);
    expect(problems.filter((p) => p.includes('invalid readings.live data'))).toHaveLength(2);
  });

  test('data that overtakes the answer to stream.subscribe is not lost', async () => {
    const { client, current } = setup({ 'stream.subscribe': () => undefined });
    client.start();
    await settle();
    const received: DeviceSummary[][] = [];
    client.subscribe('devices.changed', undefined, (data) => received.push(data));
    await settle();
    const req = current().requests('stream.subscribe')[0]!;
    current().deliver({ stream: 'devices.changed', sub: 7, data: [device] });
    expect(received).toEqual([]);
    current().deliver({ id: req.id, result: { sub: 7 } });
    await settle();
    expect(received).toEqual([[device]]);
  });

  test('unsubscribing closes the stream on the engine and stops delivery', async () => {
    const { client, current } = setup();
    client.start();
    await settle();
    const received: unknown[] = [];
    const stop = client.subscribe('devices.changed', undefined, (data) => received.push(data));
    await settle();
    stop();
    await settle();
    expect(current().requests('stream.unsubscribe')[0]?.params).toEqual({ sub: 1 });
    current().deliver({ stream: 'devices.changed', sub: 1, data: [device] });
    expect(received).toEqual([]);
  });

  test('unsubscribing while the stream is still opening closes it once it is open', async () => {
    const { client, current } = setup();
    client.start();
    await settle();
    const stop = client.subscribe('devices.changed', undefined, () => {});
    stop();
    await settle();
    expect(current().requests('stream.subscribe')).toHaveLength(1);
    expect(current().requests('stream.unsubscribe')[0]?.params).toEqual({ sub: 1 });
  });
});

describe('reconnect', () => {
  test('after the transport closes it reconnects with backoff and reopens every stream', async () => {
    const { client, transports, states, current } = setup();
    client.start();
    await settle();
    const live: LiveBatch[] = [];
    const changes: DeviceSummary[][] = [];
    client.subscribe('readings.live', { deviceIds: ['th-01'] }, (data) => live.push(data));
    client.subscribe('devices.changed', undefined, (data) => changes.push(data));
    const stopped = client.subscribe('connectors.changed', undefined, () => {});
    await settle();
    stopped();
    await settle();
    expect(states).toEqual(['connecting', 'connected']);

    const first = current();
    first.drop();
    expect(client.getStatus()).toMatchObject({ state: 'disconnected', error: expect.any(String) });
    await settle(100);
    expect(transports).toHaveLength(1); // still backing off
    await settle(1000);
    expect(transports).toHaveLength(2);
    expect(states).toEqual(['connecting', 'connected', 'disconnected', 'connecting', 'connected']);

    const second = current();
    const reopened = second.requests('stream.subscribe').map((r) => r.params);
    expect(reopened).toEqual([
      { stream: 'readings.live', params: { deviceIds: ['th-01'] } },
      { stream: 'devices.changed' },
    ]);
    // the new connection numbers streams afresh: sub 1 is readings.live again
    second.deliver({ stream: 'readings.live', sub: 1, data: batch });
    second.deliver({ stream: 'devices.changed', sub: 2, data: [device] });
    expect(live).toEqual([batch]);
    expect(changes).toEqual([[device]]);
  });

  test('a request in flight when the connection drops rejects with CLOSED; queued ones are sent later', async () => {
    const { client, current, transports } = setup({ 'engine.info': () => undefined });
    client.start();
    await settle();
    const inFlight = client.request('engine.info').catch((e: unknown) => e);
    await settle();
    current().drop();
    expect(await inFlight).toMatchObject({ code: 'CLOSED' });

    const queued = client.request('devices.list');
    await settle(2000);
    expect(transports).toHaveLength(2);
    await expect(queued).resolves.toEqual([device]);
  });

  test('refused connections are retried with growing delays, and the reason is kept', async () => {
    const { client, control, transports } = setup();
    control.refuse = true;
    client.start();
    await settle();
    expect(client.getStatus()).toEqual({ state: 'disconnected', error: 'engine unreachable' });
    await settle(60_000);
    expect(transports).toHaveLength(0);
    control.refuse = false;
    await settle(10_000); // the delay is capped
    expect(transports).toHaveLength(1);
    expect(client.getStatus()).toEqual({ state: 'connected', error: null });
  });

  test('close() stops reconnecting and fails waiting requests', async () => {
    const { client, current, transports } = setup({ 'engine.info': () => undefined });
    client.start();
    await settle();
    const waiting = client.request('engine.info').catch((e: unknown) => e);
    client.close();
    expect(await waiting).toMatchObject({ code: 'CLOSED' });
    expect(current().closed).toBe(true);
    await settle(60_000);
    expect(transports).toHaveLength(1);
    await expect(client.request('engine.info')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
