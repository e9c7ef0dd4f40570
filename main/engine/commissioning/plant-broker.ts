/**
 * Test helper: the plant's broker as a site would run it after following Fieldline's
 * Broker config export: a real mosquitto with a mutual-TLS listener for devices (project
 * CA, CRL, server certificate from the project CA, certificate CN as username), optionally
 * a TLS-PSK listener reading the exported psk_file (PSK identity as username), and a plain
 * loopback listener for Fieldline's own MQTT connector.
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
  /** also a TLS-PSK listener (pskPort), its psk_file written from the export */
  psk?: boolean;
}

export class PlantBroker {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-plant-broker-'));
  devicePort = 0;
  /** the TLS-PSK listener's port; 0 without the `psk` option */
  pskPort = 0;
  localPort = 0;
  output = '';
  private child: ChildProcess | undefined;
  private reloads = 0;
  private readonly files = {
    ca: path.join(this.dir, 'ca.pem'),
    crl: path.join(this.dir, 'crl.pem'),
    cert: path.join(this.dir, 'server.pem'),
    key: path.join(this.dir, 'server.key'),
    conf: path.join(this.dir, 'mosquitto.conf'),
    acl: path.join(this.dir, 'acl'),
    psk: path.join(this.dir, 'fieldline.psk'),
  };

  constructor(private readonly options: PlantBrokerOptions = {}) {}

  get deviceUrl(): string {
    return `mqtts://127.0.0.1:${this.devicePort}`;
  }

  get pskUrl(): string {
    if (this.pskPort === 0) throw new Error('this plant broker has no PSK listener (option psk)');
    return `mqtts://127.0.0.1:${this.pskPort}`;
  }

  get localUrl(): string {
    return `mqtt://127.0.0.1:${this.localPort}`;
  }

  async configure(credentials: DeviceCredentials): Promise<void> {
    this.devicePort = await freePort();
    this.localPort = await freePort();
    if (this.options.psk) {
      this.pskPort = await freePort();
      this.writePskFile(credentials.pskFile());
    }
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
      // "Reloading config." is an information line: reload() waits for it
      'log_type information',
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
        ...(this.options.psk ? { pskPort: this.pskPort, pskFile: this.files.psk } : {}),
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

  /** Saves an exported CRL (`pki.brokerConfig`'s crlPem); mosquitto reads it when (re)started. */
  writeCrl(pem: string): void {
    writeFileSync(this.files.crl, pem);
  }

  /** Saves an exported psk_file (`pki.brokerConfig`'s pskFile) where the listener reads it; reload() applies it. */
  writePskFile(content: string): void {
    writeFileSync(this.files.psk, content, { mode: 0o600 });
  }

  /** SIGHUP, as a site reloads mosquitto after a new export; resolves once mosquitto reloaded. */
  async reload(timeoutMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) throw new Error('the plant broker is not running');
    const before = this.reloads;
    child.kill('SIGHUP');
    const deadline = Date.now() + timeoutMs;
    // one event loop in mosquitto: a connection accepted after this line sees the new files
    while (this.reloads === before) {
      if (Date.now() > deadline)
        throw new Error(`mosquitto did not reload within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async start(): Promise<void> {
    const child = spawn(mosquittoBinary(), ['-c', this.files.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let partial = '';
    const keep = (d: Buffer) => {
      const text = d.toString();
      this.output = (this.output + text).slice(-6000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      this.reloads += lines.filter((line) => line.includes('Reloading config.')).length;
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const ports = [this.devicePort, this.localPort, ...(this.pskPort ? [this.pskPort] : [])];
    await waitUntilListening(child, ports, () => this.output);
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
