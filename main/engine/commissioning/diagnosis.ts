/**
 * From what went wrong to what a technician should do about it. The wizard shows the
 * error (what happened) and the diagnosis (the likely cause and the next thing to try).
 */
import type { DeviceLink } from '../../../common/commissioning-contract';
import type { DeviceStatusReply } from './ports';

function kindOf(error: unknown): string | undefined {
  const kind = (error as { kind?: unknown })?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function diagnoseConnect(error: unknown, link: DeviceLink): string {
  const text = messageOf(error);
  if (link.kind === 'ble') {
    if (/unavailable|powered/i.test(text))
      return 'Bluetooth is off or missing on this computer: turn it on, or connect the device over USB.';
    return 'The device did not accept a Bluetooth connection: bring the laptop closer, power-cycle the device, then Retry.';
  }
  const linkKind = kindOf(error);
  if (linkKind === 'not-found' || /ENOENT|no such file|not found|no serial port/i.test(text)) {
    return `There is no port ${link.path}: check the USB cable (a charge-only cable has no data lines) and pick the port again.`;
  }
  if (linkKind === 'busy' || linkKind === 'permission' || /lock|busy|EBUSY|EACCES|permission/i.test(text)) {
    return `${link.path} is in use or not permitted: close other serial monitors (Arduino IDE, screen, the Fieldline serial connector on this port) or add your user to the dialout group.`;
  }
  return 'The port could not be opened: unplug and replug the device, then Retry.';
}

/**
 * What the device did when asked: said nothing, sent something unreadable, or answered with
 * a refusal. Improv errors (ImprovError) and configuration protocol errors (ConfigError)
 * both carry a kind; their vocabularies differ only in names.
 */
export type AnswerKind = 'link' | 'silent' | 'garbled' | 'refused';

export function answerKind(error: unknown): AnswerKind {
  const kind = kindOf(error);
  if (kind === 'link' || kind === 'not-found') return 'link';
  if (kind === 'bad-response' || kind === 'bad-reply' || kind === 'too-long') return 'garbled';
  if (kind === 'timeout' || kind === 'unsupported' || kind === undefined) return 'silent';
  // the device sent an Improv error state or a configuration protocol error reply
  return 'refused';
}

/** The identify step's error line: "no answer" only when there really was none. */
export function identifyFailure(improvError: unknown, configError: unknown): string {
  const answers = [answerKind(improvError), answerKind(configError)];
  const detail = `Improv: ${messageOf(improvError)}; configuration protocol: ${messageOf(configError)}`;
  if (answers.every((a) => a === 'silent')) return `no answer from the device (${detail})`;
  return `the device answered, but not with anything usable (${detail})`;
}

export function diagnoseIdentify(
  improvError: unknown,
  configError: unknown,
  link?: DeviceLink | null,
): string {
  const improv = answerKind(improvError);
  const config = answerKind(configError);
  if (improv === 'link' || config === 'link')
    return 'The connection dropped: plug the device back in; the wizard reconnects on Retry.';
  if (improv === 'garbled' || config === 'garbled') {
    const which = improv === 'garbled' ? 'Improv' : 'configuration protocol';
    // the device is talking at the right speed: wiring and baud rate are not the problem
    return (
      `The device answered, but its ${which} answer could not be read. The cable and port work; ` +
      'power-cycle the device and Retry. If it happens again, the firmware speaks a variant Fieldline ' +
      'does not read: note the firmware name and version and update it or report it.'
    );
  }
  if (improv === 'refused' || config === 'refused') {
    return (
      'The device answered but refused the request: its firmware may not support device info. ' +
      'Power-cycle it into setup mode and Retry, or update the firmware.'
    );
  }
  if (link?.kind === 'ble') {
    return 'The device does not answer Improv or the Fieldline configuration protocol over Bluetooth: power-cycle it into setup mode, bring it closer and Retry.';
  }
  return (
    'The device does not answer Improv or the Fieldline configuration protocol: check the baud rate (115200 for most ' +
    'boards), that its firmware supports provisioning, and power-cycle it into setup mode.'
  );
}

export function diagnoseStepError(error: unknown, step: string): string {
  const kind = kindOf(error);
  // 'not-found': reopening the link found no port any more, which after a pulled cable is the same story
  if (
    kind === 'link' ||
    kind === 'not-found' ||
    /closed|disconnected|not open|no serial port/i.test(messageOf(error))
  ) {
    return 'The connection to the device dropped (cable pulled or device reset): reconnect it and Retry; the wizard reopens the link.';
  }
  if (kind === 'timeout') return `The device stopped answering during ${step}: power-cycle it and Retry.`;
  if (answerKind(error) === 'garbled') {
    return `The device answered during ${step}, but the answer could not be read: power-cycle it and Retry; if it repeats, note the firmware name and version and update it or report it.`;
  }
  if (kind === 'unable-to-connect') {
    return 'The device could not join the Wi-Fi network: the password is most likely wrong, or the access point is out of reach or 5 GHz-only (most devices are 2.4 GHz).';
  }
  if (kind === 'not-authorized')
    return 'Press the button on the device to authorize provisioning, then Retry.';
  return `Retry ${step}; if it fails again, power-cycle the device.`;
}

/** Why no telemetry arrived, from the device's own view of its Wi-Fi and broker link. */
export function diagnoseVerify(
  status: DeviceStatusReply | null,
  brokerUrl: string,
  subscribed: boolean,
): string {
  if (status) {
    if (status.wifi === 'wrong-password')
      return 'Wrong Wi-Fi password: the device could not join the network. Go back to Network and retype it.';
    if (status.wifi === 'no-network')
      return 'The device cannot see the Wi-Fi network: check the SSID and that the access point is in range (2.4 GHz).';
    if (status.wifi !== 'connected')
      return `The device is not on Wi-Fi yet (${status.wifi}): wait a moment and Retry, or check the access point.`;
    if (status.broker === 'unreachable') {
      return `Broker unreachable: the device is on Wi-Fi but cannot reach ${brokerUrl}. Check the address and port, the plant firewall, and that the broker is running.`;
    }
    if (status.broker === 'tls-refused' && /PSK/.test(status.lastError ?? '')) {
      return "The broker refused the device's pre-shared key: save the psk_file from Credentials ▸ Broker config on the broker, reload mosquitto, and give the device the PSK listener's port.";
    }
    if (status.broker === 'tls-refused') {
      return 'The broker refused the device certificate: make the broker trust the project CA (Credentials ▸ Broker config: cafile and crlfile) and check the device certificate was not revoked.';
    }
    if (status.broker === 'auth-refused') {
      return 'The broker refused the device credentials (not authorized): check the broker ACL and use_identity_as_username or the PSK identity.';
    }
    if (status.broker === 'connected' && !subscribed) {
      return `The device is connected to the broker but Fieldline does not subscribe to it: add an MQTT connector for ${brokerUrl} with topic template fieldline/{deviceId}/{metric}.`;
    }
    if (status.broker === 'connected') {
      return 'The device says it is connected to the broker but no telemetry reached Fieldline: check the topic prefix and the broker ACL for the device id.';
    }
    if (status.lastError) return `The device reports: ${status.lastError}`;
  }
  return 'No telemetry and no status from the device: check it is powered and in range, then Retry.';
}
