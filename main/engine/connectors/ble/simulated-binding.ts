/**
 * A simulated Bluetooth LE adapter that speaks noble's binding interface (the object
 * `require('@abandonware/noble/with-bindings')(binding)` drives), so the real noble
 * library and the BLE connector can be tested and demonstrated on a machine without a
 * radio. Events go back to noble with the same names and argument lists as noble's
 * hci-socket bindings. A test and demo tool: it never touches real hardware.
 */
import { EventEmitter } from 'node:events';
import { encodeGattValue } from '../../decoders/gatt';

export type AdapterState =
  | 'unknown'
  | 'resetting'
  | 'unsupported'
  | 'unauthorized'
  | 'poweredOff'
  | 'poweredOn';

export interface SimulatedValues {
  temperature: number;
  humidity: number;
  pressure: number;
  battery: number;
}

export interface SimulatedPeripheralSpec {
  /** "aa:bb:cc:dd:ee:01"; noble's peripheral id is this without the colons */
  address: string;
  name: string;
  /** mean RSSI in dBm; each advertisement varies around it */
  rssi?: number;
  txPowerLevel?: number;
  manufacturerData?: Uint8Array;
  /** advertised service UUIDs; default the Environmental Sensing and Battery services */
  serviceUuids?: string[];
  manufacturer?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  /** starting values; they drift unless `drift` is false */
  values?: Partial<SimulatedValues>;
  drift?: boolean;
  /** extra GATT services served by handlers (Improv, vendor services); push their notifications with `notifyValue` */
  extraServices?: SimulatedGattService[];
  /** advertised service data, fixed or computed at each advertisement */
  serviceData?: SimulatedServiceData[] | (() => SimulatedServiceData[]);
  /** told when a central connects (true) or the link drops (false) */
  onLinkChange?: (connected: boolean) => void;
  /** the ATT MTU the exchange after connecting settles on (reported as noble's hci bindings do); none: 23 */
  mtu?: number;
}

export interface SimulatedServiceData {
  uuid: string;
  data: Uint8Array;
}

export interface SimulatedGattCharacteristic {
  uuid: string;
  /** 'read', 'write', 'writeWithoutResponse', 'notify' */
  properties: string[];
  /** the value a read returns when there is no onRead */
  value?: Uint8Array;
  onRead?: () => Uint8Array;
  onWrite?: (data: Uint8Array) => void;
}

export interface SimulatedGattService {
  uuid: string;
  characteristics: SimulatedGattCharacteristic[];
}

/** noble's spelling of a UUID: lowercase, no dashes */
function gattKey(uuid: string): string {
  return uuid.toLowerCase().replace(/-/g, '');
}

export interface SimulatedBindingOptions {
  peripherals?: SimulatedPeripheralSpec[];
  /** state reported on init; default poweredOn */
  initialState?: AdapterState;
  advertiseIntervalMs?: number;
  /** default notification period; a peripheral's Measurement Interval (0x2a21) overrides it */
  notifyIntervalMs?: number;
  /** delay of every GATT/link response, ms */
  latencyMs?: number;
  seed?: number;
}

interface SimCharacteristic {
  uuid: string;
  properties: string[];
  value: Buffer;
  subscribed: boolean;
  /** an extra service's characteristic: answered by handlers, notified only when pushed */
  handlers?: SimulatedGattCharacteristic;
}

interface SimPeripheral {
  id: string;
  spec: SimulatedPeripheralSpec;
  values: SimulatedValues;
  inRange: boolean;
  connected: boolean;
  gatt: Map<string, Map<string, SimCharacteristic>>;
  notifyTimer: NodeJS.Timeout | undefined;
  notifyIntervalMs: number;
  /** its sensor notifications stop (a firmware whose sensor task never runs) */
  silent: boolean;
}

export const ENVIRONMENTAL_SENSING = '181a';
export const BATTERY_SERVICE = '180f';
export const DEVICE_INFORMATION = '180a';

const METRIC_UUIDS: Record<keyof SimulatedValues, [service: string, characteristic: string]> = {
  temperature: [ENVIRONMENTAL_SENSING, '2a6e'],
  humidity: [ENVIRONMENTAL_SENSING, '2a6f'],
  pressure: [ENVIRONMENTAL_SENSING, '2a6d'],
  battery: [BATTERY_SERVICE, '2a19'],
};

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function nobleIdFor(address: string): string {
  return address.toLowerCase().split(':').join('');
}

/** Two simulated environmental sensors, for demos and tests. */
export function defaultSimulatedPeripherals(): SimulatedPeripheralSpec[] {
  return [
    {
      address: 'c0:ff:ee:00:00:01',
      name: 'Fieldline ENV-1',
      rssi: -58,
      manufacturerData: Uint8Array.from([0xff, 0xff, 0x01, 0x02]),
      serial: 'FL-ENV-0001',
      values: { temperature: 21.5, humidity: 45.25, pressure: 1013.25, battery: 87 },
    },
    {
      address: 'c0:ff:ee:00:00:02',
      name: 'Fieldline ENV-2',
      rssi: -71,
      manufacturerData: Uint8Array.from([0xff, 0xff, 0x01, 0x03]),
      serial: 'FL-ENV-0002',
      values: { temperature: 18.2, humidity: 60.5, pressure: 1009.8, battery: 64 },
    },
  ];
}

export class SimulatedBleBinding extends EventEmitter {
  private state: AdapterState = 'unknown';
  private readonly initialState: AdapterState;
  private readonly peripherals = new Map<string, SimPeripheral>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private scanTimer: NodeJS.Timeout | undefined;
  private scanFilter: string[] | undefined;
  private readonly advertiseIntervalMs: number;
  private readonly notifyIntervalMs: number;
  private readonly latencyMs: number;
  private readonly random: () => number;
  private closed = false;
  /** counters for tests */
  readonly stats = { notifications: 0, reads: 0, writes: 0, connects: 0, advertisements: 0 };

  constructor(options: SimulatedBindingOptions = {}) {
    super();
    this.initialState = options.initialState ?? 'poweredOn';
    this.advertiseIntervalMs = options.advertiseIntervalMs ?? 100;
    this.notifyIntervalMs = options.notifyIntervalMs ?? 200;
    this.latencyMs = options.latencyMs ?? 1;
    this.random = mulberry32(options.seed ?? 1);
    for (const spec of options.peripherals ?? defaultSimulatedPeripherals()) this.addPeripheral(spec);
  }

  // ---- control surface for tests and demos -------------------------------------------

  addPeripheral(spec: SimulatedPeripheralSpec): string {
    const id = nobleIdFor(spec.address);
    const values: SimulatedValues = {
      temperature: 21,
      humidity: 45,
      pressure: 1013.25,
      battery: 90,
      ...spec.values,
    };
    const text = (s: string) => ({
      uuid: '',
      properties: ['read'],
      value: Buffer.from(s, 'utf8'),
      subscribed: false,
    });
    const chars = (list: SimCharacteristic[]) => new Map(list.map((c) => [c.uuid, c]));
    const rn = ['read', 'notify'];
    const gatt = new Map<string, Map<string, SimCharacteristic>>([
      [
        ENVIRONMENTAL_SENSING,
        chars([
          { uuid: '2a6e', properties: rn, value: Buffer.alloc(2), subscribed: false },
          { uuid: '2a6f', properties: rn, value: Buffer.alloc(2), subscribed: false },
          { uuid: '2a6d', properties: rn, value: Buffer.alloc(4), subscribed: false },
          // Measurement Interval, uint16 seconds; writable
          { uuid: '2a21', properties: ['read', 'write'], value: Buffer.from([1, 0]), subscribed: false },
        ]),
      ],
      [BATTERY_SERVICE, chars([{ uuid: '2a19', properties: rn, value: Buffer.alloc(1), subscribed: false }])],
      [
        DEVICE_INFORMATION,
        chars([
          { ...text(spec.manufacturer ?? 'Fieldline Labs'), uuid: '2a29' },
          { ...text(spec.model ?? 'ENV-1'), uuid: '2a24' },
          { ...text(spec.serial ?? `SN-${id.slice(-6)}`), uuid: '2a25' },
          { ...text(spec.firmware ?? '1.4.2'), uuid: '2a26' },
        ]),
      ],
    ]);
    for (const service of spec.extraServices ?? []) {
      gatt.set(
        gattKey(service.uuid),
        chars(
          service.characteristics.map((c) => ({
            uuid: gattKey(c.uuid),
            properties: [...c.properties],
            value: Buffer.from(c.value ?? new Uint8Array(0)),
            subscribed: false,
            handlers: c,
          })),
        ),
      );
    }
    const p: SimPeripheral = {
      id,
      spec,
      values,
      inRange: true,
      connected: false,
      gatt,
      notifyTimer: undefined,
      notifyIntervalMs: this.notifyIntervalMs,
      silent: false,
    };
    this.peripherals.set(id, p);
    this.encodeValues(p);
    return id;
  }

  /** Change the adapter state as the OS would (poweredOff drops every link). */
  setState(state: AdapterState): void {
    if (this.closed) return;
    this.state = state;
    if (state !== 'poweredOn') {
      this.stopScanTimer();
      for (const p of this.peripherals.values()) if (p.connected) this.dropLink(p, 0x16);
    }
    this.later(() => this.emit('stateChange', state));
  }

  adapterState(): AdapterState {
    return this.state;
  }

  /** The peripheral walks out of range: the link times out and it stops advertising. */
  outOfRange(id: string): void {
    const p = this.peripheral(id);
    p.inRange = false;
    if (p.connected) this.dropLink(p, 0x08);
  }

  backInRange(id: string): void {
    this.peripheral(id).inRange = true;
  }

  /** The peripheral ends the link itself (remote user terminated, 0x13) but stays around. */
  remoteDisconnect(id: string): void {
    const p = this.peripheral(id);
    if (p.connected) this.dropLink(p, 0x13);
  }

  /** The sensor notifications stop (true) or come back (false); the link and other services stay. */
  setSilent(id: string, silent: boolean): void {
    this.peripheral(id).silent = silent;
  }

  setValues(id: string, values: Partial<SimulatedValues>): void {
    const p = this.peripheral(id);
    Object.assign(p.values, values);
    p.spec = { ...p.spec, drift: false };
    this.encodeValues(p);
  }

  /** Send arbitrary bytes as a notification (malformed values for hostile-input tests). */
  injectNotification(id: string, service: string, characteristic: string, data: Uint8Array): void {
    const p = this.peripheral(id);
    const c = p.gatt.get(service)?.get(characteristic);
    if (!p.connected || !c) return;
    this.stats.notifications++;
    this.later(() => this.emit('read', p.id, service, characteristic, Buffer.from(data), true));
  }

  /** A notification from an extra service's characteristic, sent when the central subscribed to it. */
  notifyValue(id: string, service: string, characteristic: string, data: Uint8Array): void {
    const p = this.peripherals.get(id) ?? this.peripherals.get(nobleIdFor(id));
    const c = p?.gatt.get(gattKey(service))?.get(gattKey(characteristic));
    if (!p || !c) return;
    c.value = Buffer.from(data);
    if (!p.connected || !c.subscribed) return;
    this.stats.notifications++;
    const value = Buffer.from(data);
    this.later(() => {
      if (p.connected) this.emit('read', p.id, gattKey(service), gattKey(characteristic), value, true);
    });
  }

  isConnected(id: string): boolean {
    return this.peripherals.get(id)?.connected ?? false;
  }

  /** Stop every timer; the binding goes quiet for good. */
  close(): void {
    this.closed = true;
    this.stopScanTimer();
    for (const p of this.peripherals.values()) this.stopNotifying(p);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  // ---- noble binding interface -------------------------------------------------------

  init(): void {
    this.later(() => {
      this.emit('addressChange', '00:11:22:33:44:55');
      this.setState(this.initialState);
    });
  }

  setScanParameters(_interval?: number, _window?: number): void {
    this.later(() => this.emit('scanParametersSet'));
  }

  startScanning(serviceUuids?: string[], allowDuplicates?: boolean): void {
    if (this.state !== 'poweredOn') return;
    this.scanFilter = (serviceUuids ?? []).map((u) => u.toLowerCase());
    this.later(() => this.emit('scanStart', !allowDuplicates));
    this.stopScanTimer();
    const advertise = () => {
      for (const p of this.peripherals.values()) this.advertise(p);
    };
    this.later(advertise);
    this.scanTimer = setInterval(advertise, this.advertiseIntervalMs);
  }

  stopScanning(): void {
    this.stopScanTimer();
    this.scanFilter = undefined;
    this.later(() => this.emit('scanStop'));
  }

  reset(): void {}

  connect(id: string, _parameters?: unknown): void {
    const p = this.peripherals.get(id);
    this.later(() => {
      if (!p || this.state !== 'poweredOn' || !p.inRange) {
        this.emit('connect', id, new Error('connection failed: peripheral not in range'));
        return;
      }
      if (p.connected) return;
      p.connected = true;
      this.stats.connects++;
      this.emit('connect', id, null);
      if (p.spec.mtu) this.emit('onMtu', id, p.spec.mtu);
      this.tellLink(p, true);
    }, this.latencyMs * 5);
  }

  cancelConnect(_id: string): void {}

  disconnect(id: string): void {
    const p = this.peripherals.get(id);
    if (p?.connected) this.dropLink(p, 0x16);
    else this.later(() => this.emit('disconnect', id, 0x16));
  }

  updateRssi(id: string): void {
    const p = this.peripherals.get(id);
    if (p?.connected) this.later(() => this.emit('rssiUpdate', id, this.rssiOf(p)));
  }

  discoverServices(id: string, uuids?: string[]): void {
    this.gattOp(id, (p) => {
      const all = [...p.gatt.keys()];
      const wanted = uuids && uuids.length > 0 ? all.filter((u) => uuids.includes(u)) : all;
      this.emit('servicesDiscover', id, wanted);
    });
  }

  discoverIncludedServices(id: string, serviceUuid: string, _uuids?: string[]): void {
    this.gattOp(id, () => this.emit('includedServicesDiscover', id, serviceUuid, []));
  }

  discoverCharacteristics(id: string, serviceUuid: string, uuids?: string[]): void {
    this.gattOp(id, (p) => {
      const service = p.gatt.get(serviceUuid);
      const list = [...(service?.values() ?? [])]
        .filter((c) => !uuids || uuids.length === 0 || uuids.includes(c.uuid))
        .map((c) => ({ uuid: c.uuid, properties: [...c.properties] }));
      this.emit('characteristicsDiscover', id, serviceUuid, list);
    });
  }

  read(id: string, serviceUuid: string, characteristicUuid: string): void {
    this.gattOp(id, (p) => {
      const c = p.gatt.get(serviceUuid)?.get(characteristicUuid);
      this.stats.reads++;
      if (c?.handlers?.onRead && c.properties.includes('read')) {
        try {
          c.value = Buffer.from(c.handlers.onRead());
        } catch {
          // a failing handler leaves the last value
        }
      }
      // an unknown or unreadable attribute answers with an empty value (an ATT error in life)
      const data = c?.properties.includes('read') ? Buffer.from(c.value) : Buffer.alloc(0);
      this.emit('read', id, serviceUuid, characteristicUuid, data, false);
    });
  }

  write(
    id: string,
    serviceUuid: string,
    characteristicUuid: string,
    data: Buffer,
    _withoutResponse?: boolean,
  ): void {
    this.gattOp(id, (p) => {
      const c = p.gatt.get(serviceUuid)?.get(characteristicUuid);
      this.stats.writes++;
      if (c?.handlers && (c.properties.includes('write') || c.properties.includes('writeWithoutResponse'))) {
        this.emit('write', id, serviceUuid, characteristicUuid);
        try {
          c.handlers.onWrite?.(new Uint8Array(data));
        } catch {
          // a failing handler is the simulated device's problem, not noble's
        }
        return;
      }
      if (c?.properties.includes('write')) {
        c.value = Buffer.from(data);
        if (characteristicUuid === '2a21' && data.length >= 2) {
          const seconds = data.readUInt16LE(0);
          if (seconds > 0) {
            p.notifyIntervalMs = seconds * 1000;
            if (p.notifyTimer) this.startNotifying(p);
          }
        }
      }
      this.emit('write', id, serviceUuid, characteristicUuid);
    });
  }

  broadcast(id: string, serviceUuid: string, characteristicUuid: string, state: boolean): void {
    this.gattOp(id, () => this.emit('broadcast', id, serviceUuid, characteristicUuid, state));
  }

  notify(id: string, serviceUuid: string, characteristicUuid: string, enable: boolean): void {
    this.gattOp(id, (p) => {
      const c = p.gatt.get(serviceUuid)?.get(characteristicUuid);
      if (c?.properties.includes('notify')) c.subscribed = enable;
      const any = [...p.gatt.values()].some((s) => [...s.values()].some((x) => x.subscribed));
      if (any && !p.notifyTimer) this.startNotifying(p);
      if (!any) this.stopNotifying(p);
      this.emit('notify', id, serviceUuid, characteristicUuid, enable);
    });
  }

  discoverDescriptors(id: string, serviceUuid: string, characteristicUuid: string): void {
    this.gattOp(id, (p) => {
      const c = p.gatt.get(serviceUuid)?.get(characteristicUuid);
      this.emit(
        'descriptorsDiscover',
        id,
        serviceUuid,
        characteristicUuid,
        c?.properties.includes('notify') ? ['2902'] : [],
      );
    });
  }

  readValue(id: string, serviceUuid: string, characteristicUuid: string, descriptorUuid: string): void {
    this.gattOp(id, (p) => {
      const c = p.gatt.get(serviceUuid)?.get(characteristicUuid);
      const data = Buffer.from([c?.subscribed ? 1 : 0, 0]);
      this.emit('valueRead', id, serviceUuid, characteristicUuid, descriptorUuid, data);
    });
  }

  writeValue(
    id: string,
    serviceUuid: string,
    characteristicUuid: string,
    descriptorUuid: string,
    _data: Buffer,
  ): void {
    this.gattOp(id, () => this.emit('valueWrite', id, serviceUuid, characteristicUuid, descriptorUuid));
  }

  readHandle(id: string, handle: number): void {
    this.gattOp(id, () => this.emit('handleRead', id, handle, Buffer.alloc(0)));
  }

  writeHandle(id: string, handle: number, _data: Buffer, _withoutResponse?: boolean): void {
    this.gattOp(id, () => this.emit('handleWrite', id, handle));
  }

  // ---- internals ----------------------------------------------------------------------

  private peripheral(id: string): SimPeripheral {
    const p = this.peripherals.get(id) ?? this.peripherals.get(nobleIdFor(id));
    if (!p) throw new Error(`no simulated peripheral ${id}`);
    return p;
  }

  private later(fn: () => void, ms = this.latencyMs): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  /** A GATT request: answered after the latency if the link is still up, else never (as on air). */
  private gattOp(id: string, fn: (p: SimPeripheral) => void): void {
    this.later(() => {
      const p = this.peripherals.get(id);
      if (p?.connected) fn(p);
    });
  }

  private rssiOf(p: SimPeripheral): number {
    return Math.round((p.spec.rssi ?? -65) + (this.random() - 0.5) * 8);
  }

  private advertise(p: SimPeripheral): void {
    if (!p.inRange || p.connected || this.state !== 'poweredOn') return;
    const serviceUuids = p.spec.serviceUuids ?? [ENVIRONMENTAL_SENSING, BATTERY_SERVICE];
    const filter = this.scanFilter ?? [];
    if (filter.length > 0 && !serviceUuids.some((u) => filter.includes(u.toLowerCase()))) return;
    this.stats.advertisements++;
    const advertisement = {
      localName: p.spec.name,
      txPowerLevel: p.spec.txPowerLevel ?? 0,
      manufacturerData: p.spec.manufacturerData ? Buffer.from(p.spec.manufacturerData) : undefined,
      serviceData: this.serviceDataOf(p),
      serviceUuids: [...serviceUuids],
      serviceSolicitationUuids: [],
    };
    this.emit(
      'discover',
      p.id,
      p.spec.address.toLowerCase(),
      'public',
      true,
      advertisement,
      this.rssiOf(p),
      true,
    );
  }

  private serviceDataOf(p: SimPeripheral): { uuid: string; data: Buffer }[] {
    try {
      const list =
        typeof p.spec.serviceData === 'function' ? p.spec.serviceData() : (p.spec.serviceData ?? []);
      return list.map((d) => ({ uuid: gattKey(d.uuid), data: Buffer.from(d.data) }));
    } catch {
      return [];
    }
  }

  private stopScanTimer(): void {
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = undefined;
  }

  private tellLink(p: SimPeripheral, connected: boolean): void {
    try {
      p.spec.onLinkChange?.(connected);
    } catch {
      // the simulated device's problem
    }
  }

  private dropLink(p: SimPeripheral, reason: number): void {
    p.connected = false;
    this.tellLink(p, false);
    this.stopNotifying(p);
    for (const s of p.gatt.values()) for (const c of s.values()) c.subscribed = false;
    this.later(() => this.emit('disconnect', p.id, reason));
  }

  private startNotifying(p: SimPeripheral): void {
    this.stopNotifying(p);
    p.notifyTimer = setInterval(() => this.notifyTick(p), p.notifyIntervalMs);
  }

  private stopNotifying(p: SimPeripheral): void {
    if (p.notifyTimer) clearInterval(p.notifyTimer);
    p.notifyTimer = undefined;
  }

  private notifyTick(p: SimPeripheral): void {
    if (!p.connected || this.closed || p.silent) return;
    if (p.spec.drift !== false) {
      const v = p.values;
      v.temperature = Math.round((v.temperature + (this.random() - 0.5) * 0.2) * 100) / 100;
      v.humidity = Math.min(
        100,
        Math.max(0, Math.round((v.humidity + (this.random() - 0.5) * 0.5) * 100) / 100),
      );
      v.pressure = Math.round((v.pressure + (this.random() - 0.5) * 0.1) * 1000) / 1000;
      if (this.random() < 0.01) v.battery = Math.max(0, v.battery - 1);
      this.encodeValues(p);
    }
    for (const [service, chars] of p.gatt) {
      for (const c of chars.values()) {
        if (!c.subscribed || c.handlers) continue;
        this.stats.notifications++;
        this.emit('read', p.id, service, c.uuid, Buffer.from(c.value), true);
      }
    }
  }

  private encodeValues(p: SimPeripheral): void {
    for (const [metric, [service, uuid]] of Object.entries(METRIC_UUIDS)) {
      const c = p.gatt.get(service)?.get(uuid);
      if (c) c.value = Buffer.from(encodeGattValue(uuid, p.values[metric as keyof SimulatedValues]));
    }
  }
}
