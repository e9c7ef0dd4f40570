/**
 * The proof issue 5 asks for: a real mosquitto, configured from `mosquittoConf()` with a
 * server certificate, the CA and the CRL from the project CA, lets a commissioned device in
 * over mutual TLS and refuses a revoked certificate, a foreign CA's and none at all.
 */
import { describe, expect, it } from 'vitest';
import { PlantBroker } from '../commissioning/plant-broker';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openTestDb, silent } from '../store/test-fixtures';
import { DeviceCredentials, type IssuedKeyPair } from './device-credentials';
import { type EchoOutcome, tryEcho, useBroker } from './test-broker';

async function openCa(projectName: string, fill: number): Promise<DeviceCredentials> {
  const { db } = openTestDb('mtls');
  const secrets = new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, fill)));
  return DeviceCredentials.open({ db, secrets, projectName, log: silent });
}

/** Connects with mutual TLS (or no client certificate) and publishes under its own topic. */
function tryDevice(
  port: number,
  caPem: string,
  deviceId: string,
  credential?: IssuedKeyPair,
): Promise<EchoOutcome> {
  const tls = {
    ca: caPem,
    ...(credential ? { cert: credential.certificatePem, key: credential.privateKeyPem } : {}),
    rejectUnauthorized: true,
    servername: 'localhost',
  };
  return tryEcho(port, tls, deviceId, `devices/${deviceId}/temperature`);
}

describe('mosquitto configured from the project CA (mutual TLS)', () => {
  let credentials: DeviceCredentials;
  let foreign: DeviceCredentials;
  const broker = new PlantBroker({ acl: 'pattern readwrite devices/%u/#' });

  useBroker(broker, async () => {
    credentials = await openCa('Plant 7', 1);
    foreign = await openCa('Somebody else', 2);
    return credentials;
  });

  it('lets a commissioned device in and refuses a revoked, a foreign and a missing certificate', async () => {
    const caPem = credentials.caPem;
    const good = await credentials.issueCertificate('th-101', { validityDays: 30 });
    const soonRevoked = await credentials.issueCertificate('th-102', { validityDays: 30 });
    const stranger = await foreign.issueCertificate('th-101', { validityDays: 30 });

    expect(await tryDevice(broker.devicePort, caPem, 'th-101', good)).toMatchObject({
      ok: true,
      echoed: '21.5',
    });
    expect(await tryDevice(broker.devicePort, caPem, 'th-102', soonRevoked)).toMatchObject({
      ok: true,
      echoed: '21.5',
    });
    // the username is the certificate's CN: th-101 cannot use th-102's topics
    const wrongTopic = await tryDevice(broker.devicePort, caPem, 'th-102', good);
    expect(wrongTopic).toMatchObject({ ok: false, error: expect.stringMatching(/refused/) });
    expect(broker.output).toMatch(/u'th-101'/);

    // the TLS alerts mosquitto sends say why
    const refusedForeign = await tryDevice(broker.devicePort, caPem, 'th-101', stranger);
    expect(refusedForeign).toMatchObject({ ok: false, error: expect.stringMatching(/unknown ca/) });
    const refusedNone = await tryDevice(broker.devicePort, caPem, 'th-101');
    expect(refusedNone).toMatchObject({ ok: false, error: expect.stringMatching(/certificate required/) });

    credentials.revoke(soonRevoked.serialHex, 'keyCompromise');
    await broker.refreshCrl(credentials);
    await broker.stop();
    await broker.start();

    const refusedRevoked = await tryDevice(broker.devicePort, caPem, 'th-102', soonRevoked);
    expect(refusedRevoked).toMatchObject({ ok: false, error: expect.stringMatching(/certificate revoked/) });
    // the others are unaffected by the new CRL
    expect(await tryDevice(broker.devicePort, caPem, 'th-101', good)).toMatchObject({
      ok: true,
      echoed: '21.5',
    });

    // rotation: th-102 gets a new certificate and is back in
    const rotated = await credentials.issueCertificate('th-102', { validityDays: 30 });
    expect(await tryDevice(broker.devicePort, caPem, 'th-102', rotated)).toMatchObject({
      ok: true,
      echoed: '21.5',
    });
  }, 60_000);
});
