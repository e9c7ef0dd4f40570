/**
 * The proof issue 5 asks for: a real mosquitto, configured from `mosquittoConf()` with a
 * server certificate, the CA and the CRL from the project CA, lets a commissioned device in
 * over mutual TLS and refuses a revoked certificate, a foreign CA's and none at all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, mosquittoBinary, sleep } from '../connectors/mqtt/mosquitto-harness';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openTestDb, silent } from '../store/test-fixtures';
import { DeviceCredentials, type IssuedKeyPair } from './device-credentials';

async function openCa(projectName: string, fill: number): Promise<DeviceCredentials> {
  const { db } = openTestDb('mtls');
  const secrets = new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, fill)));
  return DeviceCredentials.open({ db, secrets, projectName, log: silent });
}

/** mosquitto with the Fieldline snippet as its only listener, plus an ACL keyed on the username. */
class Broker {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-mtls-'));
  port = 0;
  output = '';
  private child: ChildProcess | undefined;
  readonly files = {
    ca: path.join(this.dir, 'ca.pem'),
    crl: path.join(this.dir, 'crl.pem'),
    cert: path.join(this.dir, 'server.pem'),
    key: path.join(this.dir, 'server.key'),
    acl: path.join(this.dir, 'acl'),
    conf: path.join(this.dir, 'mosquitto.conf'),
  };

  async configure(credentials: DeviceCredentials): Promise<void> {
    this.port = await freePort();
    const server = await credentials.issueServerCertificate({
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    writeFileSync(this.files.ca, credentials.caPem);
    writeFileSync(this.files.cert, server.certificatePem);
    writeFileSync(this.files.key, server.privateKeyPem, { mode: 0o600 });
    await this.writeCrl(credentials);
    // a device may only use topics under its own id: proves the CN became the username
    writeFileSync(this.files.acl, 'pattern readwrite devices/%u/#\n');
    const snippet = credentials.mosquittoConf({
      port: this.port,
      bindAddress: '127.0.0.1',
      caFile: this.files.ca,
      crlFile: this.files.crl,
      certFile: this.files.cert,
      keyFile: this.files.key,
    });
    const global = [
      `user ${os.userInfo().username}`,
      'persistence false',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_dest stderr',
      `acl_file ${this.files.acl}`,
    ];
    writeFileSync(this.files.conf, `${global.join('\n')}\n${snippet}`);
  }

  async writeCrl(credentials: DeviceCredentials): Promise<void> {
    writeFileSync(this.files.crl, await credentials.crlPem());
  }

  async start(): Promise<void> {
    const child = spawn(mosquittoBinary(), ['-c', this.files.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-6000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 10_000;
    while (!(await listening(this.port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${this.output}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not start: ${this.output}`);
      await sleep(25);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
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
  const broker = new Broker();

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

    expect(await tryDevice(broker.port, caPem, 'th-101', good)).toEqual({ ok: true, echoed: '21.5' });
    expect(await tryDevice(broker.port, caPem, 'th-102', soonRevoked)).toEqual({ ok: true, echoed: '21.5' });
    // the username is the certificate's CN: th-101 cannot use th-102's topics
    const wrongTopic = await tryDevice(broker.port, caPem, 'th-102', good);
    expect(wrongTopic).toMatchObject({ ok: false, error: expect.stringMatching(/refused/) });
    expect(broker.output).toMatch(/u'th-101'/);

    // the TLS alerts mosquitto sends say why
    const refusedForeign = await tryDevice(broker.port, caPem, 'th-101', stranger);
    expect(refusedForeign).toMatchObject({ ok: false, error: expect.stringMatching(/unknown ca/) });
    const refusedNone = await tryDevice(broker.port, caPem, 'th-101');
    expect(refusedNone).toMatchObject({ ok: false, error: expect.stringMatching(/certificate required/) });

    credentials.revoke(soonRevoked.serialHex, 'keyCompromise');
    await broker.writeCrl(credentials);
    await broker.stop();
    await broker.start();

    const refusedRevoked = await tryDevice(broker.port, caPem, 'th-102', soonRevoked);
    expect(refusedRevoked).toMatchObject({ ok: false, error: expect.stringMatching(/certificate revoked/) });
    // the others are unaffected by the new CRL
    expect(await tryDevice(broker.port, caPem, 'th-101', good)).toEqual({ ok: true, echoed: '21.5' });

    // rotation: th-102 gets a new certificate and is back in
    const rotated = await credentials.issueCertificate('th-102', { validityDays: 30 });
    expect(await tryDevice(broker.port, caPem, 'th-102', rotated)).toEqual({ ok: true, echoed: '21.5' });
  }, 60_000);
});
