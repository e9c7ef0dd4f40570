/**
 * What Improv Wi-Fi (https://www.improv-wifi.com) means, independent of the transport:
 * states, error codes, RPC commands, the string-list payloads both the serial and the BLE
 * flavours carry, and the error a technician gets to read. Serial and BLE differ only in
 * framing (improv-serial-codec.ts, improv-ble.ts).
 */

export const ImprovState = {
  authorizationRequired: 0x01,
  authorized: 0x02,
  provisioning: 0x03,
  provisioned: 0x04,
} as const;
export type ImprovStateName = 'authorization-required' | 'authorized' | 'provisioning' | 'provisioned';

export const ImprovErrorCode = {
  none: 0x00,
  invalidRpc: 0x01,
  unknownCommand: 0x02,
  unableToConnect: 0x03,
  /** BLE only */
  notAuthorized: 0x04,
  /** serial, hostname command */
  badHostname: 0x05,
  unknown: 0xff,
} as const;

export const ImprovCommand = {
  wifiSettings: 0x01,
  /** serial: request current state; BLE: identify (same number, different meaning) */
  currentStateOrIdentify: 0x02,
  deviceInfo: 0x03,
  scanWifi: 0x04,
} as const;

export type ImprovErrorKind =
  | 'invalid-rpc'
  | 'unknown-command'
  | 'unable-to-connect'
  | 'not-authorized'
  | 'bad-hostname'
  | 'unknown'
  | 'timeout'
  | 'bad-response'
  | 'link'
  /** the device does not offer Improv on this transport */
  | 'unsupported';

export function stateName(code: number): ImprovStateName | undefined {
  switch (code) {
    case 0x01:
      return 'authorization-required';
    case 0x02:
      return 'authorized';
    case 0x03:
      return 'provisioning';
    case 0x04:
      return 'provisioned';
    default:
      return undefined;
  }
}

export function errorKind(code: number): ImprovErrorKind {
  switch (code) {
    case 0x01:
      return 'invalid-rpc';
    case 0x02:
      return 'unknown-command';
    case 0x03:
      return 'unable-to-connect';
    case 0x04:
      return 'not-authorized';
    case 0x05:
      return 'bad-hostname';
    default:
      return 'unknown';
  }
}

/** A failed Improv exchange, worded for the person holding the device. */
export class ImprovError extends Error {
  override readonly name = 'ImprovError';
  constructor(
    readonly kind: ImprovErrorKind,
    message: string,
    /** the Improv error byte the device reported, when it reported one */
    readonly improvCode?: number,
  ) {
    super(message);
  }

  static fromDevice(code: number, context: { ssid?: string } = {}): ImprovError {
    const kind = errorKind(code);
    const messages: Record<ImprovErrorKind, string> = {
      'invalid-rpc':
        'the device rejected the request as malformed (Improv error 0x01): retry, and check the cable',
      'unknown-command': 'the device firmware does not support this Improv command (error 0x02)',
      'unable-to-connect': `the device could not join ${context.ssid ?? 'the network'}: wrong password or network out of range`,
      'not-authorized':
        'the device is not authorized to accept Wi-Fi settings: press its button (or follow its pairing step) and retry',
      'bad-hostname': 'the device refused the hostname (Improv error 0x05)',
      unknown: `the device reported an unknown Improv error (0x${code.toString(16).padStart(2, '0')})`,
      timeout: '',
      'bad-response': '',
      link: '',
      unsupported: '',
    };
    return new ImprovError(kind, messages[kind], code);
  }
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Strings as Improv carries them: each one a length byte then UTF-8 bytes. */
export function encodeStrings(strings: readonly string[]): Uint8Array {
  const parts = strings.map((s) => utf8.encode(s));
  for (const p of parts) if (p.length > 255) throw new RangeError('an Improv string is at most 255 bytes');
  const out = new Uint8Array(parts.reduce((n, p) => n + 1 + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out[at++] = p.length;
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function decodeStrings(bytes: Uint8Array): string[] | { error: string } {
  const strings: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const len = bytes[at]!;
    if (at + 1 + len > bytes.length) return { error: 'string runs past the end of the data' };
    strings.push(utf8Decoder.decode(bytes.subarray(at + 1, at + 1 + len)));
    at += 1 + len;
  }
  return strings;
}

export function encodeWifiSettings(ssid: string, password: string): Uint8Array {
  return encodeStrings([ssid, password]);
}

export function decodeWifiSettings(data: Uint8Array): { ssid: string; password: string } | { error: string } {
  const strings = decodeStrings(data);
  if (!Array.isArray(strings)) return strings;
  if (strings.length !== 2) return { error: `expected ssid and password, got ${strings.length} strings` };
  return { ssid: strings[0]!, password: strings[1]! };
}

/** [command, data length, data...]: the body of an RPC command (serial) or the framed part of it (BLE). */
export function encodeRpc(command: number, data: Uint8Array): Uint8Array {
  if (data.length > 255) throw new RangeError('Improv RPC data is at most 255 bytes');
  const out = new Uint8Array(2 + data.length);
  out[0] = command;
  out[1] = data.length;
  out.set(data, 2);
  return out;
}

/** A decoded RPC body; `error` carries the command byte when there was one, so the answer can still be attributed. */
export type DecodedRpc = { command: number; data: Uint8Array } | { error: string; command?: number };

/**
 * Reads [command, data length, data...] the way the reference client does: the declared
 * length decides where the data ends, and bytes after it are ignored. ESPHome (Improv
 * SDK 1.2.4's build_rpc_response, called without a checksum) sends one such byte on every
 * result; see improv-serial-codec.test.ts for the frames.
 */
export function decodeRpc(body: Uint8Array): DecodedRpc {
  if (body.length === 0) return { error: 'RPC result is empty' };
  const command = body[0]!;
  if (body.length < 2) return { error: 'RPC shorter than its 2-byte header', command };
  const len = body[1]!;
  if (body.length < 2 + len)
    return { error: `RPC declares ${len} data bytes but carries only ${body.length - 2}`, command };
  return { command, data: body.subarray(2, 2 + len) };
}

/**
 * An RPC command as a device checks it (Improv SDK parse_improv_data: the declared length
 * must match exactly, else the command is UNKNOWN and ESPHome answers "unknown RPC").
 */
export function decodeRpcCommandStrict(body: Uint8Array): DecodedRpc {
  const rpc = decodeRpc(body);
  if ('error' in rpc) return rpc;
  if (body.length !== 2 + rpc.data.length)
    return {
      error: `RPC data length ${rpc.data.length} does not match ${body.length - 2} bytes`,
      command: rpc.command,
    };
  return rpc;
}

export function sum8(bytes: Uint8Array, end = bytes.length): number {
  let s = 0;
  for (let i = 0; i < end; i++) s = (s + bytes[i]!) & 0xff;
  return s;
}

export interface ImprovDeviceInfo {
  firmwareName: string;
  firmwareVersion: string;
  chipFamily: string;
  deviceName: string;
  /** OS name and version when the firmware appends them (spec, optional) */
  extra: string[];
}

export function deviceInfoFromStrings(strings: string[]): ImprovDeviceInfo | undefined {
  if (strings.length < 4) return undefined;
  const [firmwareName, firmwareVersion, chipFamily, deviceName, ...extra] = strings;
  return {
    firmwareName: firmwareName!,
    firmwareVersion: firmwareVersion!,
    chipFamily: chipFamily!,
    deviceName: deviceName!,
    extra,
  };
}

export interface WifiNetwork {
  ssid: string;
  rssi: number;
  /** serial: "YES"/"NO"; BLE: WEP / WPA / WPA2 / NO. Kept as the device said it */
  auth: string;
  secured: boolean;
}

/** Triples of (ssid, rssi, auth); a malformed triple is skipped, not fatal. */
export function networksFromStrings(strings: string[]): WifiNetwork[] {
  const out: WifiNetwork[] = [];
  for (let i = 0; i + 2 < strings.length; i += 3) {
    const rssi = Number(strings[i + 1]);
    if (!Number.isFinite(rssi)) continue;
    const auth = strings[i + 2]!;
    out.push({ ssid: strings[i]!, rssi, auth, secured: auth.toUpperCase() !== 'NO' });
  }
  return out;
}

export function timeoutError(what: string, ms: number): ImprovError {
  return new ImprovError(
    'timeout',
    `no answer to ${what} within ${(ms / 1000).toFixed(1)} s: check the cable or radio link and that the device runs Improv-capable firmware`,
  );
}
