/**
 * The simulated MCUboot device (simulated-mcuboot-device.ts) behind the simulated BLE
 * adapter: a peripheral advertising the SMP service, its characteristic written without
 * response and notifying, as Zephyr's smp_bt.c serves it.
 *
 * - Requests: with CONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY (default here) the writes of one
 *   packet are collected by the header's length (smp_reassembly_collect); a packet larger
 *   than buf_size or a fragment overrunning it is dropped. Without reassembly every write
 *   is a packet and one larger than buf_size is refused (smp_bt_chr_write).
 * - A write longer than ATT MTU − 3 cannot exist on air; one arriving is counted in
 *   `stats.oversizedWrites` and dropped, so tests can prove the client never sends one.
 * - Answers are notified in pieces of ATT MTU − 3 bytes (smp_bt_tx_pkt).
 * - A reset drops the link and the device is unreachable while it reboots, then
 *   advertises again.
 * - Its sensors notify on the Environmental Sensing service like the other simulated
 *   peripherals. Failure mode "boots but fails health": once it runs an image other than the
 *   one it powered on with, the temperature is -300 °C (raw -30000, below the -273.15 °C GSS
 *   allows: a driver reading an unpowered sensor) or the notifications stop; back on the
 *   old image they are sane again.
 */
import type { SimulatedBleBinding } from '../connectors/ble/simulated-binding';
import {
  SimulatedMcubootDevice,
  type SimulatedMcubootOptions,
  type SmpDevicePort,
} from './simulated-mcuboot-device';
import type { NewImageReadings } from './simulated-telemetry';
import { SMP_BLE } from './smp-ble-transport';
import { SMP_HEADER_SIZE } from './smp-header';

/** how long after answering a reset the radio goes quiet; keep it below rebootMs */
const RESET_DELAY_MS = 5;

export interface SimulatedBleMcubootOptions extends SimulatedMcubootOptions {
  address: string;
  name?: string;
  /** the ATT MTU the exchange settles on (default 247, the usual LE Data Length maximum) */
  mtu?: number;
  /** CONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY (default true) */
  reassembly?: boolean;
  /** the sensor readings once a new image runs (default sane) */
  newImageReadings?: NewImageReadings;
}

export interface SimulatedBleMcubootStats {
  writes: number;
  oversizedWrites: number;
  notifications: number;
  /** packets dropped by reassembly (too big for buf_size, a fragment past the length) */
  droppedPackets: number;
}

export class SimulatedBleMcuboot {
  readonly device: SimulatedMcubootDevice;
  readonly peripheralId: string;
  readonly stats: SimulatedBleMcubootStats = {
    writes: 0,
    oversizedWrites: 0,
    notifications: 0,
    droppedPackets: 0,
  };
  private readonly listeners = new Set<(packet: Uint8Array) => void>();
  private collecting: { buf: Uint8Array; have: number } | undefined;
  private resetTimer: NodeJS.Timeout | undefined;
  private readonly mtu: number;

  constructor(
    binding: SimulatedBleBinding,
    private readonly options: SimulatedBleMcubootOptions,
  ) {
    this.mtu = options.mtu ?? 247;
    this.peripheralId = binding.addPeripheral({
      address: options.address,
      name: options.name ?? 'Zephyr MCUboot',
      mtu: this.mtu,
      serviceUuids: [SMP_BLE.service.replace(/-/g, '')],
      onLinkChange: (connected) => {
        if (!connected) this.collecting = undefined;
      },
      extraServices: [
        {
          uuid: SMP_BLE.service,
          characteristics: [
            {
              uuid: SMP_BLE.characteristic,
              properties: ['writeWithoutResponse', 'notify'],
              onWrite: (data) => this.received(data),
            },
          ],
        },
      ],
    });
    const port: SmpDevicePort = {
      onPacket: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      sendPacket: async (packet) => {
        const size = this.mtu - 3;
        for (let at = 0; at < packet.length; at += size) {
          this.stats.notifications++;
          binding.notifyValue(
            this.peripheralId,
            SMP_BLE.service,
            SMP_BLE.characteristic,
            packet.subarray(at, at + size),
          );
        }
      },
      log: async () => {},
      rebooting: (down) => {
        // the answer to the reset goes out first (os_mgmt_reset waits CONFIG_MCUMGR_GRP_OS_RESET_MS)
        clearTimeout(this.resetTimer);
        if (down) this.resetTimer = setTimeout(() => binding.outOfRange(this.peripheralId), RESET_DELAY_MS);
        else {
          this.booted(binding);
          binding.outOfRange(this.peripheralId);
          binding.backInRange(this.peripheralId);
        }
      },
    };
    this.device = new SimulatedMcubootDevice(port, options);
    this.initialHash = Buffer.from(this.device.activeHash);
  }

  private readonly initialHash: Buffer;
  private insane = false;

  /** What the sensors send depends on the image that booted. */
  private booted(binding: SimulatedBleBinding): void {
    const onNewImage = !this.initialHash.equals(Buffer.from(this.device.activeHash));
    const mode = onNewImage ? (this.options.newImageReadings ?? 'sane') : 'sane';
    binding.setSilent(this.peripheralId, mode === 'silent');
    if (mode === 'insane' || this.insane)
      binding.setValues(this.peripheralId, { temperature: mode === 'insane' ? -300 : 21 });
    this.insane = mode === 'insane';
  }

  private get bufSize(): number {
    return this.device.bufSize;
  }

  private received(data: Uint8Array): void {
    this.stats.writes++;
    if (data.length > this.mtu - 3) {
      this.stats.oversizedWrites++;
      return;
    }
    if (this.options.reassembly === false) {
      if (data.length > this.bufSize) this.stats.droppedPackets++;
      else this.deliver(data);
      return;
    }
    if (!this.collecting) {
      // smp_reassembly_collect: the first fragment carries the header and sets the packet's length
      if (data.length < SMP_HEADER_SIZE) {
        this.stats.droppedPackets++;
        return;
      }
      const total = SMP_HEADER_SIZE + (((data[2] as number) << 8) | (data[3] as number));
      if (total > this.bufSize) {
        this.stats.droppedPackets++;
        return;
      }
      this.collecting = { buf: new Uint8Array(total), have: 0 };
    }
    const c = this.collecting;
    if (c.have + data.length > c.buf.length) {
      this.collecting = undefined;
      this.stats.droppedPackets++;
      return;
    }
    c.buf.set(data, c.have);
    c.have += data.length;
    if (c.have < c.buf.length) return;
    this.collecting = undefined;
    this.deliver(c.buf);
  }

  private deliver(packet: Uint8Array): void {
    for (const l of [...this.listeners]) l(packet);
  }

  stop(): void {
    clearTimeout(this.resetTimer);
    this.device.stop();
  }
}
