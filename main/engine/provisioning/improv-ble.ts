/**
 * Improv over Bluetooth LE (https://www.improv-wifi.com/ble/): the GATT service, the RPC
 * packets with their one-byte checksum, the advertised service data, and an ImprovClient
 * over a GattPort. The current state is a readable, notifying characteristic here; the
 * serial flavour's "request current state" command does not exist on BLE (0x02 means
 * identify).
 */
import type { GattPort } from './gatt-port';
import { GattError } from './gatt-port';
import {
  createImprovRpcCore,
  IMPROV_TIMEOUTS,
  type ImprovClient,
  type ImprovEvent,
  linkError,
} from './improv-client';
import {
  type DecodedRpc,
  decodeRpc,
  encodeRpc,
  ImprovError,
  type ImprovStateName,
  stateName,
  sum8,
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

/**
 * The checksum is the packet's last byte. The body is read like a serial RPC result, up to
 * its declared length (the BLE reference client, sdk-ble-js, reads values up to the data
 * length too); a device checks commands strictly by passing decodeRpcCommandStrict.
 */
export function decodeBleRpc(
  bytes: Uint8Array,
  decodeBody: (body: Uint8Array) => DecodedRpc = decodeRpc,
): DecodedRpc {
  // a packet that fails its checksum is not attributed to a command: its command byte may be the damaged one
  if (bytes.length < 3) return { error: 'RPC packet shorter than its header and checksum' };
  const body = bytes.subarray(0, bytes.length - 1);
  if (sum8(body) !== bytes[bytes.length - 1]) return { error: 'RPC packet checksum mismatch' };
  return decodeBody(body);
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
  const listeners = new Set<(e: ImprovEvent) => void>();
  const fire = (e: ImprovEvent) => {
    for (const l of [...listeners]) l(e);
  };
  await port.subscribe(
    s,
    IMPROV_BLE.rpcResult,
    (bytes) => fire({ kind: 'result', rpc: decodeBleRpc(bytes) }),
    gattTimeoutMs,
  );
  if (port.has(s, IMPROV_BLE.currentState))
    await port.subscribe(
      s,
      IMPROV_BLE.currentState,
      (b) => fire({ kind: 'state', code: b[0] }),
      gattTimeoutMs,
    );
  if (port.has(s, IMPROV_BLE.errorState))
    await port.subscribe(
      s,
      IMPROV_BLE.errorState,
      (b) => fire({ kind: 'error', code: b[0] ?? 0xff }),
      gattTimeoutMs,
    );

  const core = createImprovRpcCore({
    sendRpc: (command, data, what, timeoutMs) =>
      port
        .write(s, IMPROV_BLE.rpcCommand, encodeBleRpc(command, data), Math.min(timeoutMs, gattTimeoutMs))
        .catch((e: unknown) => {
          throw fromGatt(e, what);
        }),
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    closedReason: () => port.closedReason(),
    onClose: (listener) => port.onClose(listener),
  });

  return {
    deviceInfo: core.deviceInfo,
    scanWifi: core.scanWifi,
    sendWifi: core.sendWifi,
    // a readable characteristic on BLE: no command (0x02 means identify here)
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
  };
}
