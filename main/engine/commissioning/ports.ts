/**
 * What the commissioning wizard needs from the device protocols (provisioning/) and the
 * certificate authority (pki/). Declared here, by the consumer, so the wizard's state
 * machine is tested on its own and the engine wires the real implementations in.
 */
import type { DeviceLink } from '../../../common/commissioning-contract';
import type { Reading } from '../../../common/reading';
import type { IssuedKeyPair, IssuedPsk } from '../pki/device-credentials';
import type { DeviceInfoReply, DeviceStatusReply } from '../provisioning/config-protocol';

export interface WifiNetworkInfo {
  ssid: string;
  rssi: number;
  secured: boolean;
}

export interface ImprovPort {
  currentState(timeoutMs?: number): Promise<string>;
  deviceInfo(timeoutMs?: number): Promise<{
    firmwareName: string;
    firmwareVersion: string;
    chipFamily: string;
    deviceName: string;
  }>;
  scanWifi(timeoutMs?: number): Promise<WifiNetworkInfo[]>;
  sendWifi(ssid: string, password: string, timeoutMs?: number): Promise<{ redirectUrl: string | null }>;
}

export type { DeviceInfoReply, DeviceStatusReply };

export type DeviceCredentialsPayload =
  | { kind: 'x509'; certificatePem: string; privateKeyPem: string; caPem: string }
  | { kind: 'psk'; identity: string; keyHex: string };

export interface ConfigPort {
  info(): Promise<DeviceInfoReply>;
  getConfig(): Promise<Record<string, unknown>>;
  setConfig(values: Record<string, unknown>): Promise<void>;
  setCredentials(c: DeviceCredentialsPayload): Promise<{ fingerprint: string }>;
  status(): Promise<DeviceStatusReply>;
  reboot(): Promise<void>;
}

export interface DeviceChannelPort {
  readonly improv: ImprovPort;
  readonly config: ConfigPort;
  onClose(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}

export type OpenChannel = (link: DeviceLink) => Promise<DeviceChannelPort>;

export interface CredentialsPort {
  issueCertificate(deviceId: string, options: { validityDays: number }): Promise<IssuedKeyPair>;
  issuePsk(deviceId: string): IssuedPsk | Promise<IssuedPsk>;
  revoke(serialHex: string, reason: 'superseded' | 'unspecified'): unknown;
}

/** Accepted readings as the pipeline commits them; returns the unsubscribe function. */
export type WatchReadings = (listener: (accepted: readonly Reading[]) => void) => () => void;

/** Fingerprints compared without separators or case: devices print them many ways. */
export function sameFingerprint(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  return norm(a) !== '' && norm(a) === norm(b);
}
