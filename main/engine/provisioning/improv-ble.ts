/**
 * Improv over Bluetooth LE (https://www.improv-wifi.com/ble/): the GATT service, the RPC
 * packets with their one-byte checksum, the advertised service data, and an ImprovClient
 * over a GattPort. The current state is a readable, notifying characteristic here; the
 * serial flavour's "request current state" command does not exist on BLE (0x02 means
 * identify).
 */
import type { GattPort } from './gatt-port';
import { GattError } from './gatt-port';
import { CommandQueue, dedupeNetworks, IMPROV_TIMEOUTS, type ImprovClient, linkError } from './improv-client';
import {
  decodeRpc,
  decodeStrings,
  deviceInfoFromStrings,
  encodeRpc,
  encodeWifiSettings,
  ImprovCommand,
  type ImprovDeviceInfo,
  ImprovError,
  type ImprovStateName,
  networksFromStrings,
  stateName,
  sum8,
  timeoutError,
  type WifiNetwork,
} from './improv-protocol';

export const IMPROV_BLE = {
  service: '00467768-6228-2272-4663-277478268000',
  currentState: '00467768-6228-2272-4663-277478268001',
  errorState: '00467768-6228-2272-4663-277478268002',
  rpcCommand: '00467768-6228-2272-4663-277478268003',
  rpcResult: '00467768-6228-2272-4663-277478268004',
  capabilities: '00467768-6228-2272-4663-277478268005',
  /** 16-bit UUID the service data is advertised under */
  serviceDataUuid: '4677',
} as const;

export const ImprovCapability = { identify: 0x01 } as const;

/** [command, length, data..., checksum]: what the RPC command and result characteristics carry. */
export function encodeBleRpc(command: number, data: Uint8Array): Uint8Array {
  const body = encodeRpc(command, data);
  const out = new Uint8Array(body.length + 1);
  out.set(body, 0);
  out[body.length] = sum8(body);
  return out;
}

export function decodeBleRpc(bytes: Uint8Array): { command: number; data: Uint8Array } | { error: string } {
  if (bytes.length < 3) return { error: 'RPC packet shorter than its header and checksum' };
  const body = bytes.subarray(0, bytes.length - 1);
  if (sum8(body) !== bytes[bytes.length - 1]) return { error: 'RPC packet checksum mismatch' };
  return decodeRpc(body);
}

export interface ImprovServiceData {
  state: ImprovStateName | undefined;
  capabilities: number;
}

/** Service data 0x4677: state, capabilities, four reserved bytes. */
export function encodeImprovServiceData(stateCode: number, capabilities: number): Uint8Array {
  return Uint8Array.from([stateCode, capabilities, 0, 0, 0, 0]);
}

export function parseImprovServiceData(bytes: Uint8Array): ImprovServiceData | undefined {
  if (bytes.length < 2) return undefined;
  return { state: stateName(bytes[0]!), capabilities: bytes[1]! };
}

type Step<T> = { resolve: T } | { reject: ImprovError } | undefined;

type Event =
  | { kind: 'state'; code: number }
  | { kind: 'error'; code: number }
  | { kind: 'result'; bytes: Uint8Array };

function fromGatt(e: unknown, what: string): ImprovError {
  if (e instanceof ImprovError) return e;
  if (e instanceof GattError) {
    if (e.kind === 'link') return linkError(e.message);
    if (e.kind === 'timeout') return new ImprovError('timeout', `${what}: ${e.message}`);
  }
  return new ImprovError('bad-response', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * An ImprovClient over BLE. Subscribes to the state, error and result characteristics once;
 * a device without the Improv service gets a client whose every call fails with 'unsupported'.
 */
export async function createBleImprovClient(port: GattPort, gattTimeoutMs = 5_000): Promise<ImprovClient> {
  const s = IMPROV_BLE.service;
  if (!port.has(s, IMPROV_BLE.rpcCommand) || !port.has(s, IMPROV_BLE.rpcResult)) {
    const no = () =>
      Promise.reject(new ImprovError('unsupported', 'the device does not offer Improv over Bluetooth'));
    return { currentState: no, deviceInfo: no, scanWifi: no, sendWifi: no };
  }
  const listeners = new Set<(e: Event) => void>();
  const fire = (e: Event) => {
    for (const l of [...listeners]) l(e);
  };
  await port.subscribe(s, IMPROV_BLE.rpcResult, (bytes) => fire({ kind: 'result', bytes }), gattTimeoutMs);
  if (port.has(s, IMPROV_BLE.currentState))
    await port.subscribe(
      s,
      IMPROV_BLE.currentState,
      (b) => fire({ kind: 'state', code: b[0] ?? -1 }),
      gattTimeoutMs,
    );
  if (port.has(s, IMPROV_BLE.errorState))
    await port.subscribe(
      s,
      IMPROV_BLE.errorState,
      (b) => fire({ kind: 'error', code: b[0] ?? 0xff }),
      gattTimeoutMs,
    );
  const queue = new CommandQueue();

  function exchange<T>(
    what: string,
    timeoutMs: number,
    command: number,
    data: Uint8Array,
    context: { ssid?: string },
    step: (e: Event, settleLater: (fn: () => Step<T>, ms: number) => void) => Step<T>,
  ): Promise<T> {
    return queue.run(
      () =>
        new Promise<T>((resolve, reject) => {
          const closed = port.closedReason();
          if (closed !== null) return reject(linkError(closed));
          let done = false;
          const timers: NodeJS.Timeout[] = [];
          const finish = (st: Step<T>) => {
            if (!st || done) return;
            done = true;
            for (const t of timers) clearTimeout(t);
            listeners.delete(onEvent);
            offClose();
            if ('reject' in st) reject(st.reject);
            else resolve(st.resolve);
          };
          const onEvent = (e: Event) => {
            if (done) return;
            if (e.kind === 'error') {
              if (e.code !== 0x00) finish({ reject: ImprovError.fromDevice(e.code, context) });
              return;
            }
            finish(step(e, (fn, ms) => timers.push(setTimeout(() => finish(fn()), ms))));
          };
          listeners.add(onEvent);
          const offClose = port.onClose((reason) => finish({ reject: linkError(reason) }));
          timers.push(setTimeout(() => finish({ reject: timeoutError(what, timeoutMs) }), timeoutMs));
          port
            .write(s, IMPROV_BLE.rpcCommand, encodeBleRpc(command, data), Math.min(timeoutMs, gattTimeoutMs))
            .catch((e: unknown) => finish({ reject: fromGatt(e, what) }));
        }),
    );
  }

  function result(e: Event, command: number): string[] | ImprovError | undefined {
    if (e.kind !== 'result') return undefined;
    const rpc = decodeBleRpc(e.bytes);
    if ('error' in rpc) return new ImprovError('bad-response', `malformed Improv RPC result: ${rpc.error}`);
    if (rpc.command !== command) return undefined;
    const strings = decodeStrings(rpc.data);
    if (!Array.isArray(strings))
      return new ImprovError('bad-response', `malformed Improv RPC result: ${strings.error}`);
    return strings;
  }

  return {
    async currentState(timeoutMs = IMPROV_TIMEOUTS.currentState) {
      let bytes: Uint8Array;
      try {
        bytes = await port.read(s, IMPROV_BLE.currentState, timeoutMs);
      } catch (e) {
        throw fromGatt(e, 'the Improv state read');
      }
      const name = stateName(bytes[0] ?? -1);
      if (!name)
        throw new ImprovError(
          'bad-response',
          `the device reported an unknown Improv state (${bytes.length} bytes)`,
        );
      return name;
    },

    deviceInfo(timeoutMs = IMPROV_TIMEOUTS.deviceInfo) {
      return exchange<ImprovDeviceInfo>(
        'the Improv device info request',
        timeoutMs,
        ImprovCommand.deviceInfo,
        new Uint8Array(0),
        {},
        (e) => {
          const r = result(e, ImprovCommand.deviceInfo);
          if (r === undefined) return undefined;
          if (r instanceof ImprovError) return { reject: r };
          const info = deviceInfoFromStrings(r);
          return info
            ? { resolve: info }
            : {
                reject: new ImprovError(
                  'bad-response',
                  `device info has ${r.length} fields, expected at least 4`,
                ),
              };
        },
      );
    },

    scanWifi(timeoutMs = IMPROV_TIMEOUTS.scanWifi) {
      const found: WifiNetwork[] = [];
      return exchange<WifiNetwork[]>(
        'the Wi-Fi scan',
        timeoutMs,
        ImprovCommand.scanWifi,
        new Uint8Array(0),
        {},
        (e) => {
          const r = result(e, ImprovCommand.scanWifi);
          if (r === undefined) return undefined;
          if (r instanceof ImprovError) return { reject: r };
          if (r.length === 0) return { resolve: dedupeNetworks(found) };
          if (found.length < 500) found.push(...networksFromStrings(r));
          return undefined;
        },
      );
    },

    sendWifi(ssid, password, timeoutMs = IMPROV_TIMEOUTS.sendWifi) {
      return exchange<{ redirectUrl: string | null }>(
        `the Wi-Fi settings for ${ssid}`,
        timeoutMs,
        ImprovCommand.wifiSettings,
        encodeWifiSettings(ssid, password),
        { ssid: `"${ssid}"` },
        (e, settleLater) => {
          if (e.kind === 'state' && e.code === 0x04) {
            settleLater(() => ({ resolve: { redirectUrl: null } }), IMPROV_TIMEOUTS.redirectGrace);
            return undefined;
          }
          const r = result(e, ImprovCommand.wifiSettings);
          if (r === undefined) return undefined;
          if (r instanceof ImprovError) return { reject: r };
          return { resolve: { redirectUrl: r.find((x) => x.length > 0) ?? null } };
        },
      );
    },
  };
}
