/**
 * Per-device PSKs against a real mosquitto: the broker's TLS-PSK listener and psk_file come
 * from Fieldline's export (mosquittoConf with pskPort, pskFile()), the device side is
 * Node's TLS-PSK through mqtt.js. A key from issuePsk connects as its own identity and may
 * publish only under it; a wrong key, an unknown identity, a replaced key (once the file is
 * exported again and mosquitto reloaded) and a removed one are refused.
 */
import { describe, expect, it } from 'vitest';
import { PlantBroker } from '../commissioning/plant-broker';
import { pskTlsOptions } from '../provisioning/psk-tls';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openTestDb, silent } from '../store/test-fixtures';
import { DeviceCredentials } from './device-credentials';
import { type EchoOutcome, tryEcho, useBroker } from './test-broker';

/** Connects with TLS-PSK and publishes on `fieldline/<topicDevice>/temperature`. */
function tryPsk(
  port: number,
  identity: string,
  keyHex: string,
  topicDevice = identity,
): Promise<EchoOutcome> {
  return tryEcho(port, pskTlsOptions({ identity, keyHex }), identity, `fieldline/${topicDevice}/temperature`);
}

describe('mosquitto with a TLS-PSK listener from the psk_file export', () => {
  let credentials: DeviceCredentials;
  const broker = new PlantBroker({ acl: 'pattern readwrite fieldline/%u/#', psk: true });

  useBroker(broker, async () => {
    const { db } = openTestDb('psk');
    const secrets = new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, 5)));
    credentials = await DeviceCredentials.open({ db, secrets, projectName: 'Plant 9', log: silent });
    // issued before the broker is configured: its first psk_file holds them
    credentials.issuePsk('pump-1');
    credentials.issuePsk('pump-2');
    credentials.issuePsk('pump-3');
    return credentials;
  });

  it('lets each device in by its own key as its own user; refuses wrong, unknown, replaced and removed keys', async () => {
    const port = broker.pskPort;
    const pump1 = credentials.psk('pump-1')!;
    const pump2 = credentials.psk('pump-2')!;
    const pump3 = credentials.psk('pump-3')!;

    const first = await tryPsk(port, 'pump-1', pump1.keyHex);
    expect(first).toMatchObject({ ok: true, echoed: '21.5' });
    // no certificate anywhere: a PSK suite was negotiated
    expect(first.ok && first.cipher).toMatch(/PSK/);
    // use_identity_as_username: the PSK identity is the MQTT username the ACL sees
    expect(broker.output).toMatch(/u'pump-1'/);
    expect(await tryPsk(port, 'pump-1', pump1.keyHex, 'pump-2')).toMatchObject({
      ok: false,
      // MQTT 5 reason 0x87: refused on SUBACK or PUBACK
      error: expect.stringMatching(/refused \(0x87\)|Not authorized/),
    });

    // a key one bit off fails the handshake's Finished check; an identity the file lacks is named as such
    const wrongKey = `${pump1.keyHex.slice(0, -1)}${pump1.keyHex.endsWith('0') ? '1' : '0'}`;
    expect(await tryPsk(port, 'pump-1', wrongKey)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/alert (bad record mac|decrypt error)/),
    });
    expect(await tryPsk(port, 'pump-9', pump1.keyHex)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/alert unknown psk identity/),
    });
    // another device's key under my identity is just a wrong key
    expect(await tryPsk(port, 'pump-1', pump2.keyHex)).toMatchObject({ ok: false });

    // pump-2 is re-keyed and pump-3 removed: until the broker gets the new file, nothing changes there
    const rekeyed = credentials.issuePsk('pump-2');
    expect(rekeyed.keyHex).not.toBe(pump2.keyHex);
    expect(credentials.removePsk('pump-3')).toBe(true);
    expect(await tryPsk(port, 'pump-2', pump2.keyHex)).toMatchObject({ ok: true });
    expect(await tryPsk(port, 'pump-2', rekeyed.keyHex)).toMatchObject({ ok: false });

    broker.writePskFile(credentials.pskFile());
    await broker.reload();
    expect(await tryPsk(port, 'pump-2', pump2.keyHex)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/alert (bad record mac|decrypt error)/),
    });
    expect(await tryPsk(port, 'pump-2', rekeyed.keyHex)).toMatchObject({ ok: true, echoed: '21.5' });
    expect(await tryPsk(port, 'pump-3', pump3.keyHex)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown psk identity/),
    });
    expect(await tryPsk(port, 'pump-1', pump1.keyHex)).toMatchObject({ ok: true });

    // the mutual-TLS listener beside it is untouched: a PSK client gets nowhere there
    expect(await tryPsk(broker.devicePort, 'pump-1', pump1.keyHex)).toMatchObject({ ok: false });
  }, 60_000);
});
