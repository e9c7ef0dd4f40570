/**
 * SMP over Bluetooth LE (Zephyr subsys/mgmt/mcumgr/transport/src/smp_bt.c,
 * doc/services/device_mgmt/smp_transport.rst "BLE (Bluetooth Low Energy)"): one GATT
 * characteristic in the SMP service, requests written to it without response, answers
 * notified on it. No framing: a packet is its 8-byte header plus `Data Length` bytes.
 *
 * - Writes: a request spans as many writes as it needs, each at most
 *   min(ATT MTU − 3, device buf_size); a device built with
 *   CONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY collects them by the header's length
 *   (smp_reassembly_collect). Without it a request must fit one write: pass
 *   `reassembly: false` and packets are capped at one write.
 * - Notifications: smp_bt_tx_pkt cuts an answer into notifications of
 *   bt_gatt_get_mtu() − 3 bytes; they are joined here by the header's length.
 * - Packet size: the whole packet fits the device's buf_size; within that it is cut to
 *   the number of writes that carries the most bytes per write (a 384-byte buf_size at
 *   MTU 247 is one full write, not a full one and a 140-byte one).
 */

import type { BleConnector } from '../connectors/ble/ble-connector';
import { type GattPort, gattPortFromNoble } from '../provisioning/gatt-port';
import { SMP_HEADER_SIZE } from './smp-header';
import type { SmpTransport } from './smp-transport';

/** SMP service and characteristic (smp_bt.h SMP_BT_SVC_UUID_VAL / SMP_BT_CHR_UUID_VAL). */
export const SMP_BLE = {
  service: '8d53dc1d-1db7-4cd3-868b-8a527460aa84',
  characteristic: 'da2e7828-fbce-4e01-ae9e-261174997c48',
} as const;

export type SmpBleErrorKind = 'no-smp-service' | 'disconnected' | 'timeout';

export class SmpBleError extends Error {
  override readonly name = 'SmpBleError';
  constructor(
    readonly kind: SmpBleErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface SmpBleTransportOptions {
  /** the device reassembles a request from several writes (default true) */
  reassembly?: boolean;
  /** one GATT write may take this long before the transport gives up (default 5000) */
  writeTimeoutMs?: number;
  /** a half-received answer older than this is dropped when the next notification arrives (default 2000) */
  staleMs?: number;
}

export interface SmpBleTransport extends SmpTransport {
  /** bytes one write carries: ATT MTU − 3 */
  writeSize(): number;
  /** why the link is down, or null while it is up */
  closedReason(): string | null;
  /** GATT writes made so far (for the bench's bytes-per-write figure) */
  readonly writes: number;
}

/** The request packet size (≤ bufSize) that carries the most bytes per write of `w` bytes. */
export function blePacketSize(bufSize: number, w: number, overhead: number): number {
  let best = Math.min(bufSize, w);
  let bestPerWrite = (best - overhead) / 1;
  for (let k = 2; (k - 1) * w < bufSize; k++) {
    const size = Math.min(bufSize, k * w);
    const perWrite = (size - overhead) / k;
    if (perWrite >= bestPerWrite) {
      best = size;
      bestPerWrite = perWrite;
    }
  }
  return best;
}

/** Header and CBOR of an upload request around its data (off, data bstr header): a typical 20-30 bytes. */
const UPLOAD_OVERHEAD = 28;

/** Joins notifications into SMP packets by the header's length; drops what cannot be a packet. */
export class SmpPacketAssembler {
  private parts: Uint8Array[] = [];
  private have = 0;
  private need = -1;
  private lastAt = 0;

  constructor(
    private readonly onPacket: (packet: Uint8Array) => void,
    private readonly staleMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  push(chunk: Uint8Array): void {
    const t = this.now();
    // a notification lost mid-answer would otherwise glue the next answer onto it for good
    if (this.have > 0 && t - this.lastAt > this.staleMs) this.reset();
    this.lastAt = t;
    this.parts.push(chunk);
    this.have += chunk.length;
    while (this.have > 0) {
      if (this.need < 0) {
        if (this.have < SMP_HEADER_SIZE) return;
        const b0 = this.take(SMP_HEADER_SIZE, false)[0] as number;
        // reserved bits, version > 1 or op > 3: not an SMP header, drop everything buffered
        if (b0 & 0xe0 || ((b0 >> 3) & 3) > 1 || (b0 & 7) > 3) {
          this.reset();
          return;
        }
        const head = this.take(SMP_HEADER_SIZE, false);
        this.need = SMP_HEADER_SIZE + (((head[2] as number) << 8) | (head[3] as number));
      }
      if (this.have < this.need) return;
      const packet = this.take(this.need, true);
      this.need = -1;
      this.onPacket(packet);
    }
  }

  reset(): void {
    this.parts = [];
    this.have = 0;
    this.need = -1;
  }

  /** the first n buffered bytes, removed from the buffer when `consume` */
  private take(n: number, consume: boolean): Uint8Array {
    const first = this.parts[0] as Uint8Array;
    let out: Uint8Array;
    if (first.length >= n) out = first.subarray(0, n);
    else {
      out = new Uint8Array(n);
      let at = 0;
      for (const p of this.parts) {
        const k = Math.min(p.length, n - at);
        out.set(p.subarray(0, k), at);
        at += k;
        if (at === n) break;
      }
    }
    if (!consume) return out;
    let left = n;
    while (left > 0) {
      const p = this.parts[0] as Uint8Array;
      if (p.length <= left) {
        this.parts.shift();
        left -= p.length;
      } else {
        this.parts[0] = p.subarray(left);
        left = 0;
      }
    }
    this.have -= n;
    return out;
  }
}

/**
 * The SMP transport over a GATT port on a connected peripheral (see gatt-port.ts). Fails
 * with SmpBleError 'no-smp-service' when the device does not offer the SMP characteristic.
 * close() drops this transport's subscription; the link itself belongs to the caller.
 */
export async function openSmpBleTransport(
  port: GattPort,
  options: SmpBleTransportOptions = {},
): Promise<SmpBleTransport> {
  const { service, characteristic } = SMP_BLE;
  if (!port.has(service, characteristic))
    throw new SmpBleError(
      'no-smp-service',
      'the device has no SMP service (mcumgr over Bluetooth: CONFIG_MCUMGR_TRANSPORT_BT in its firmware)',
    );
  const reassembly = options.reassembly ?? true;
  const writeTimeoutMs = options.writeTimeoutMs ?? 5000;
  const listeners = new Set<(packet: Uint8Array) => void>();
  const assembler = new SmpPacketAssembler((packet) => {
    for (const l of [...listeners]) l(packet);
  }, options.staleMs);
  const offClose = port.onClose(() => assembler.reset());
  let unsubscribe: () => void;
  try {
    unsubscribe = await port.subscribe(
      service,
      characteristic,
      (chunk) => assembler.push(chunk),
      writeTimeoutMs,
    );
  } catch (e) {
    offClose();
    throw asSmpBleError(e);
  }
  let bufSize = Number.POSITIVE_INFINITY;
  let writes = 0;
  // the writes of two packets must never interleave
  let queue: Promise<void> = Promise.resolve();
  const writeSize = () => port.maxWrite();

  const sendNow = async (packet: Uint8Array) => {
    const closed = port.closedReason();
    if (closed !== null) throw new SmpBleError('disconnected', `Bluetooth link lost: ${closed}`);
    const size = Math.max(1, Math.min(writeSize(), bufSize));
    if (!reassembly && packet.length > size)
      throw new RangeError(`SMP packet of ${packet.length} bytes does not fit one ${size}-byte write`);
    for (let at = 0; at < packet.length; at += size) {
      try {
        await port.write(service, characteristic, packet.subarray(at, at + size), writeTimeoutMs);
        writes++;
      } catch (e) {
        throw asSmpBleError(e);
      }
    }
  };

  return {
    send(packet) {
      const sent = queue.then(() => sendNow(packet));
      queue = sent.catch(() => {});
      return sent;
    },
    onPacket(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    maxPacket(deviceBufSize) {
      bufSize = deviceBufSize;
      const w = writeSize();
      if (!reassembly) return Math.min(w, deviceBufSize);
      return blePacketSize(deviceBufSize, w, UPLOAD_OVERHEAD);
    },
    close() {
      unsubscribe();
      offClose();
      listeners.clear();
      assembler.reset();
    },
    writeSize,
    closedReason: () => port.closedReason(),
    get writes() {
      return writes;
    },
  };
}

function asSmpBleError(e: unknown): Error {
  if (e instanceof SmpBleError) return e;
  const text = e instanceof Error ? e.message : String(e);
  const kind = (e as { kind?: unknown })?.kind;
  if (kind === 'link') return new SmpBleError('disconnected', `Bluetooth link lost: ${text}`);
  if (kind === 'timeout') return new SmpBleError('timeout', `Bluetooth write not done in time: ${text}`);
  return e instanceof Error ? e : new Error(text);
}

/**
 * SMP over the BLE connector's link to a peripheral: connects when needed (the connector
 * keeps owning the link and its reconnects), discovers only the SMP service, subscribes.
 * release() drops the transport and this port's listeners; the link stays as it was.
 */
export async function openSmpBle(
  connector: BleConnector,
  peripheralId: string,
  options: SmpBleTransportOptions & { gattTimeoutMs?: number } = {},
): Promise<{ transport: SmpBleTransport; release(): void }> {
  let port: GattPort;
  try {
    const peripheral = await connector.connectedPeripheral(peripheralId);
    port = await gattPortFromNoble(peripheral, [SMP_BLE.service], options.gattTimeoutMs);
  } catch (e) {
    throw asSmpBleError(e);
  }
  try {
    const transport = await openSmpBleTransport(port, options);
    return {
      transport,
      release() {
        transport.close();
        port.release();
      },
    };
  } catch (e) {
    port.release();
    throw e;
  }
}
