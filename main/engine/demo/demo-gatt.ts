/**
 * The demo's Bluetooth LE radio as the GATT explorer sees it: the same peripherals,
 * services, reads, writes and notifications a real BleConnector offers, for the simulated
 * sensors. Each serves what a standard environmental sensor does (Bluetooth SIG assigned
 * numbers): Environmental Sensing 0x181A with the metrics it measures (Temperature 0x2A6E,
 * Humidity 0x2A6F, Pressure 0x2A6D), Battery 0x180F / Battery Level 0x2A19, Device
 * Information 0x180A and Generic Access 0x1800. Values are the GATT-encoded notifications
 * the simulated devices really put on the air.
 */

import type { ConnectorStatus } from '../../../common/contract';
import {
  type BleConnector,
  type BlePeripheralInfo,
  describeValue,
  type GattServiceInfo,
  type GattValue,
  type NoblePeripheral,
} from '../connectors/ble/ble-connector';
import { encodeGattValue, gattUuidForMetric } from '../decoders/gatt';
import { GATT_NAMES, normalizeUuid } from '../decoders/gatt-extra';
import type { SimulatedDeviceDefinition } from './demo-site-definition';
import { SimulatedConnector, type SimulatedConnectorOptions } from './simulated-connector';
import { hashSeed } from './simulated-device';
import type { GattNotification } from './wire-codecs';

/** Core spec Vol 3 Part F 3.2.9: an attribute value is at most 512 octets */
const MAX_ATTRIBUTE = 512;
const NOTIFY = ['read', 'notify'];

interface Characteristic {
  uuid: string;
  properties: string[];
  /** a fixed value; notifying characteristics answer with the last value on the air */
  value?: Uint8Array;
}

interface Peripheral {
  info: BlePeripheralInfo;
  services: Map<string, Map<string, Characteristic>>;
  /** last notified value per characteristic uuid */
  latest: Map<string, Uint8Array>;
}

function addressOf(deviceId: string): string {
  const h = hashSeed(deviceId).toString(16).padStart(8, '0');
  // a static random address: the two top bits of the first octet set (Core spec Vol 6 Part B 1.3.2.1)
  return `f4:de:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}`;
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function peripheralFor(d: SimulatedDeviceDefinition, now: number): Peripheral {
  const address = addressOf(d.id);
  const ess = new Map<string, Characteristic>();
  const battery = new Map<string, Characteristic>();
  for (const metric of Object.keys(d.metrics)) {
    const uuid = gattUuidForMetric(metric);
    if (!uuid) continue;
    (uuid === '2a19' ? battery : ess).set(uuid, { uuid, properties: NOTIFY });
  }
  const services = new Map<string, Map<string, Characteristic>>([
    ['1800', new Map([['2a00', { uuid: '2a00', properties: ['read', 'write'], value: text(d.name) }]])],
    [
      '180a',
      new Map(
        (
          [
            ['2a29', 'Fieldline Demo'],
            ['2a24', `${d.profile} (simulated)`],
            ['2a25', d.id.toUpperCase()],
            ['2a26', '2.3.1'],
          ] as const
        ).map(([uuid, v]) => [uuid, { uuid, properties: ['read'], value: text(v) }]),
      ),
    ],
  ]);
  if (ess.size > 0) services.set('181a', ess);
  if (battery.size > 0) services.set('180f', battery);
  return {
    info: {
      id: address.replace(/:/g, ''),
      address,
      name: d.name,
      rssi: -55 - (hashSeed(`${d.id}:rssi`) % 30),
      txPowerLevel: null,
      manufacturerData: null,
      companyId: null,
      serviceUuids: [...services.keys()].filter((s) => s === '181a' || s === '180f'),
      connectable: true,
      firstSeen: now,
      lastSeen: now,
      link: 'connected',
      deviceId: d.id,
      info: { manufacturer: 'Fieldline Demo', model: `${d.profile} (simulated)`, serial: d.id.toUpperCase() },
    },
    services,
    latest: new Map(),
  };
}

/** before its first measurement a sensor answers with the characteristic's "value is not known" sentinel */
function notKnownYet(uuid: string): Uint8Array {
  return encodeGattValue(uuid, null);
}

type Subscriber = {
  uuid: string;
  listener: (v: GattValue) => void;
  onEnded: ((reason: string) => void) | undefined;
};

export class DemoBleConnector extends SimulatedConnector<GattNotification> implements BleConnector {
  private readonly table = new Map<string, Peripheral>();
  private readonly byDevice = new Map<string, Peripheral>();
  private readonly subscribers = new Map<Peripheral, Set<Subscriber>>();

  constructor(options: SimulatedConnectorOptions<GattNotification>) {
    super(options);
    const now = (options.now ?? Date.now)();
    for (const d of options.devices) {
      const p = peripheralFor(d, now);
      this.table.set(p.info.id, p);
      this.byDevice.set(d.id, p);
    }
    this.onWire((messages, at) => {
      for (const n of messages) {
        const p = this.byDevice.get(n.deviceId);
        if (!p) continue;
        p.latest.set(n.uuid, n.data);
        p.info.lastSeen = at;
        const value = describeValue(n.uuid, n.data);
        for (const s of this.subscribers.get(p) ?? []) if (s.uuid === n.uuid) s.listener(value);
      }
    });
  }

  peripherals(): BlePeripheralInfo[] {
    return [...this.table.values()].map((p) => ({ ...p.info, link: this.linkState() }));
  }

  override status(): ConnectorStatus {
    // the wizard must not offer this radio: its sensors report already and have no Improv link
    return { ...super.status(), provisioning: false };
  }

  profilesChanged(): void {
    // the demo's peripherals speak the standard GATT services only; no vendor mapping to redo
  }

  async connect(peripheralId: string): Promise<void> {
    this.peripheral(peripheralId);
  }

  async disconnect(peripheralId: string): Promise<void> {
    // the demo's own measurements keep every simulated link up, as a connector holding them would
    this.peripheral(peripheralId);
  }

  async services(peripheralId: string): Promise<GattServiceInfo[]> {
    const p = this.peripheral(peripheralId);
    return [...p.services].map(([uuid, chars]) => ({
      uuid,
      name: GATT_NAMES[uuid] ?? null,
      characteristics: [...chars.values()].map((c) => ({
        uuid: c.uuid,
        name: GATT_NAMES[c.uuid] ?? null,
        properties: [...c.properties],
      })),
    }));
  }

  async read(peripheralId: string, service: string, characteristic: string): Promise<GattValue> {
    const p = this.peripheral(peripheralId);
    const c = this.characteristic(p, service, characteristic);
    if (!c.properties.includes('read')) throw new Error(`${c.uuid} does not permit reads (ATT error 0x02)`);
    const data = c.value ?? p.latest.get(c.uuid) ?? notKnownYet(c.uuid);
    return describeValue(c.uuid, data);
  }

  async write(
    peripheralId: string,
    service: string,
    characteristic: string,
    data: Uint8Array,
  ): Promise<void> {
    const p = this.peripheral(peripheralId);
    const c = this.characteristic(p, service, characteristic);
    if (!c.properties.includes('write')) throw new Error(`${c.uuid} does not permit writes (ATT error 0x03)`);
    if (data.length > MAX_ATTRIBUTE)
      throw new Error(`value longer than ${MAX_ATTRIBUTE} bytes (ATT error 0x0d)`);
    c.value = Uint8Array.from(data);
  }

  async subscribe(
    peripheralId: string,
    service: string,
    characteristic: string,
    listener: (value: GattValue) => void,
    onEnded?: (reason: string) => void,
  ): Promise<() => Promise<void>> {
    const p = this.peripheral(peripheralId);
    const c = this.characteristic(p, service, characteristic);
    if (!c.properties.includes('notify')) throw new Error(`${c.uuid} does not notify`);
    const subscriber: Subscriber = { uuid: c.uuid, listener, onEnded };
    const set = this.subscribers.get(p) ?? new Set();
    set.add(subscriber);
    this.subscribers.set(p, set);
    return async () => {
      set.delete(subscriber);
    };
  }

  async connectedPeripheral(): Promise<NoblePeripheral> {
    throw new Error('the demo radio has no provisioning link; the demo plant units on "Commission" have one');
  }

  override async stop(): Promise<void> {
    await super.stop();
    for (const set of this.subscribers.values()) {
      for (const s of set) s.onEnded?.('the radio stopped');
      set.clear();
    }
  }

  private linkState(): BlePeripheralInfo['link'] {
    return this.status().state === 'connected' ? 'connected' : 'disconnected';
  }

  private peripheral(id: string): Peripheral {
    const p = this.table.get(id.toLowerCase().replace(/:/g, ''));
    if (!p) throw new Error(`no peripheral "${id}" on ${this.id}`);
    if (this.linkState() !== 'connected') throw new Error(`${this.id} is not running`);
    return p;
  }

  private characteristic(p: Peripheral, service: string, characteristic: string): Characteristic {
    const c = p.services.get(normalizeUuid(service))?.get(normalizeUuid(characteristic));
    if (!c) throw new Error(`${p.info.name} has no characteristic ${characteristic} in service ${service}`);
    return c;
  }
}
