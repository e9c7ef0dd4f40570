/**
 * Test helper: the plant's broker as a site would run it after following Fieldline's
 * Broker config export: a real mosquitto with a mutual-TLS listener for devices (project
 * CA, CRL, server certificate from the project CA, certificate CN as username) and a
 * plain loopback listener for Fieldline's own MQTT connector.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, mosquittoBinary, waitUntilListening } from '../connectors/mqtt/mosquitto-harness';
import type { DeviceCredentials } from '../pki/device-credentials';

export interface PlantBrokerOptions {
  /** mosquitto ACL lines (e.g. `pattern readwrite devices/%u/#`); none: every client may use every topic */
  acl?: string;
}

export class PlantBroker {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-plant-broker-'));
  devicePort = 0;
  localPort = 0;
  output = '';
  private child: ChildProcess | undefined;
  private readonly files = {
    ca: path.join(this.dir, 'ca.pem'),
    crl: path.join(this.dir, 'crl.pem'),
    cert: path.join(this.dir, 'server.pem'),
    key: path.join(this.dir, 'server.key'),
    conf: path.join(this.dir, 'mosquitto.conf'),
    acl: path.join(this.dir, 'acl'),
  };

  constructor(private readonly options: PlantBrokerOptions = {}) {}

  get deviceUrl(): string {
    return `mqtts://127.0.0.1:${this.devicePort}`;
  }

  get localUrl(): string {
    return `mqtt://127.0.0.1:${this.localPort}`;
  }

  async configure(credentials: DeviceCredentials): Promise<void> {
    this.devicePort = await freePort();
    this.localPort = await freePort();
    const server = await credentials.issueServerCertificate({
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    writeFileSync(this.files.ca, credentials.caPem);
    writeFileSync(this.files.cert, server.certificatePem);
    writeFileSync(this.files.key, server.privateKeyPem, { mode: 0o600 });
    await this.refreshCrl(credentials);
    const conf = [
      `user ${os.userInfo().username}`,
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      // notices name each client's username: tests read the certificate CN from them
      'log_type notice',
      // the loopback listener is Fieldline's own; devices only get the mutual-TLS one
      'allow_anonymous true',
      `listener ${this.localPort} 127.0.0.1`,
      credentials.mosquittoConf({
        port: this.devicePort,
        bindAddress: '127.0.0.1',
        caFile: this.files.ca,
        crlFile: this.files.crl,
        certFile: this.files.cert,
        keyFile: this.files.key,
      }),
    ];
    if (this.options.acl !== undefined) {
      writeFileSync(this.files.acl, `${this.options.acl}\n`);
      conf.splice(1, 0, `acl_file ${this.files.acl}`);
    }
    writeFileSync(this.files.conf, `${conf.join('\n')}\n`);
  }

  async refreshCrl(credentials: DeviceCredentials): Promise<void> {
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
    await waitUntilListening(child, [this.devicePort, this.localPort], () => this.output);
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
