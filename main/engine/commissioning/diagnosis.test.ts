import { describe, expect, test } from 'vitest';
import { ConfigError } from '../provisioning/config-client';
import { garbledError, linkError } from '../provisioning/improv-client';
import { ImprovError, timeoutError } from '../provisioning/improv-protocol';
import { diagnoseIdentify, diagnoseStepError, identifyFailure } from './diagnosis';

const serial = { kind: 'serial', path: '/dev/ttyUSB0', baudRate: 115_200 } as const;
const silentImprov = timeoutError('the Improv device info request', 3_000);
const silentConfig = new ConfigError('timeout', 'no reply to info within 5.0 s');
/** what the wizard got from an ESPHome device before Fieldline read its trailing byte */
const garbledImprov = new ImprovError(
  'bad-response',
  'malformed Improv RPC result: RPC data length 38 does not match 39 bytes',
);

describe('identify diagnosis: what the device really did', () => {
  test('silence on both protocols: check the baud rate and the port', () => {
    expect(diagnoseIdentify(silentImprov, silentConfig, serial)).toMatch(/baud rate/);
    expect(identifyFailure(silentImprov, silentConfig)).toMatch(/^no answer from the device/);
  });

  test('a garbled Improv answer is named as such and does not send the technician to the baud rate', () => {
    for (const improv of [garbledImprov, garbledError('the Improv device info request', 'a bad checksum')]) {
      const text = diagnoseIdentify(improv, silentConfig, serial);
      expect(text).toMatch(/answered, but its Improv answer could not be read/);
      expect(text).not.toMatch(/baud/i);
      const failure = identifyFailure(improv, silentConfig);
      expect(failure).not.toMatch(/^no answer/);
      expect(failure).toMatch(/RPC data length 38|bad checksum/);
    }
  });

  test('a garbled configuration reply is a garbled answer too', () => {
    const text = diagnoseIdentify(silentImprov, new ConfigError('bad-reply', 'reply is not JSON'), serial);
    expect(text).toMatch(/configuration protocol answer could not be read/);
    expect(text).not.toMatch(/baud/i);
  });

  test('a refusal (an Improv error state) is an answer, not silence', () => {
    const text = diagnoseIdentify(ImprovError.fromDevice(0x02), silentConfig, serial);
    expect(text).toMatch(/refused/);
    expect(text).not.toMatch(/baud/i);
  });

  test('a dropped link wins; Bluetooth silence does not mention a baud rate', () => {
    expect(diagnoseIdentify(linkError('unplugged'), garbledImprov, serial)).toMatch(/connection dropped/);
    const ble = { kind: 'ble', connectorId: 'ble-1', peripheralId: 'aa:bb' } as const;
    expect(diagnoseIdentify(silentImprov, silentConfig, ble)).not.toMatch(/baud/i);
  });

  test('a garbled answer during a later step is named, a silent one stays a timeout', () => {
    expect(diagnoseStepError(garbledImprov, 'network')).toMatch(
      /answered during network, but the answer could not be read/,
    );
    expect(diagnoseStepError(timeoutError('the Wi-Fi settings', 45_000), 'network')).toMatch(
      /stopped answering/,
    );
  });
});
