/**
 * The wizard's steps, one function each. A step reads its input, talks to the device
 * through the channel, and writes what it learned into the session draft; it throws a
 * StepFailure (error + diagnosis) when the technician has something to fix.
 */

import { z } from 'zod';
import type { CommissioningSession, DeviceIdentity, StepInput } from '../../../common/commissioning-contract';
import type { Reading } from '../../../common/reading';
import type { DeviceRegistry } from '../devices/device-registry';
import type { Logger } from '../log';
import { HEARTBEAT_METRIC, type RegistryService } from '../registry/registry-service';
import type { SecretStore } from '../secrets/secret-store';
import {
  answerKind,
  diagnoseIdentify,
  diagnoseStepError,
  diagnoseVerify,
  identifyFailure,
  messageOf,
} from './diagnosis';
import {
  type CredentialsPort,
  type DeviceChannelPort,
  type DeviceStatusReply,
  sameFingerprint,
  type WatchReadings,
} from './ports';

const ConfigObject = z.record(z.string(), z.unknown());

export class StepFailure extends Error {
  constructor(
    message: string,
    readonly diagnosis: string | null,
  ) {
    super(message);
  }
}

export interface StepDeps {
  log: Logger;
  credentials: () => Promise<CredentialsPort>;
  secrets: SecretStore;
  registry: RegistryService;
  devices: DeviceRegistry;
  profileExists: (profile: string) => boolean;
  watchReadings: WatchReadings;
  /** an MQTT connector of ours listens on this broker */
  subscribedTo: (brokerUrl: string) => boolean;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface StepContext {
  session: CommissioningSession;
  channel(): Promise<DeviceChannelPort>;
  progress(message: string, fraction?: number | null): void;
  aborted(): boolean;
  deps: StepDeps;
}

const IDENTIFY_TIMEOUT_MS = 3000;
const WIFI_TIMEOUT_MS = 45_000;
const STATUS_POLL_MS = 2000;
/** a hard failure the device reports this many polls in a row ends verify early */
const HARD_FAILURE_POLLS = 2;

export function wifiSecretName(session: CommissioningSession): string {
  return `commissioning.${session.batchId ?? session.id}.wifi`;
}

export async function identify(ctx: StepContext): Promise<void> {
  const channel = await ctx.channel();
  ctx.progress('asking the device who it is (Improv)', 0.2);
  let improvError: unknown = null;
  let configError: unknown = null;
  const improvInfo = await channel.improv.deviceInfo(IDENTIFY_TIMEOUT_MS).catch((e: unknown) => {
    improvError = e;
    return null;
  });
  const improvState = improvInfo
    ? await channel.improv.currentState(IDENTIFY_TIMEOUT_MS).catch(() => null)
    : null;
  ctx.progress('reading identity (configuration protocol)', 0.6);
  const info = await channel.config.info().catch((e: unknown) => {
    configError = e;
    return null;
  });
  if (!improvInfo && !info) {
    throw new StepFailure(
      identifyFailure(improvError, configError),
      diagnoseIdentify(improvError, configError, ctx.session.link),
    );
  }
  const identity: DeviceIdentity = {
    firmwareName: improvInfo?.firmwareName ?? null,
    firmwareVersion: info?.firmwareVersion ?? improvInfo?.firmwareVersion ?? null,
    hardwareVersion: info?.hardwareVersion ?? improvInfo?.chipFamily ?? null,
    model: info?.model ?? improvInfo?.deviceName ?? null,
    serialNumber: info?.serialNumber ?? null,
    mac: info?.mac ?? null,
    improv: improvInfo !== null,
    improvProblem:
      improvInfo === null && answerKind(improvError) !== 'silent' ? messageOf(improvError) : null,
    improvState,
    configProtocol: info !== null,
    existingDeviceId: info?.deviceId ?? null,
  };
  ctx.session.identity = identity;
}

export function details(ctx: StepContext, input: Extract<StepInput, { step: 'details' }>['input']): void {
  const { registry, devices, profileExists } = ctx.deps;
  if (input.profile !== '' && !profileExists(input.profile)) {
    throw new StepFailure(`there is no device profile "${input.profile}"`, 'Pick a profile from the list.');
  }
  const existing = registry.get(input.deviceId);
  const serial = ctx.session.identity?.serialNumber ?? null;
  // a device that already carries another commissioned id (the last one of a batch picked
  // again, say) must not quietly become a second device
  const carried = ctx.session.identity?.existingDeviceId ?? null;
  if (carried && carried !== input.deviceId) {
    const other = registry.get(carried);
    if (
      other &&
      (other.lifecycle === 'commissioned' || other.lifecycle === 'active') &&
      other.serialNumber === serial
    ) {
      throw new StepFailure(
        `this device (serial ${serial}) is already commissioned as "${carried}"`,
        `Pick the next device, keep the id "${carried}" to re-commission it, or decommission "${carried}" in the Registry first.`,
      );
    }
  }
  if (
    existing &&
    (existing.lifecycle === 'commissioned' || existing.lifecycle === 'active') &&
    existing.serialNumber !== null &&
    existing.serialNumber !== serial
  ) {
    throw new StepFailure(
      `the device id "${input.deviceId}" belongs to another device (serial ${existing.serialNumber})`,
      'Choose another device id, or decommission the other device first.',
    );
  }
  // known from now on, so its first telemetry is validated against the chosen profile
  devices.register({
    id: input.deviceId,
    name: input.name,
    kind: ctx.session.identity?.model ?? 'device',
    profile: input.profile,
    transport: existing?.transport ?? 'mqtt',
    connectorId: existing?.connectorId ?? '',
  });
  devices.pin(input.deviceId, { name: input.name, profile: input.profile });
  ctx.session.details = input;
}

export async function credentials(
  ctx: StepContext,
  input: Extract<StepInput, { step: 'credentials' }>['input'],
): Promise<void> {
  const deviceId = requireDetails(ctx).deviceId;
  const channel = await ctx.channel();
  const ca = await ctx.deps.credentials();
  const previous = ctx.session.credentials;
  if (input.kind === 'x509') {
    ctx.progress('creating a key pair and certificate for this device', 0.2);
    const issued = await ca.issueCertificate(deviceId, { validityDays: input.validityDays });
    ctx.progress('writing the certificate to the device', 0.6);
    const stored = await channel.config
      .setCredentials({
        kind: 'x509',
        certificatePem: issued.certificatePem,
        privateKeyPem: issued.privateKeyPem,
        caPem: issued.caPem,
      })
      .catch(async (error: unknown) => {
        // never leave a valid certificate behind that no device holds
        await ca.revoke(issued.serialHex, 'unspecified');
        throw error;
      });
    if (!sameFingerprint(stored.fingerprint, issued.fingerprint)) {
      await ca.revoke(issued.serialHex, 'unspecified');
      throw new StepFailure(
        `the device stored a certificate with fingerprint ${stored.fingerprint}, not ${issued.fingerprint}`,
        'The write was corrupted or the firmware rejected the certificate: Retry; if it repeats, update the firmware.',
      );
    }
    ctx.session.credentials = {
      kind: 'x509',
      fingerprint: issued.fingerprint,
      serialHex: issued.serialHex,
      notAfter: issued.notAfter,
    };
  } else {
    ctx.progress('creating a pre-shared key for this device', 0.2);
    const issued = await ca.issuePsk(deviceId);
    ctx.progress('writing the key to the device', 0.6);
    const stored = await channel.config.setCredentials({
      kind: 'psk',
      identity: issued.identity,
      keyHex: issued.keyHex,
    });
    if (!sameFingerprint(stored.fingerprint, issued.fingerprint)) {
      throw new StepFailure(
        `the device reports key fingerprint ${stored.fingerprint}, not ${issued.fingerprint}`,
        'The write was corrupted: Retry.',
      );
    }
    ctx.session.credentials = {
      kind: 'psk',
      fingerprint: issued.fingerprint,
      serialHex: null,
      notAfter: null,
    };
  }
  // the device now holds the new credential: the one it replaced must stop working
  if (previous?.serialHex && previous.serialHex !== ctx.session.credentials.serialHex) {
    await ca.revoke(previous.serialHex, 'superseded');
  }
}

/** Wi-Fi goes over Improv: say why it cannot, naming a garbled answer apart from none. */
export function requireImprov(identity: DeviceIdentity | null | undefined): void {
  const improvProblem = identity?.improvProblem;
  if (!identity?.improv && improvProblem) {
    throw new StepFailure(
      `the device answered Improv when identified, but the answer could not be used (${improvProblem}), so Wi-Fi cannot be set yet`,
      'Go Back to identify and try again; if it keeps failing, the line is noisy or the firmware answers out of spec (update it).',
    );
  }
  if (!identity?.improv) {
    throw new StepFailure(
      'the device does not speak Improv, so Wi-Fi cannot be set over this link',
      'Use a wired device or one with Improv firmware.',
    );
  }
}

export async function network(
  ctx: StepContext,
  input: Extract<StepInput, { step: 'network' }>['input'],
): Promise<void> {
  const { deviceId } = requireDetails(ctx);
  const channel = await ctx.channel();
  const secretName = wifiSecretName(ctx.session);
  const password = input.password ?? ctx.deps.secrets.get(secretName);
  if (password === undefined) {
    throw new StepFailure(
      'no Wi-Fi password was given',
      'Type the Wi-Fi password (leave it empty for an open network).',
    );
  }
  const desired = { deviceId, brokerUrl: input.brokerUrl, reportingIntervalS: input.reportingIntervalS };
  ctx.progress('writing broker and device settings', 0.1);
  await channel.config.setConfig(desired);
  const readBack = await channel.config.getConfig();
  const wrong = Object.entries(desired).filter(([k, v]) => readBack[k] !== v);
  if (wrong.length > 0) {
    throw new StepFailure(
      `the device kept ${wrong.map(([k]) => `${k}=${JSON.stringify(readBack[k])}`).join(', ')} after writing`,
      'The device did not store the settings: check its firmware accepts them (lengths, URL scheme), then Retry.',
    );
  }
  requireImprov(ctx.session.identity);
  ctx.progress(`joining "${input.ssid}" (Improv)`, 0.4);
  try {
    await channel.improv.sendWifi(input.ssid, password, WIFI_TIMEOUT_MS);
  } catch (error) {
    throw new StepFailure(messageOf(error), diagnoseStepError(error, 'network'));
  }
  // kept only once the device joined with it: a refused password must never be offered again
  ctx.deps.secrets.put(secretName, password);
  ctx.session.network = {
    ssid: input.ssid,
    brokerUrl: input.brokerUrl,
    reportingIntervalS: input.reportingIntervalS,
    verified: true,
  };
}

export async function verify(
  ctx: StepContext,
  input: Extract<StepInput, { step: 'verify' }>['input'],
): Promise<void> {
  const { deviceId } = requireDetails(ctx);
  const brokerUrl = ctx.session.network?.brokerUrl ?? '';
  const { deps } = ctx;
  const started = deps.now();
  const deadline = started + input.timeoutS * 1000;
  const seen = { firstTelemetryAt: null as number | null, heartbeatAt: null as number | null, readings: 0 };
  ctx.session.verify = { ...seen };
  const stop = deps.watchReadings((accepted: readonly Reading[]) => {
    for (const r of accepted) {
      if (r.deviceId !== deviceId) continue;
      seen.readings++;
      const at = r.arrivedAt ?? deps.now();
      if (r.metric === HEARTBEAT_METRIC) seen.heartbeatAt ??= at;
      else if (!['rssi', 'battery', 'errors'].includes(r.metric)) seen.firstTelemetryAt ??= at;
    }
  });
  let status: DeviceStatusReply | null = null;
  let hardFailures = 0;
  let lastPoll = 0;
  try {
    while (!(seen.firstTelemetryAt && seen.heartbeatAt)) {
      if (ctx.aborted()) throw new StepFailure('the session was abandoned', null);
      const now = deps.now();
      if (now >= deadline) {
        throw new StepFailure(
          `no ${seen.firstTelemetryAt ? 'heartbeat' : 'telemetry'} from ${deviceId} within ${input.timeoutS} s`,
          diagnoseVerify(status, brokerUrl, deps.subscribedTo(brokerUrl)),
        );
      }
      if (now - lastPoll >= STATUS_POLL_MS) {
        lastPoll = now;
        status = await pollStatus(ctx);
        const hard =
          status &&
          (status.wifi === 'wrong-password' || ['tls-refused', 'auth-refused'].includes(status.broker));
        hardFailures = hard ? hardFailures + 1 : 0;
        if (hardFailures >= HARD_FAILURE_POLLS) {
          throw new StepFailure(
            `the device reports Wi-Fi ${status?.wifi}, broker ${status?.broker}${status?.lastError ? `: ${status.lastError}` : ''}`,
            diagnoseVerify(status, brokerUrl, deps.subscribedTo(brokerUrl)),
          );
        }
      }
      const left = Math.max(0, Math.ceil((deadline - now) / 1000));
      const waitingFor = seen.firstTelemetryAt
        ? 'heartbeat'
        : seen.heartbeatAt
          ? 'telemetry'
          : 'telemetry and heartbeat';
      ctx.session.verify = { ...seen };
      ctx.progress(
        `waiting for ${waitingFor} from ${deviceId} (${left} s left)`,
        (now - started) / (deadline - started),
      );
      await deps.sleep(250);
    }
  } finally {
    stop();
  }
  ctx.session.verify = { ...seen };
}

async function pollStatus(ctx: StepContext): Promise<DeviceStatusReply | null> {
  try {
    const channel = await ctx.channel();
    return await channel.config.status();
  } catch {
    // the link may be gone (a device that rebooted onto Wi-Fi); telemetry still decides
    return null;
  }
}

export async function record(
  ctx: StepContext,
  input: Extract<StepInput, { step: 'record' }>['input'],
): Promise<void> {
  const d = requireDetails(ctx);
  const s = ctx.session;
  const channel = await ctx.channel().catch(() => null);
  // what the device says it runs with now, for the registry's desired-vs-reported view
  const reported = channel ? await channel.config.getConfig().catch(() => null) : null;
  const desired = s.network
    ? {
        deviceId: d.deviceId,
        brokerUrl: s.network.brokerUrl,
        reportingIntervalS: s.network.reportingIntervalS,
      }
    : {};
  ctx.deps.registry.commission(
    d.deviceId,
    {
      name: d.name,
      profile: d.profile,
      site: d.site || null,
      tags: d.tags,
      serialNumber: s.identity?.serialNumber ?? null,
      hardwareVersion: s.identity?.hardwareVersion ?? null,
      firmwareVersion: s.identity?.firmwareVersion ?? null,
      desiredConfig: desired,
      reportedConfig: reported ? ConfigObject.parse(reported) : {},
      credential: s.credentials
        ? {
            kind: s.credentials.kind,
            fingerprint: s.credentials.fingerprint,
            serial: s.credentials.serialHex,
            expires: s.credentials.notAfter,
          }
        : null,
    },
    s.technician,
  );
  s.notes = input.notes;
  s.status = 'done';
}

function requireDetails(ctx: StepContext) {
  const d = ctx.session.details;
  if (!d) throw new StepFailure('the device has no id yet', 'Go back to Details.');
  return d;
}
