/**
 * The few GATT operations provisioning needs (read, write, subscribe) over a connected
 * noble peripheral, each with a timeout, each failing with the link's end when the
 * peripheral disconnects mid-operation. Only the services asked for are discovered, so
 * the BLE connector's own subscriptions on other services are left alone.
 */
import type { NobleCharacteristic, NoblePeripheral, NobleService } from '../connectors/ble/ble-connector';

export interface GattPort {
  has(service: string, characteristic: string): boolean;
  read(service: string, characteristic: string, timeoutMs: number): Promise<Uint8Array>;
  write(service: string, characteristic: string, data: Uint8Array, timeoutMs: number): Promise<void>;
  /** resolves to an unsubscribe function */
  subscribe(
    service: string,
    characteristic: string,
    listener: (data: Uint8Array) => void,
    timeoutMs: number,
  ): Promise<() => void>;
  /** largest value one write may carry (ATT MTU - 3) */
  maxWrite(): number;
  closedReason(): string | null;
  onClose(listener: (reason: string) => void): () => void;
  /** drops this port's listeners; the peripheral stays connected (its owner decides) */
  release(): void;
}

export class GattError extends Error {
  override readonly name = 'GattError';
  constructor(
    readonly kind: 'timeout' | 'link' | 'gatt',
    message: string,
  ) {
    super(message);
  }
}

/** noble spells 128-bit UUIDs lowercase without dashes, 16-bit ones as 4 hex digits */
export function nobleUuid(uuid: string): string {
  return uuid.toLowerCase().replace(/-/g, '').replace(/^0x/, '');
}

const DISCONNECT_REASONS: Record<number, string> = {
  8: 'connection timeout: the device went out of range',
  19: 'the device ended the connection',
  22: 'the connection was closed by this computer',
  62: 'the connection could not be established',
};

function describeDisconnect(reason: unknown): string {
  if (typeof reason === 'number')
    return DISCONNECT_REASONS[reason] ?? `Bluetooth link lost (reason 0x${reason.toString(16)})`;
  return 'Bluetooth link lost';
}

function cb<T>(
  what: string,
  timeoutMs: number,
  port: { closedReason(): string | null; onClose(l: (r: string) => void): () => void },
  start: (done: (error: unknown, value?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const closed = port.closedReason();
    if (closed !== null) return reject(new GattError('link', `${what}: ${closed}`));
    let settled = false;
    const finish = (error: unknown, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      offClose();
      if (error instanceof GattError) reject(error);
      else if (error)
        reject(new GattError('gatt', `${what}: ${error instanceof Error ? error.message : String(error)}`));
      else resolve(value as T);
    };
    const timer = setTimeout(
      () => finish(new GattError('timeout', `${what}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const offClose = port.onClose((reason) => finish(new GattError('link', `${what}: ${reason}`)));
    try {
      start(finish);
    } catch (e) {
      finish(e);
    }
  });
}

/**
 * Discovers `services` (and their characteristics) on a connected peripheral. A service the
 * device does not have is simply absent: `has()` tells the caller.
 */
export async function gattPortFromNoble(
  peripheral: NoblePeripheral,
  services: string[],
  timeoutMs = 10_000,
): Promise<GattPort> {
  const characteristics = new Map<string, NobleCharacteristic>();
  const closeListeners = new Set<(reason: string) => void>();
  const cleanups: (() => void)[] = [];
  let closed: string | null =
    peripheral.state === 'connected' ? null : `the peripheral is ${peripheral.state}`;
  const onDisconnect = (reason: unknown) => {
    if (closed !== null) return;
    closed = describeDisconnect(reason);
    for (const l of [...closeListeners]) {
      try {
        l(closed);
      } catch {
        // a listener's failure must not hide the others
      }
    }
  };
  peripheral.on('disconnect', onDisconnect);
  const key = (s: string, c: string) => `${nobleUuid(s)}/${nobleUuid(c)}`;

  const port: GattPort = {
    has: (s, c) => characteristics.has(key(s, c)),
    closedReason: () => closed,
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    maxWrite() {
      const mtu = (peripheral as { mtu?: unknown }).mtu;
      return typeof mtu === 'number' && mtu > 23 ? Math.min(512, mtu - 3) : 20;
    },
    read(s, c, ms) {
      const ch = characteristics.get(key(s, c));
      if (!ch) return Promise.reject(new GattError('gatt', `no characteristic ${c}`));
      return cb<Buffer>(`read ${c}`, ms, port, (done) => ch.read(done)).then((d) =>
        d instanceof Uint8Array ? new Uint8Array(d) : new Uint8Array(0),
      );
    },
    write(s, c, data, ms) {
      const ch = characteristics.get(key(s, c));
      if (!ch) return Promise.reject(new GattError('gatt', `no characteristic ${c}`));
      const withoutResponse =
        !ch.properties.includes('write') && ch.properties.includes('writeWithoutResponse');
      return cb<void>(`write ${c}`, ms, port, (done) => ch.write(Buffer.from(data), withoutResponse, done));
    },
    async subscribe(s, c, listener, ms) {
      const ch = characteristics.get(key(s, c));
      if (!ch) throw new GattError('gatt', `no characteristic ${c}`);
      const onData = (data: unknown, isNotification: unknown) => {
        if (isNotification === false || !(data instanceof Uint8Array)) return;
        try {
          listener(new Uint8Array(data));
        } catch {
          // a listener's failure must not reach noble's emitter
        }
      };
      ch.on('data', onData);
      const off = () => ch.removeListener('data', onData);
      cleanups.push(off);
      try {
        await cb<void>(`subscribe ${c}`, ms, port, (done) => ch.subscribe(done));
      } catch (e) {
        off();
        throw e;
      }
      return off;
    },
    release() {
      peripheral.removeListener('disconnect', onDisconnect);
      for (const c of cleanups.splice(0)) c();
      closeListeners.clear();
    },
  };

  const wanted = services.map(nobleUuid);
  const found = await cb<NobleService[]>('discover services', timeoutMs, port, (done) =>
    peripheral.discoverServices(wanted, done),
  );
  for (const service of found ?? []) {
    if (!wanted.includes(nobleUuid(service.uuid))) continue;
    const chars = await cb<NobleCharacteristic[]>('discover characteristics', timeoutMs, port, (done) =>
      service.discoverCharacteristics([], done),
    );
    for (const c of (chars ?? []).slice(0, 32)) characteristics.set(key(service.uuid, c.uuid), c);
  }
  return port;
}
