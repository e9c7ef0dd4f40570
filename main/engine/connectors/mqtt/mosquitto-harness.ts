/**
 * A real mosquitto broker for tests and the MQTT bench, on 127.0.0.1 only: a plain
 * listener, and optionally a TLS listener (server certificate only) and a mutual-TLS
 * listener (client certificate required), with a throwaway CA made by openssl.
 * Missing binaries are a hard failure naming the package to install, never a skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const MOSQUITTO_CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];
const OPENSSL_CANDIDATES = ['/usr/bin/openssl', '/usr/local/bin/openssl'];

function findBinary(name: string, candidates: string[]): string {
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // not on PATH
  }
  throw new Error(
    `${name} is not installed: run \`apt-get install mosquitto openssl\` (needed by the MQTT tests)`,
  );
}

export function mosquittoBinary(): string {
  return findBinary('mosquitto', MOSQUITTO_CANDIDATES);
}

export function opensslBinary(): string {
  return findBinary('openssl', OPENSSL_CANDIDATES);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestPki {
  dir: string;
  caPem: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCert: string;
  clientKey: string;
  /** a client certificate from a CA the broker does not trust */
  strangerCert: string;
  strangerKey: string;
}

/** A CA, a server certificate for 127.0.0.1/localhost and client certificates, in `dir`. */
export function makeTestPki(dir: string): TestPki {
  const openssl = opensslBinary();
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const p = (f: string) => path.join(dir, f);
  const key = (name: string) => run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p(name)]);
  const ca = (name: string, cn: string) => {
    key(`${name}.key`);
    run([
      'req',
      '-x509',
      '-new',
      '-key',
      p(`${name}.key`),
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-out',
      p(`${name}.crt`),
    ]);
  };
  const leaf = (name: string, caName: string, cn: string, ext: string) => {
    key(`${name}.key`);
    run(['req', '-new', '-key', p(`${name}.key`), '-subj', `/CN=${cn}`, '-out', p(`${name}.csr`)]);
    writeFileSync(p(`${name}.ext`), ext);
    run([
      'x509',
      '-req',
      '-in',
      p(`${name}.csr`),
      '-CA',
      p(`${caName}.crt`),
      '-CAkey',
      p(`${caName}.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      p(`${name}.ext`),
      '-out',
      p(`${name}.crt`),
    ]);
  };
  ca('ca', 'Fieldline Test CA');
  ca('stranger-ca', 'Somebody Else CA');
  leaf(
    'server',
    'ca',
    'localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  leaf('client', 'ca', 'fieldline-test-client', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'stranger-ca', 'stranger', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => execFileSync('cat', [p(f)], { encoding: 'utf8' });
  return {
    dir,
    caPem: read('ca.crt'),
    caFile: p('ca.crt'),
    serverCertFile: p('server.crt'),
    serverKeyFile: p('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    strangerCert: read('stranger.crt'),
    strangerKey: read('stranger.key'),
  };
}

export interface BrokerOptions {
  tls?: boolean;
  /** extra mosquitto.conf lines, global section */
  extra?: string[];
  /** max_queued_messages (per client); 100,000 unless told */
  maxQueued?: number;
}

export class MosquittoBroker {
  port = 0;
  tlsPort = 0;
  mtlsPort = 0;
  pki: TestPki | undefined;
  readonly dir: string;
  private process: ChildProcess | undefined;
  private readonly binary: string;
  output = '';

  constructor(private readonly options: BrokerOptions = {}) {
    this.binary = mosquittoBinary();
    if (options.tls) opensslBinary();
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-mosquitto-'));
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    if (this.port === 0) {
      this.port = await freePort();
      if (this.options.tls) {
        this.tlsPort = await freePort();
        this.mtlsPort = await freePort();
        this.pki = makeTestPki(this.dir);
      }
      const user = os.userInfo().username;
      const lines = [
        `user ${user}`,
        'per_listener_settings false',
        'allow_anonymous true',
        'persistence false',
        `max_queued_messages ${this.options.maxQueued ?? 100_000}`,
        'max_inflight_messages 0',
        'log_type error',
        'log_type warning',
        'log_dest stderr',
        ...(this.options.extra ?? []),
        `listener ${this.port} 127.0.0.1`,
      ];
      if (this.pki) {
        const { caFile, serverCertFile, serverKeyFile } = this.pki;
        lines.push(
          `listener ${this.tlsPort} 127.0.0.1`,
          `cafile ${caFile}`,
          `certfile ${serverCertFile}`,
          `keyfile ${serverKeyFile}`,
          'tls_version tlsv1.2',
          `listener ${this.mtlsPort} 127.0.0.1`,
          `cafile ${caFile}`,
          `certfile ${serverCertFile}`,
          `keyfile ${serverKeyFile}`,
          'require_certificate true',
          'tls_version tlsv1.2',
        );
      }
      writeFileSync(path.join(this.dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
    }
    const child = spawn(this.binary, ['-c', path.join(this.dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    child.stdout?.on('data', (d: Buffer) => this.keep(d));
    child.stderr?.on('data', (d: Buffer) => this.keep(d));
    const ports = [this.port, this.tlsPort, this.mtlsPort].filter((p) => p > 0);
    await waitUntilListening(child, ports, () => this.output);
  }

  private keep(d: Buffer): void {
    this.output = (this.output + d.toString()).slice(-4000);
  }

  /** SIGKILL: the broker dies without a goodbye, as when its host crashes. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Waits until a mosquitto just spawned accepts connections on every one of `ports`; fails
 * with its output if it exits first or is not listening within `timeoutMs`.
 */
export async function waitUntilListening(
  child: ChildProcess,
  ports: readonly number[],
  output: () => string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    while (!(await canConnect(port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${output()}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${output()}`);
      await sleep(25);
    }
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `check` is true, or fails with `what` after `ms`. */
export async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
