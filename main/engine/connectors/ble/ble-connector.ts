/**
 * The Bluetooth LE connector: scans with noble, keeps a bounded table of what it hears
 * (RSSI, name, manufacturer data, advertised services), connects to the peripherals the
 * configuration asks for, reads their Device Information, subscribes to the standard
 * GATT measurement characteristics and turns notifications into Readings. Links that
 * drop (out of range, adapter off) come back by themselves with backoff.
 *
 * noble is loaded lazily: on a machine without Bluetooth `require('@abandonware/noble')`
 * throws, and the connector then reports "Bluetooth unavailable" instead of taking the
 * engine down. GATT values are hostile input: a malformed one is a counted decode error.
 *
 * A device's profile may map vendor characteristics to metrics (its `ble` section); those
 * are subscribed to and decoded like the standard ones. Notifications on a characteristic
 * are reference-counted: the connector's own subscription and every explorer subscriber
 * hold it, and the peripheral is told to stop only when the last holder lets go.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { BleUuidSchema } from '../../../../common/ble-uuid';
import type { ConnectorStatus } from '../../../../common/contract';
import type { Reading } from '../../../../common/reading';
import { decodeGatt, type GattDecoded } from '../../decoders/gatt';
import { type BleCharacteristicMapping, decodeMapped, mappingsFor } from '../../decoders/gatt-custom';
import {
  DEVICE_INFORMATION_SERVICE,
  DEVICE_INFORMATION_STRINGS,
  decodeGattString,
  GATT_NAMES,
  gattMetricFor,
  normalizeUuid,
} from '../../decoders/gatt-extra';
import type { Logger } from '../../log';
import type { DeviceProfile } from '../../profiles/profile';
import { shippedProfile } from '../../profiles/shipped-profiles';
import type { Connector, ConnectorSink } from '../connector';

// ---- the part of noble this connector uses -------------------------------------------

export interface NobleAdvertisement {
  localName?: string;
  manufacturerData?: Buffer;
  serviceUuids?: string[];
  txPowerLevel?: number;
}

export interface NobleCharacteristic extends EventEmitter {
  uuid: string;
  properties: string[];
  read(callback?: (error: unknown, data?: Buffer) => void): void;
  write(data: Buffer, withoutResponse: boolean, callback?: (error: unknown) => void): void;
  subscribe(callback?: (error: unknown) => void): void;
  unsubscribe(callback?: (error: unknown) => void): void;
}

export interface NobleService extends EventEmitter {
  uuid: string;
  characteristics: NobleCharacteristic[] | null;
  discoverCharacteristics(
    uuids: string[],
    callback?: (error: unknown, c?: NobleCharacteristic[]) => void,
  ): void;
}

export interface NoblePeripheral extends EventEmitter {
  id: string;
  address: string;
  addressType?: string;
  connectable?: boolean;
  advertisement: NobleAdvertisement;
  rssi: number;
  state: string;
  connect(callback?: (error: unknown) => void): void;
  cancelConnect?(): void;
  disconnect(callback?: (error: unknown) => void): void;
  discoverServices(uuids: string[], callback?: (error: unknown, services?: NobleService[]) => void): void;
}

export interface Noble extends EventEmitter {
  readonly state: string;
  startScanning(
    serviceUuids: string[],
    allowDuplicates: boolean,
    callback?: (error?: Error | null) => void,
  ): void;
  stopScanning(callback?: () => void): void;
}

// ---- configuration ---------------------------------------------------------------------

const uuidSchema = BleUuidSchema.transform(normalizeUuid);

export const BleDeviceConfigSchema = z
  .object({
    /** "aa:bb:cc:dd:ee:ff" (or noble's id on macOS) */
    address: z.string().min(1).max(64).optional(),
    /** advertised local name, exact */
    name: z.string().min(1).max(64).optional(),
    deviceId: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._:-]+$/)
      .optional(),
    profile: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((d) => d.address !== undefined || d.name !== undefined, {
    message: 'a device needs an address or a name',
  });

export const BleConnectorConfigSchema = z
  .object({
    id: z.string().min(1).max(200),
    label: z.string().max(200).optional(),
    scan: z
      .object({
        /** passed to noble: only peripherals advertising one of these services */
        serviceUuids: z.array(uuidSchema).max(32).default([]),
        /** only peripherals whose advertised name starts with this (case-insensitive) */
        namePrefix: z.string().max(64).optional(),
        /** report every advertisement, not one per scan (RSSI is tracked either way) */
        allowDuplicates: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** when given, only these peripherals are connected to automatically */
    devices: z.array(BleDeviceConfigSchema).max(256).default([]),
    /** connect by itself to the listed devices, or (no list) to every peripheral matching the scan filters */
    autoConnect: z.boolean().default(true),
    /** size of the table of peripherals heard; least recently heard ones are dropped */
    maxPeripherals: z.number().int().min(1).max(10_000).default(256),
    reconnect: z
      .object({
        initialMs: z.number().int().min(10).max(600_000).default(1_000),
        maxMs: z.number().int().min(10).max(3_600_000).default(30_000),
      })
      .strict()
      .prefault({}),
    connectTimeoutMs: z.number().int().min(10).max(120_000).default(15_000),
    gattTimeoutMs: z.number().int().min(10).max(120_000).default(10_000),
  })
  .strict();

export type BleConnectorConfig = z.input<typeof BleConnectorConfigSchema>;
type ParsedConfig = z.output<typeof BleConnectorConfigSchema>;
type DeviceConfig = z.output<typeof BleDeviceConfigSchema>;

// ---- what the connector exposes --------------------------------------------------------

export interface DeviceInformation {
  manufacturer?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  hardware?: string;
  software?: string;
}

export type LinkState = 'seen' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface BlePeripheralInfo {
  /** noble's peripheral id: the key for every other method */
  id: string;
  address: string;
  name: string | null;
  rssi: number;
  txPowerLevel: number | null;
  /** manufacturer-specific data as hex, company id first (little-endian) */
  manufacturerData: string | null;
  /** Bluetooth SIG company identifier from the manufacturer data */
  companyId: number | null;
  serviceUuids: string[];
  connectable: boolean;
  firstSeen: number;
  lastSeen: number;
  link: LinkState;
  deviceId: string | null;
  info: DeviceInformation | null;
}

export interface GattCharacteristicInfo {
  uuid: string;
  name: string | null;
  properties: string[];
}

export interface GattServiceInfo {
  uuid: string;
  name: string | null;
  characteristics: GattCharacteristicInfo[];
}

export interface GattValue {
  hex: string;
  bytes: number[];
  /** when every byte is printable UTF-8 */
  text: string | null;
  /** when a standard decoder knows the characteristic */
  decoded: { metric: string; unit: string; value: number | null; invalid?: string } | null;
  error: string | null;
}

export interface BleConnector extends Connector {
  peripherals(): BlePeripheralInfo[];
  /**
   * A device was given another profile or a profile was edited: every connected device whose
   * profile or vendor mapping changed reconnects with it, so its characteristics are
   * subscribed by the new mapping.
   */
  profilesChanged(): void;
  connect(peripheralId: string): Promise<void>;
  disconnect(peripheralId: string): Promise<void>;
  services(peripheralId: string): Promise<GattServiceInfo[]>;
  read(peripheralId: string, service: string, characteristic: string): Promise<GattValue>;
  write(
    peripheralId: string,
    service: string,
    characteristic: string,
    data: Uint8Array,
    withoutResponse?: boolean,
  ): Promise<void>;
  /**
   * Notifications from a characteristic (not its read answers). Resolves to an unsubscribe
   * function once the peripheral notifies; `onEnded` is told when the link drops, which ends
   * the subscription (subscribe again once it is back).
   */
  subscribe(
    peripheralId: string,
    service: string,
    characteristic: string,
    listener: (value: GattValue) => void,
    onEnded?: (reason: string) => void,
  ): Promise<() => Promise<void>>;
  /**
   * For provisioning (Improv, the configuration protocol): connects when needed and hands
   * out noble's peripheral; the connector keeps owning the link and its reconnects.
   */
  connectedPeripheral(peripheralId: string): Promise<NoblePeripheral>;
}

// ---- helpers ---------------------------------------------------------------------------

const DEVICE_KIND = 'BLE sensor';
const DEFAULT_PROFILE = 'env-sensor';

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.slice(0, 300);
}

export function sanitizeDeviceId(text: string): string {
  const id = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  return id.length > 0 ? id : 'ble-device';
}

function compactAddress(a: string): string {
  return a.toLowerCase().replace(/[^0-9a-f]/g, '');
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** `mapped`: the device profile's mappings for this characteristic; they win over the standard decoder */
export function describeValue(
  uuid: string,
  data: Uint8Array,
  mapped: readonly BleCharacteristicMapping[] = [],
): GattValue {
  const bytes = Array.from(data);
  let text: string | null = null;
  const decodedText = new TextDecoder('utf-8', { fatal: false }).decode(data);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: printable check
  if (data.length > 0 && !decodedText.includes('\ufffd') && !/[\u0000-\u001f\u007f]/.test(decodedText)) {
    text = decodedText;
  }
  let decoded: GattValue['decoded'] = null;
  let error: string | null = null;
  const m = gattMetricFor(uuid);
  const first = mapped[0];
  if (first) {
    const r = decodeMapped(first, data);
    if (r.error === null) decoded = { metric: first.metric, unit: first.unit ?? '', value: r.value };
    else error = r.error;
  } else if (m) {
    try {
      const d = decodeGatt(m, data);
      decoded = { metric: m.metric, unit: m.unit, value: d.value };
      if (d.reason !== null) decoded.invalid = d.reason;
    } catch (e) {
      error = message(e);
    }
  }
  return { hex: toHex(data), bytes, text, decoded, error };
}

class Aborted extends Error {}

interface PeripheralEntry {
  peripheral: NoblePeripheral;
  firstSeen: number;
  lastSeen: number;
  link: Link | undefined;
}

interface Link {
  peripheral: NoblePeripheral;
  state: LinkState;
  /** the connector should keep this one connected */
  wanted: boolean;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  abort: AbortController | undefined;
  deviceId: string;
  profile: string;
  info: DeviceInformation | null;
  services: Map<string, NobleService>;
  characteristics: Map<string, NobleCharacteristic>;
  /** the device profile's vendor characteristic mappings */
  profileBle: DeviceProfile['ble'];
  /** counts one per connection: a holder from an earlier connection has nothing to release */
  generation: number;
  /** notification holders per characteristic key on the current connection */
  cccd: Map<string, { holders: number; ready: Promise<void> }>;
  /** explorer subscribers on the current connection, told when it goes */
  subscribers: Set<() => void>;
  /** listeners on the current connection's characteristics */
  cleanups: (() => void)[];
  onDisconnect: (reason: unknown) => void;
  establishing: Promise<void> | undefined;
  errorsLogged: number;
}

function charKey(service: string, characteristic: string): string {
  return `${normalizeUuid(service)}/${normalizeUuid(characteristic)}`;
}

// ---- the connector ---------------------------------------------------------------------

export interface BleConnectorOptions {
  /**
   * Device profiles by id, for the vendor characteristics in their `ble` section. Default:
   * the profiles shipped in resources/profiles.
   */
  profiles?: (id: string) => DeviceProfile | undefined;
  /** the profile the registry gave a device, which wins over this connector's device config */
  assignedProfile?: (deviceId: string) => string | undefined;
}

export function createBleConnector(
  config: BleConnectorConfig,
  sink: ConnectorSink,
  log: Logger,
  loadNoble?: () => Noble,
  options: BleConnectorOptions = {},
): BleConnector {
  const cfg: ParsedConfig = BleConnectorConfigSchema.parse(config);
  const profileOf = options.profiles ?? ((id: string) => shippedProfile(id, log));
  const load = loadNoble ?? (() => createRequire(__filename)('@abandonware/noble') as Noble);
  const table = new Map<string, PeripheralEntry>();
  const timers = new Set<NodeJS.Timeout>();
  let noble: Noble | undefined;
  let adapterState = 'unknown';
  let running = false;
  let scanning = false;
  const nobleListeners: [string, (...args: never[]) => void][] = [];

  const status: ConnectorStatus = {
    id: cfg.id,
    kind: 'ble',
    label: cfg.label ?? 'Bluetooth LE',
    state: 'disconnected',
    detail: 'stopped',
    devices: 0,
    messagesIn: 0,
    readingsIn: 0,
    decodeErrors: 0,
    invalidValues: 0,
    lastError: null,
    since: Date.now(),
  };

  function connectedCount(): number {
    let n = 0;
    for (const e of table.values()) if (e.link?.state === 'connected') n++;
    return n;
  }

  function publish(state?: ConnectorStatus['state'], detail?: string): void {
    if (state !== undefined && state !== status.state) {
      status.state = state;
      status.since = Date.now();
    }
    if (detail !== undefined) status.detail = detail;
    status.devices = connectedCount();
    try {
      sink.statusChanged({ ...status });
    } catch (e) {
      log.warn('status sink failed', { error: message(e) });
    }
  }

  function scanningDetail(): string {
    return `scanning; ${table.size} heard, ${connectedCount()} connected`;
  }

  function noteError(text: string): void {
    status.lastError = text.slice(0, 500);
  }

  /** Every callback from noble runs through this: nothing thrown escapes into noble's emitters. */
  function guard<A extends unknown[]>(what: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (e) {
        noteError(`${what}: ${message(e)}`);
        log.error('BLE handler failed', { what, error: message(e) });
      }
    };
  }

  function later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  }

  /** A noble callback operation with a timeout and an abort signal (the link dropped). */
  function call<T>(
    what: string,
    ms: number,
    signal: AbortSignal | undefined,
    start: (cb: (error: unknown, value?: T) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (error: unknown, value?: T) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        timers.delete(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error instanceof Error ? error : new Error(`${what}: ${String(error)}`));
        else resolve(value as T);
      };
      const onAbort = () => finish(new Aborted(`${what}: link dropped`));
      const timer = setTimeout(() => finish(new Error(`${what}: timed out after ${ms} ms`)), ms);
      timers.add(timer);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      try {
        start(finish);
      } catch (e) {
        finish(e);
      }
    });
  }

  // ---- peripheral table ----

  function displayName(p: NoblePeripheral): string | null {
    const raw = p.advertisement?.localName;
    if (typeof raw !== 'string' || raw.length === 0) return null;
    const clean = decodeGattString(Buffer.from(raw, 'utf8'));
    return clean.length > 0 ? clean : null;
  }

  function advertisedServices(p: NoblePeripheral): string[] {
    const list = p.advertisement?.serviceUuids;
    return Array.isArray(list)
      ? list
          .filter((u) => typeof u === 'string')
          .map(normalizeUuid)
          .slice(0, 64)
      : [];
  }

  function matchesScan(p: NoblePeripheral): boolean {
    const prefix = cfg.scan.namePrefix;
    if (prefix) {
      const name = displayName(p);
      if (!name?.toLowerCase().startsWith(prefix.toLowerCase())) return false;
    }
    if (cfg.scan.serviceUuids.length > 0) {
      const adv = advertisedServices(p);
      if (!cfg.scan.serviceUuids.some((u) => adv.includes(u))) return false;
    }
    return true;
  }

  function deviceConfigFor(p: NoblePeripheral): DeviceConfig | undefined {
    const address = compactAddress(p.address ?? '');
    const id = compactAddress(p.id);
    const name = displayName(p);
    return cfg.devices.find((d) => {
      if (d.address !== undefined) {
        const want = compactAddress(d.address);
        if (want.length > 0 && (want === address || want === id)) return true;
      }
      return d.name !== undefined && d.name === name;
    });
  }

  function deviceIdFor(p: NoblePeripheral, dc: DeviceConfig | undefined): string {
    if (dc?.deviceId) return dc.deviceId;
    const address = p.address && p.address !== 'unknown' ? p.address : p.id;
    const name = displayName(p);
    return name
      ? sanitizeDeviceId(`${name}-${compactAddress(address).slice(-4)}`)
      : sanitizeDeviceId(address);
  }

  function remember(p: NoblePeripheral): PeripheralEntry | undefined {
    const now = Date.now();
    let entry = table.get(p.id);
    if (entry) {
      entry.peripheral = p;
      entry.lastSeen = now;
      return entry;
    }
    if (table.size >= cfg.maxPeripherals) {
      let oldest: [string, PeripheralEntry] | undefined;
      for (const kv of table) {
        if (kv[1].link?.wanted) continue;
        if (!oldest || kv[1].lastSeen < oldest[1].lastSeen) oldest = kv;
      }
      if (!oldest) return undefined;
      dropLink(oldest[1]);
      table.delete(oldest[0]);
    }
    entry = { peripheral: p, firstSeen: now, lastSeen: now, link: undefined };
    table.set(p.id, entry);
    return entry;
  }

  function onDiscover(p: NoblePeripheral): void {
    if (!p || typeof p.id !== 'string') return;
    if (!matchesScan(p) && !deviceConfigFor(p)) return;
    const entry = remember(p);
    if (!entry) return;
    const fresh = !entry.link;
    if (cfg.autoConnect && fresh) {
      const wanted = cfg.devices.length > 0 ? deviceConfigFor(p) !== undefined : true;
      if (wanted) {
        const link = linkFor(entry);
        link.wanted = true;
        void establish(link);
      }
    }
    if (fresh) publish(undefined, scanningDetail());
  }

  // ---- links ----

  function linkFor(entry: PeripheralEntry): Link {
    if (entry.link) return entry.link;
    const p = entry.peripheral;
    const dc = deviceConfigFor(p);
    const link: Link = {
      peripheral: p,
      state: 'seen',
      wanted: false,
      attempt: 0,
      timer: undefined,
      abort: undefined,
      deviceId: deviceIdFor(p, dc),
      profile: DEFAULT_PROFILE,
      info: null,
      services: new Map(),
      characteristics: new Map(),
      profileBle: undefined,
      generation: 0,
      cccd: new Map(),
      subscribers: new Set(),
      cleanups: [],
      onDisconnect: () => {},
      establishing: undefined,
      errorsLogged: 0,
    };
    link.onDisconnect = guard('disconnect', (reason: unknown) => {
      const was = link.state;
      teardown(link);
      if (was === 'connected' || was === 'connecting') {
        log.info('BLE peripheral disconnected', { deviceId: link.deviceId, reason: String(reason) });
        link.state = 'disconnected';
        scheduleReconnect(link);
        publish(undefined, running && adapterState === 'poweredOn' ? scanningDetail() : undefined);
      }
    });
    p.on('disconnect', link.onDisconnect);
    resolveProfile(link, dc?.profile);
    entry.link = link;
    return link;
  }

  /** Which profile the device has now (the registry's, else the config's) and its vendor mappings. */
  function resolveProfile(link: Link, configured = deviceConfigFor(link.peripheral)?.profile): void {
    link.profile = options.assignedProfile?.(link.deviceId) || configured || DEFAULT_PROFILE;
    link.profileBle = undefined;
    try {
      const profile = profileOf(link.profile);
      // each mapping carries its metric's unit, so a value can be shown without the profile
      link.profileBle = profile?.ble && {
        characteristics: profile.ble.characteristics.map((m) => ({
          ...m,
          unit: m.unit ?? profile.metrics[m.metric]?.unit,
        })),
      };
    } catch (e) {
      log.warn('BLE device profile unavailable', { profile: link.profile, error: message(e) });
    }
  }

  /** forget the current connection's GATT objects and listeners */
  function teardown(link: Link): void {
    link.abort?.abort();
    link.abort = undefined;
    link.generation++;
    link.cccd.clear();
    const ended = [...link.subscribers];
    link.subscribers.clear();
    for (const end of ended) end();
    for (const c of link.cleanups) c();
    link.cleanups = [];
    link.services.clear();
    link.characteristics.clear();
  }

  function dropLink(entry: PeripheralEntry): void {
    const link = entry.link;
    if (!link) return;
    link.wanted = false;
    if (link.timer) clearTimeout(link.timer);
    teardown(link);
    link.peripheral.removeListener('disconnect', link.onDisconnect);
    entry.link = undefined;
  }

  function scheduleReconnect(link: Link): void {
    if (link.timer) clearTimeout(link.timer);
    link.timer = undefined;
    if (!running || !link.wanted) return;
    link.state = 'reconnecting';
    // no timer while the adapter is off: powering on reconnects everything
    if (adapterState !== 'poweredOn') return;
    const base = Math.min(cfg.reconnect.maxMs, cfg.reconnect.initialMs * 2 ** Math.min(link.attempt, 20));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    link.attempt++;
    link.timer = later(delay, () => {
      link.timer = undefined;
      void establish(link);
    });
  }

  function establish(link: Link): Promise<void> {
    if (link.establishing) return link.establishing;
    if (link.state === 'connected') return Promise.resolve();
    const run = doEstablish(link).finally(() => {
      link.establishing = undefined;
    });
    link.establishing = run;
    return run;
  }

  async function doEstablish(link: Link): Promise<void> {
    if (!running || adapterState !== 'poweredOn') throw new Error('Bluetooth adapter is not powered on');
    const p = link.peripheral;
    teardown(link);
    resolveProfile(link);
    const abort = new AbortController();
    link.abort = abort;
    const signal = abort.signal;
    link.state = 'connecting';
    try {
      await call<void>('connect', cfg.connectTimeoutMs, signal, (cb) => p.connect(cb)).catch((e: unknown) => {
        if (p.state === 'connecting') p.cancelConnect?.();
        throw e;
      });
      const services =
        (await call<NobleService[]>('discover services', cfg.gattTimeoutMs, signal, (cb) =>
          p.discoverServices([], cb),
        )) ?? [];
      for (const s of services.slice(0, 64)) {
        const su = normalizeUuid(s.uuid);
        link.services.set(su, s);
        const chars =
          (await call<NobleCharacteristic[]>('discover characteristics', cfg.gattTimeoutMs, signal, (cb) =>
            s.discoverCharacteristics([], cb),
          )) ?? [];
        for (const c of chars.slice(0, 64)) link.characteristics.set(charKey(su, c.uuid), c);
      }
      // Device Information
      const info: DeviceInformation = {};
      for (const [uuid, field] of Object.entries(DEVICE_INFORMATION_STRINGS)) {
        const c = link.characteristics.get(charKey(DEVICE_INFORMATION_SERVICE, uuid));
        if (!c?.properties.includes('read')) continue;
        try {
          const data = await call<Buffer>(`read ${uuid}`, cfg.gattTimeoutMs, signal, (cb) => c.read(cb));
          const text = data instanceof Uint8Array ? decodeGattString(data) : '';
          if (text) info[field as keyof DeviceInformation] = text;
        } catch (e) {
          if (e instanceof Aborted) throw e;
          log.debug('BLE device information read failed', {
            deviceId: link.deviceId,
            uuid,
            error: message(e),
          });
        }
      }
      link.info = info;
      const name = displayName(p) ?? info.model ?? p.address ?? p.id;
      sink.deviceSeen({
        id: link.deviceId,
        name,
        kind: DEVICE_KIND,
        profile: link.profile,
        transport: 'ble',
        connectorId: cfg.id,
      });
      // standard and profile-mapped measurements: listen, subscribe where possible, read the current value once
      const initialReads: NobleCharacteristic[] = [];
      for (const [key, c] of link.characteristics) {
        const [su, uuid] = key.split('/') as [string, string];
        const mapped = mappingsFor(link.profileBle, su, uuid);
        if (mapped.length === 0 && !gattMetricFor(uuid)) continue;
        const onData = guard('value', (data: unknown) => onValue(link, uuid, mapped, data));
        c.on('data', onData);
        link.cleanups.push(() => c.removeListener('data', onData));
        if (notifies(c)) await hold(link, key, c);
        if (c.properties.includes('read')) initialReads.push(c);
      }
      link.state = 'connected';
      link.attempt = 0;
      for (const c of initialReads) c.read();
      log.info('BLE peripheral connected', { deviceId: link.deviceId, address: p.address, ...info });
      publish(undefined, scanningDetail());
    } catch (e) {
      if (link.abort !== abort) return; // superseded
      teardown(link);
      const text = `${link.deviceId}: ${message(e)}`;
      noteError(text);
      log.warn('BLE connection failed', {
        deviceId: link.deviceId,
        error: message(e),
        attempt: link.attempt,
      });
      if (!(e instanceof Aborted)) {
        link.state = 'disconnected';
        if (p.state === 'connected') p.disconnect();
        scheduleReconnect(link);
      }
      publish();
    }
  }

  function notifies(c: NobleCharacteristic): boolean {
    return c.properties.includes('notify') || c.properties.includes('indicate');
  }

  /** Take a hold on a characteristic's notifications; the first holder turns them on. */
  async function hold(link: Link, key: string, c: NobleCharacteristic): Promise<void> {
    let entry = link.cccd.get(key);
    if (!entry) {
      const ready = call<void>(`subscribe ${key}`, cfg.gattTimeoutMs, link.abort?.signal, (cb) =>
        c.subscribe(cb),
      );
      const created = { holders: 0, ready };
      entry = created;
      link.cccd.set(key, created);
      ready.catch(() => {
        if (link.cccd.get(key) === created) link.cccd.delete(key);
      });
    }
    entry.holders++;
    try {
      await entry.ready;
    } catch (e) {
      entry.holders--;
      throw e;
    }
  }

  /** Let go of a hold; the last holder on the same connection turns notifications off. */
  async function release(link: Link, generation: number, key: string, c: NobleCharacteristic): Promise<void> {
    if (link.generation !== generation) return; // that connection, and its notifications, are gone
    const entry = link.cccd.get(key);
    if (!entry) return;
    entry.holders--;
    if (entry.holders > 0) return;
    link.cccd.delete(key);
    if (link.state !== 'connected') return;
    await call<void>('unsubscribe', cfg.gattTimeoutMs, link.abort?.signal, (cb) => c.unsubscribe(cb)).catch(
      (e: unknown) =>
        log.debug('BLE unsubscribe failed', { deviceId: link.deviceId, key, error: message(e) }),
    );
  }

  function decodeError(link: Link, uuid: string, text: string): void {
    status.decodeErrors++;
    noteError(`${link.deviceId} ${uuid}: ${text}`);
    if (link.errorsLogged++ < 5) log.warn('BLE decode error', { deviceId: link.deviceId, uuid, error: text });
    publish();
  }

  /** the reading is still stored (null, flagged 'invalid'); the count shows how often */
  function invalidValue(link: Link, uuid: string, reason: string): void {
    status.invalidValues = (status.invalidValues ?? 0) + 1;
    if (link.errorsLogged++ < 5) log.warn('BLE invalid value', { deviceId: link.deviceId, uuid, reason });
  }

  function onValue(
    link: Link,
    uuid: string,
    mapped: readonly BleCharacteristicMapping[],
    data: unknown,
  ): void {
    const now = Date.now();
    status.messagesIn++;
    if (mapped.length > 0) {
      if (!(data instanceof Uint8Array)) {
        decodeError(link, uuid, 'value is not a byte buffer');
        return;
      }
      const readings: Reading[] = [];
      const errors: string[] = [];
      for (const m of mapped) {
        const r = decodeMapped(m, data);
        if (r.error !== null) errors.push(r.error);
        else
          readings.push({
            deviceId: link.deviceId,
            metric: m.metric,
            ts: now,
            value: r.value,
            quality: r.value === null ? 'null' : 'good',
            source: cfg.id,
            arrivedAt: now,
          });
      }
      // one bad value is one error, however many metrics it carried
      if (errors.length > 0) decodeError(link, uuid, errors.join('; '));
      if (readings.length > 0) {
        status.readingsIn += readings.length;
        sink.readings(readings);
      }
      return;
    }
    const m = gattMetricFor(uuid);
    if (!m) return;
    let decoded: GattDecoded;
    try {
      if (!(data instanceof Uint8Array)) throw new Error('value is not a byte buffer');
      decoded = decodeGatt(m, data);
    } catch (e) {
      decodeError(link, uuid, message(e));
      return;
    }
    if (decoded.reason !== null) invalidValue(link, uuid, decoded.reason);
    const reading: Reading = {
      deviceId: link.deviceId,
      metric: m.metric,
      ts: now,
      value: decoded.value,
      quality: decoded.quality,
      source: cfg.id,
      arrivedAt: now,
    };
    status.readingsIn++;
    sink.readings([reading]);
  }

  // ---- adapter ----

  function startScan(): void {
    if (!noble || scanning) return;
    scanning = true;
    noble.startScanning(cfg.scan.serviceUuids, cfg.scan.allowDuplicates, (error) => {
      if (error) {
        scanning = false;
        noteError(`scan: ${message(error)}`);
        log.warn('BLE scan failed to start', { error: message(error) });
        publish('error', `scan failed: ${message(error)}`);
      }
    });
  }

  const onStateChange = guard('stateChange', (state: string) => {
    adapterState = String(state);
    if (!running) return;
    if (adapterState === 'poweredOn') {
      publish('connected', scanningDetail());
      startScan();
      for (const e of table.values()) {
        const link = e.link;
        if (link?.wanted && link.state !== 'connected' && !link.establishing) {
          if (link.timer) clearTimeout(link.timer);
          link.timer = undefined;
          void establish(link);
        }
      }
      return;
    }
    scanning = false;
    for (const e of table.values()) {
      const link = e.link;
      if (!link) continue;
      if (link.timer) clearTimeout(link.timer);
      link.timer = undefined;
      if (link.state === 'connecting' || link.state === 'connected') {
        teardown(link);
        link.state = 'reconnecting';
      }
    }
    if (adapterState === 'unknown' || adapterState === 'resetting') {
      publish('connecting', `waiting for the Bluetooth adapter (${adapterState})`);
    } else {
      const text = `Bluetooth unavailable: adapter is ${adapterState}`;
      noteError(text);
      publish('error', text);
    }
  });

  const onNobleDiscover = guard('discover', (p: NoblePeripheral) => onDiscover(p));
  const onWarning = (text: unknown) => log.debug('noble warning', { warning: String(text) });

  function gattTarget(peripheralId: string): Link {
    const link = table.get(peripheralId)?.link;
    if (link?.state !== 'connected') throw new Error(`peripheral ${peripheralId} is not connected`);
    return link;
  }

  function characteristic(peripheralId: string, service: string, char: string): NobleCharacteristic {
    const link = gattTarget(peripheralId);
    const c = link.characteristics.get(charKey(service, char));
    if (!c) throw new Error(`no characteristic ${normalizeUuid(char)} in service ${normalizeUuid(service)}`);
    return c;
  }

  return {
    id: cfg.id,

    status: () => ({ ...status, devices: connectedCount() }),

    start() {
      if (running) return;
      running = true;
      if (!noble) {
        try {
          noble = load();
        } catch (e) {
          running = false;
          const text = `Bluetooth unavailable: ${message(e)}`;
          noteError(text);
          log.warn('Bluetooth unavailable', { error: message(e) });
          publish('error', text);
          return;
        }
      }
      const n = noble;
      const on = (event: string, fn: (...args: never[]) => void) => {
        n.on(event, fn as (...args: unknown[]) => void);
        nobleListeners.push([event, fn]);
      };
      on('warning', onWarning);
      on('discover', onNobleDiscover);
      on('stateChange', onStateChange);
      publish('connecting', 'waiting for the Bluetooth adapter');
      let state = 'unknown';
      try {
        state = n.state;
      } catch (e) {
        onStateChange(`unsupported (${message(e)})`);
        return;
      }
      if (state !== 'unknown') onStateChange(state);
    },

    async stop() {
      if (!running) {
        if (status.state !== 'error') publish('disconnected', 'stopped');
        return;
      }
      running = false;
      const n = noble;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (n) {
        for (const [event, fn] of nobleListeners) n.removeListener(event, fn as (...args: unknown[]) => void);
        nobleListeners.length = 0;
        if (scanning && adapterState === 'poweredOn') {
          try {
            n.stopScanning();
          } catch (e) {
            log.debug('BLE stop scanning failed', { error: message(e) });
          }
        }
      }
      scanning = false;
      const closing: Promise<unknown>[] = [];
      for (const entry of table.values()) {
        const link = entry.link;
        if (!link) continue;
        const p = link.peripheral;
        const wasUp = link.state === 'connected' || link.state === 'connecting';
        dropLink(entry);
        if (wasUp && adapterState === 'poweredOn') {
          closing.push(call<void>('disconnect', 2_000, undefined, (cb) => p.disconnect(cb)).catch(() => {}));
        }
      }
      await Promise.all(closing);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      table.clear();
      publish('disconnected', 'stopped');
    },

    peripherals() {
      const out: BlePeripheralInfo[] = [];
      for (const [id, e] of table) {
        const p = e.peripheral;
        const md = p.advertisement?.manufacturerData;
        const mdBytes = md instanceof Uint8Array ? md.subarray(0, 64) : undefined;
        out.push({
          id,
          address: typeof p.address === 'string' ? p.address : '',
          name: displayName(p),
          rssi: typeof p.rssi === 'number' ? p.rssi : -127,
          txPowerLevel:
            typeof p.advertisement?.txPowerLevel === 'number' ? p.advertisement.txPowerLevel : null,
          manufacturerData: mdBytes ? toHex(mdBytes) : null,
          companyId: mdBytes && mdBytes.length >= 2 ? mdBytes[0]! | (mdBytes[1]! << 8) : null,
          serviceUuids: advertisedServices(p),
          connectable: p.connectable !== false,
          firstSeen: e.firstSeen,
          lastSeen: e.lastSeen,
          link: e.link?.state ?? 'seen',
          deviceId: e.link?.deviceId ?? null,
          info: e.link?.info ? { ...e.link.info } : null,
        });
      }
      return out.sort((a, b) => b.rssi - a.rssi);
    },

    async connect(peripheralId) {
      const entry = table.get(peripheralId);
      if (!entry) throw new Error(`unknown peripheral ${peripheralId}`);
      const link = linkFor(entry);
      link.wanted = true;
      link.attempt = 0;
      if (link.timer) clearTimeout(link.timer);
      link.timer = undefined;
      await establish(link);
      if (link.state !== 'connected')
        throw new Error(status.lastError ?? `could not connect to ${peripheralId}`);
    },

    profilesChanged() {
      for (const [peripheralId, entry] of table) {
        const link = entry.link;
        if (!link) continue;
        const before = JSON.stringify([link.profile, link.profileBle]);
        resolveProfile(link);
        if (JSON.stringify([link.profile, link.profileBle]) === before || link.state !== 'connected')
          continue;
        log.info('BLE device profile changed; reconnecting', {
          deviceId: link.deviceId,
          profile: link.profile,
        });
        const wanted = link.wanted;
        void this.disconnect(peripheralId).then(() => {
          link.wanted = wanted;
          if (wanted && running) scheduleReconnect(link);
        });
      }
    },

    async disconnect(peripheralId) {
      const entry = table.get(peripheralId);
      const link = entry?.link;
      if (!link) return;
      link.wanted = false;
      if (link.timer) clearTimeout(link.timer);
      link.timer = undefined;
      const p = link.peripheral;
      const wasUp = link.state === 'connected' || link.state === 'connecting';
      teardown(link);
      link.state = 'disconnected';
      if (wasUp)
        await call<void>('disconnect', cfg.gattTimeoutMs, undefined, (cb) => p.disconnect(cb)).catch(
          () => {},
        );
      publish(undefined, running ? scanningDetail() : undefined);
    },

    async services(peripheralId) {
      const link = gattTarget(peripheralId);
      const out: GattServiceInfo[] = [];
      for (const [su] of link.services) {
        const characteristics: GattCharacteristicInfo[] = [];
        for (const [key, c] of link.characteristics) {
          const [s, cu] = key.split('/') as [string, string];
          if (s !== su) continue;
          const mapped = mappingsFor(link.profileBle, su, cu).map((m) => m.metric);
          const name =
            GATT_NAMES[cu] ?? (mapped.length > 0 ? `${mapped.join(', ')} (${link.profile})` : null);
          characteristics.push({ uuid: cu, name, properties: [...c.properties] });
        }
        out.push({ uuid: su, name: GATT_NAMES[su] ?? null, characteristics });
      }
      return out;
    },

    async read(peripheralId, service, char) {
      const c = characteristic(peripheralId, service, char);
      const data = await call<Buffer>(
        'read',
        cfg.gattTimeoutMs,
        table.get(peripheralId)?.link?.abort?.signal,
        (cb) => c.read(cb),
      );
      const link = gattTarget(peripheralId);
      return describeValue(
        normalizeUuid(char),
        data instanceof Uint8Array ? data : new Uint8Array(),
        mappingsFor(link.profileBle, service, char),
      );
    },

    async write(peripheralId, service, char, data, withoutResponse = false) {
      const c = characteristic(peripheralId, service, char);
      const buffer = Buffer.from(data);
      await call<void>('write', cfg.gattTimeoutMs, table.get(peripheralId)?.link?.abort?.signal, (cb) =>
        c.write(buffer, withoutResponse, cb),
      );
    },

    async connectedPeripheral(peripheralId) {
      if (table.get(peripheralId)?.link?.state !== 'connected') await this.connect(peripheralId);
      return gattTarget(peripheralId).peripheral;
    },

    async subscribe(peripheralId, service, char, listener, onEnded) {
      const link = gattTarget(peripheralId);
      const c = characteristic(peripheralId, service, char);
      if (!notifies(c)) throw new Error(`characteristic ${normalizeUuid(char)} does not notify or indicate`);
      const key = charKey(service, char);
      const uuid = normalizeUuid(char);
      const mapped = mappingsFor(link.profileBle, service, char);
      const generation = link.generation;
      let active = true;
      const onData = guard('subscriber', (data: unknown, isNotification: unknown) => {
        if (isNotification === false) return;
        listener(describeValue(uuid, data instanceof Uint8Array ? data : new Uint8Array(), mapped));
      });
      const end = () => {
        active = false;
        c.removeListener('data', onData);
        link.subscribers.delete(dropped);
      };
      const dropped = guard('subscriber ended', () => {
        if (!active) return;
        end();
        onEnded?.('the link to the peripheral dropped');
      });
      c.on('data', onData);
      link.subscribers.add(dropped);
      try {
        await hold(link, key, c);
      } catch (e) {
        end();
        throw e;
      }
      return async () => {
        if (!active) return;
        end();
        await release(link, generation, key, c);
      };
    },
  };
}
