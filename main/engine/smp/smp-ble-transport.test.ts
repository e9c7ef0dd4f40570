/**
 * SMP over Bluetooth LE: the notification assembler against literal packets, then the
 * unchanged SmpClient over real noble (with-bindings) and the real BLE connector on the
 * simulated BLE adapter, the simulated MCUboot device serving the SMP characteristic.
 */
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type BleConnector, createBleConnector, type NoblePeripheral } from '../connectors/ble/ble-connector';
import type { SimulatedBleBinding } from '../connectors/ble/simulated-binding';
import {
  nobleWithSimulatedBinding,
  quietLogger,
  recordingSink,
  waitFor,
} from '../connectors/ble/test-helpers';
import { gattPortFromNoble } from '../provisioning/gatt-port';
import { buildTestImage, readImageIdentity } from './mcuboot-test-image';
import { SimulatedBleMcuboot, type SimulatedBleMcubootOptions } from './smp-ble-simulated-device';
import {
  blePacketSize,
  openSmpBle,
  openSmpBleTransport,
  SMP_BLE,
  SmpBleError,
  type SmpBleTransportOptions,
  SmpPacketAssembler,
} from './smp-ble-transport';
import { SmpClient } from './smp-client';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

// smp_protocol.rst header (op 3 = write response, v2 → 0x0b) and smp_group_0.rst echo
// response {"r": "hello"}: a1 61 72 65 68656c6c6f, 9 bytes (as the serial vector's answer)
const ECHO_RSP = hex('0b 00 0009 0000 00 00 a1 61 72 65 68656c6c6f');
// MCUmgr parameters response (smp_group_0.rst, command 6, read → op 1, seq 1):
// {"buf_size": 2475, "buf_count": 4} = a2 68 "buf_size" 19 09ab 69 "buf_count" 04
const PARAMS_RSP = hex('09 00 0018 0000 01 06 a2 68 6275665f73697a65 19 09ab 69 6275665f636f756e74 04');

describe('SMP BLE notification assembler', () => {
  it('joins one answer cut into notifications and splits two answers in one', () => {
    const got: Uint8Array[] = [];
    const a = new SmpPacketAssembler((p) => got.push(p));
    // smp_bt_tx_pkt cuts at MTU − 3: at MTU 23 the 32-byte params answer is 20 + 12 bytes
    a.push(PARAMS_RSP.subarray(0, 20));
    expect(got).toEqual([]);
    a.push(PARAMS_RSP.subarray(20));
    a.push(Uint8Array.from([...ECHO_RSP, ...ECHO_RSP.subarray(0, 3)]));
    a.push(ECHO_RSP.subarray(3));
    expect(got).toEqual([PARAMS_RSP, ECHO_RSP, ECHO_RSP]);
  });

  it('drops a notification that cannot start an SMP packet, and a half answer gone stale', () => {
    const got: Uint8Array[] = [];
    let now = 0;
    const a = new SmpPacketAssembler(
      (p) => got.push(p),
      1000,
      () => now,
    );
    a.push(hex('ff ff ff ff ff ff ff ff')); // reserved bits set
    a.push(ECHO_RSP.subarray(0, 10)); // the rest of this answer is lost on air
    now = 5000;
    a.push(ECHO_RSP);
    expect(got).toEqual([ECHO_RSP]);
  });

  it('any notifications yield only whole packets, never a throw, and a later answer still comes through (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }), (chunks) => {
        const got: Uint8Array[] = [];
        let now = 0;
        const a = new SmpPacketAssembler(
          (p) => got.push(p),
          1000,
          () => now,
        );
        for (const c of chunks) a.push(c);
        for (const p of got) expect(p.length).toBe(8 + (((p[2] as number) << 8) | (p[3] as number)));
        got.length = 0;
        now = 10_000; // whatever is half-assembled has gone stale
        a.push(ECHO_RSP);
        expect(got).toEqual([ECHO_RSP]);
      }),
      { numRuns: 2000 },
    );
  });

  it('sizes request packets to whole writes: buf_size 384 at MTU 247 is one 244-byte write', () => {
    expect(blePacketSize(384, 244, 28)).toBe(244);
    // Nordic's suggested CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE for fast BLE DFU
    expect(blePacketSize(2475, 244, 28)).toBe(2440);
    expect(blePacketSize(100, 244, 28)).toBe(100);
    expect(blePacketSize(384, 20, 28)).toBe(380);
  });
});

let binding: SimulatedBleBinding | undefined;
let connector: BleConnector | undefined;
let sim: SimulatedBleMcuboot | undefined;
const releases: (() => void)[] = [];

afterEach(async () => {
  for (const r of releases.splice(0)) r();
  await connector?.stop();
  sim?.stop();
  binding?.close();
  binding = undefined;
  connector = undefined;
  sim = undefined;
});

const oldImage = buildTestImage(new Uint8Array(512).fill(1), { major: 1, minor: 0, revision: 0 });
const newImage = buildTestImage(
  new Uint8Array(64 * 1024).map((_, i) => (i * 7) & 0xff),
  { major: 1, minor: 1, revision: 0 },
);

async function setup(options: Partial<SimulatedBleMcubootOptions> = {}) {
  const n = nobleWithSimulatedBinding({ peripherals: [] });
  binding = n.binding;
  sim = new SimulatedBleMcuboot(binding, {
    address: 'c0:ff:ee:00:20:01',
    initialImage: oldImage,
    bufSize: 2475,
    bufCount: 4,
    rebootMs: 20,
    ...options,
  });
  connector = createBleConnector(
    { id: 'ble-1', autoConnect: false, gattTimeoutMs: 2_000, connectTimeoutMs: 2_000 },
    recordingSink(),
    quietLogger(),
    () => n.noble,
  );
  connector.start();
  const id = sim.peripheralId;
  await waitFor('the device advertising', () => connector?.peripherals().some((p) => p.id === id) ?? false);
  return { id, open: (o: SmpBleTransportOptions = {}) => open(id, o) };
}

async function open(id: string, options: SmpBleTransportOptions = {}) {
  const c = connector as BleConnector;
  const { transport, release } = await openSmpBle(c, id, options);
  const client = new SmpClient(transport, { timeoutMs: 1000 });
  releases.push(() => {
    client.close();
    release();
  });
  return { transport, client };
}

describe('SMP over BLE (simulated BLE adapter)', () => {
  it('echo, MCUmgr parameters and image state (simulated BLE adapter)', async () => {
    const { open } = await setup();
    const { client, transport } = await open();
    expect(transport.writeSize()).toBe(244);
    expect(await client.echo('hello over the air')).toBe('hello over the air');
    expect(await client.mcumgrParams()).toEqual({ bufSize: 2475, bufCount: 4 });
    const [slot0] = await client.imageState();
    expect(slot0).toMatchObject({ slot: 0, version: '1.0.0', active: true, confirmed: true });
  });

  it('uploads in MTU-sized writes, resumes after the link drops, tests, resets, reconnects, confirms (simulated BLE adapter)', async () => {
    const { id, open } = await setup();
    const first = await open();
    // the link drops a quarter of the way through
    let dropped = false;
    const cut = first.client.upload(newImage, {
      onProgress: (p) => {
        if (!dropped && p.offset > newImage.length / 4) {
          dropped = true;
          binding?.outOfRange(id);
        }
      },
    });
    await expect(cut).rejects.toThrow();
    binding?.backInRange(id);
    await waitFor('the link down', () => first.transport.closedReason() !== null);

    const second = await open();
    const offsets: number[] = [];
    const { match } = await second.client.upload(newImage, { onProgress: (p) => offsets.push(p.offset) });
    expect(match).toBe(true);
    // resumed where the device stopped, not from 0
    expect(offsets[0]).toBeGreaterThan(newImage.length / 4);
    expect(sim?.stats.oversizedWrites).toBe(0);
    expect(sim?.stats.droppedPackets).toBe(0);

    const hash = readImageIdentity(newImage)?.hash as Uint8Array;
    const tested = await second.client.testImage(hash);
    expect(tested.find((s) => s.slot === 1)).toMatchObject({ pending: true });
    await second.client.reset();
    // the reset drops the link; the device comes back advertising
    await waitFor('the link dropped by the reset', () => second.transport.closedReason() !== null);
    await waitFor('the device back', () => sim?.device.activeVersion === '1.1.0', 2000);

    const third = await open();
    const after = await third.client.imageState();
    expect(after.find((s) => s.slot === 0)).toMatchObject({
      version: '1.1.0',
      active: true,
      confirmed: false,
    });
    const confirmed = await third.client.confirm();
    expect(confirmed.find((s) => s.slot === 0)).toMatchObject({ version: '1.1.0', confirmed: true });
  });

  it('works at the minimum MTU of 23, the request cut into 20-byte writes (simulated BLE adapter)', async () => {
    const { open } = await setup({ mtu: 23, bufSize: 384 });
    const { client, transport } = await open();
    expect(transport.writeSize()).toBe(20);
    expect(await client.echo('short')).toBe('short');
    const small = buildTestImage(new Uint8Array(3000).fill(9), { major: 1, minor: 2, revision: 0 });
    expect((await client.upload(small)).match).toBe(true);
    expect(sim?.stats.oversizedWrites).toBe(0);
    expect(sim?.stats.droppedPackets).toBe(0);
  });

  it('with a device that does not reassemble, every request fits one write (simulated BLE adapter)', async () => {
    const { open } = await setup({ reassembly: false, bufSize: 2475 });
    const { client } = await open({ reassembly: false });
    const small = buildTestImage(new Uint8Array(3000).fill(9), { major: 1, minor: 2, revision: 0 });
    // the device takes each write as a packet: a request cut in two would be answered EINVAL
    expect((await client.upload(small)).match).toBe(true);
    expect(sim?.stats.droppedPackets).toBe(0);
    expect(sim?.stats.oversizedWrites).toBe(0);
  });

  it('a peripheral without the SMP service is a clear error (simulated BLE adapter)', async () => {
    const { open } = await setup();
    const plainId = binding?.addPeripheral({ address: 'c0:ff:ee:00:20:02', name: 'Sensor' }) as string;
    await waitFor(
      'the sensor advertising',
      () => connector?.peripherals().some((p) => p.id === plainId) ?? false,
    );
    await open(); // the MCUboot device still works beside it
    const failure = await openSmpBle(connector as BleConnector, plainId).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SmpBleError);
    expect(failure).toMatchObject({ kind: 'no-smp-service' });
  });

  it('a request on a dropped link fails as disconnected, not as a hang (simulated BLE adapter)', async () => {
    const { id, open } = await setup();
    const { client, transport } = await open();
    binding?.outOfRange(id);
    await waitFor('the link down', () => transport.closedReason() !== null);
    const failure = await client.echo('anyone?').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SmpBleError);
    expect(failure).toMatchObject({ kind: 'disconnected' });
  });

  it('a write the adapter never confirms fails as a timeout (simulated BLE adapter)', async () => {
    // a stand-in for noble's peripheral whose SMP characteristic takes writes and never calls back
    const characteristic = Object.assign(new EventEmitter(), {
      uuid: SMP_BLE.characteristic.replace(/-/g, ''),
      properties: ['writeWithoutResponse', 'notify'],
      read() {},
      write() {},
      subscribe: (cb?: (e: unknown) => void) => cb?.(null),
      unsubscribe: (cb?: (e: unknown) => void) => cb?.(null),
    });
    const service = Object.assign(new EventEmitter(), {
      uuid: SMP_BLE.service.replace(/-/g, ''),
      characteristics: null,
      discoverCharacteristics: (_u: string[], cb?: (e: unknown, c?: unknown[]) => void) =>
        cb?.(null, [characteristic]),
    });
    const peripheral = Object.assign(new EventEmitter(), {
      id: 'stuck',
      address: 'c0:ff:ee:00:20:09',
      advertisement: {},
      rssi: -60,
      state: 'connected',
      mtu: 247,
      connect() {},
      disconnect() {},
      discoverServices: (_u: string[], cb?: (e: unknown, s?: unknown[]) => void) => cb?.(null, [service]),
    });
    const port = await gattPortFromNoble(peripheral as unknown as NoblePeripheral, [SMP_BLE.service], 500);
    const transport = await openSmpBleTransport(port, { writeTimeoutMs: 100 });
    const failure = await new SmpClient(transport, { timeoutMs: 1000 })
      .echo('hello?')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SmpBleError);
    expect(failure).toMatchObject({ kind: 'timeout' });
    transport.close();
    port.release();
  });
});
