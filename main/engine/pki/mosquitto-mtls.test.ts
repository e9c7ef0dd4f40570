/**
 * The proof issue 5 asks for: a real mosquitto, configured from `mosquittoConf()` with a
 * server certificate, the CA and the CRL from the project CA, lets a commissioned device in
 * over mutual TLS and refuses a revoked certificate, a foreign CA's and none at all.
 */
import { rmSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlantBroker } from '../commissioning/plant-broker';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openTestDb, silent } from '../store/test-fixtures';
import { DeviceCredentials, type IssuedKeyPair } from './device-credentials';

async function openCa(projectName: string, fill: number): Promise<DeviceCredentials> {
  const { db } = openTestDb('mtls');
  const secrets = new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, fill)));
  return DeviceCredentials.open({ db, secrets, projectName, log: silent });
}

type Outcome = { ok: true; echoed: string } | { ok: false; error: string };

/** Connects with mutual TLS, publishes under its own topic and waits for the echo. */
function tryDevice(
  port: number,
  caPem: string,
  deviceId: string,
  credential?: IssuedKeyPair,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
      ca: caPem,
      ...(credential ? { cert: credential.certificatePem, key: credential.privateKeyPem } : {}),
      rejectUnauthorized: true,
      servername: 'localhost',
      clientId: `${deviceId}-${Math.random().toString(16).slice(2, 8)}`,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 4000,
    });
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end(true);
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timed out' }), 6000);
    client.on('error', (error) => finish({ ok: false, error: error.message }));
    client.on('close', () => finish({ ok: false, error: 'connection closed' }));
    client.on('message', (_topic, payload) => finish({ ok: true, echoed: payload.toString() }));
    client.on('connect', () => {
      const topic = `devices/${deviceId}/temperature`;
      client.subscribe(topic, { qos: 1 }, (error, granted) => {
        if (error) return finish({ ok: false, error: `subscribe: ${error.message}` });
        // MQTT 5: a reason code of 0x80 or more in the SUBACK is a refusal (0x87: not authorized)
        const code = granted?.[0]?.qos ?? 0;
        if (code >= 0x80) return finish({ ok: false, error: `subscribe refused (0x${code.toString(16)})` });
        client.publish(topic, '21.5', { qos: 1 }, (publishError) => {
          if (publishError) finish({ ok: false, error: `publish refused: ${publishError.message}` });
        });
      });
    });
  });
}

describe('mosquitto configured from the project CA (mutual TLS)', () => {
  let credentials: DeviceCredentials;
  let foreign: DeviceCredentials;
  const broker = new PlantBroker({ acl: 'pattern readwrite devices/%u/#' });

  beforeAll(async () => {
    credentials = await openCa('Plant 7', 1);
    foreign = await openCa('Somebody else', 2);
    await broker.configure(credentials);
    await broker.start();
  }, 30_000);

  afterAll(async () => {
    await broker.stop();
    rmSync(broker.dir, { recursive: true, force: true });
  });

  it('lets a commissioned device in and refuses a revoked, a foreign and a missing certificate', async () => {
    const caPem = credentials.caPem;
    const good = await credentials.issueCertificate('th-101', { validityDays: 30 });
    const soonRevoked = await credentials.issueCertificate('th-102', { validityDays: 30 });
    const stranger = await foreign.issueCertificate('th-101', { validityDays: 30 });

    expect(await tryDevice(broker.devicePort, caPem, 'th-101', good)).toEqual({ ok: true, echoed: '21.5' });
    expect(await tryDevice(broker.devicePort, caPem, 'th-102', soonRevoked)).toEqual({
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
    expect(await tryDevice(broker.devicePort, caPem, 'th-101', good)).toEqual({ ok: true, echoed: '21.5' });

    // rotation: th-102 gets a new certificate and is back in
    const rotated = await credentials.issueCertificate('th-102', { validityDays: 30 });
    expect(await tryDevice(broker.devicePort, caPem, 'th-102', rotated)).toEqual({
      ok: true,
      echoed: '21.5',
    });
  }, 60_000);
});
