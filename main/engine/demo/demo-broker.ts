/**
 * The demo plant's MQTT broker, in process (aedes), so the demo site can show
 * commissioning end to end without an external broker. Two listeners on 127.0.0.1:
 * mutual TLS for devices (server certificate and trust from the project CA, its CRL) and
 * a plain one for Fieldline's own connector. A device is who its certificate's CN says:
 * it may publish and subscribe only under `fieldline/<CN>/`. Demo only; a real site runs
 * its own broker from the Broker config export.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { Logger } from '../log';
import { normalizeSerial } from '../pki/fingerprints';

/** What the broker asks the project CA. */
export interface BrokerTrust {
  caPem: string;
  /** a freshly signed CRL */
  crlPem(): Promise<string>;
  /** changes whenever a certificate is revoked: tells when the CRL is stale */
  revocationCount(): number;
  /** the ledger's word on a presented certificate */
  certificateState(deviceId: string, serialHex: string): 'active' | 'revoked' | 'unknown';
}

export interface DemoBrokerOptions {
  trust: BrokerTrust;
  serverCertificate: { certificatePem: string; privateKeyPem: string };
  log: Logger;
  /** devices publish under `<topicRoot>/<CN>/` */
  topicRoot?: string;
  /** how often the ledger is checked for revocations besides each new connection, ms */
  revocationPollMs?: number;
}

export interface DemoBrokerStats {
  /** TLS handshakes refused (unknown CA, revoked, no certificate) */
  tlsRefused: number;
  /** CONNECTs refused after the handshake (revoked or unknown serial, client id not the CN's) */
  connectRefused: number;
  /** publishes outside the client's own topics; the client is disconnected */
  publishRefused: number;
  subscribeRefused: number;
}

const NOT_AUTHORIZED = 5;

export class DemoBroker {
  readonly stats: DemoBrokerStats = {
    tlsRefused: 0,
    connectRefused: 0,
    publishRefused: 0,
    subscribeRefused: 0,
  };
  private readonly identities = new WeakMap<Client, { cn: string; serial: string }>();
  private readonly clients = new Set<Client>();
  private readonly sockets = new Set<net.Socket>();
  private readonly root: string;
  private revocations: number;
  private refreshing: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly aedes: Aedes,
    private readonly deviceServer: tls.Server,
    private readonly localServer: net.Server,
    private readonly options: DemoBrokerOptions,
    private readonly tlsOptions: tls.SecureContextOptions,
    revocations: number,
  ) {
    this.root = options.topicRoot ?? 'fieldline';
    this.revocations = revocations;
  }

  static async start(options: DemoBrokerOptions): Promise<DemoBroker> {
    const { trust, log } = options;
    const revocations = trust.revocationCount();
    const tlsOptions: tls.SecureContextOptions = {
      cert: options.serverCertificate.certificatePem,
      key: options.serverCertificate.privateKeyPem,
      ca: trust.caPem,
      crl: await trust.crlPem(),
      minVersion: 'TLSv1.2',
    };
    let broker: DemoBroker | undefined;
    // loaded only when the demo plant starts, after the engine already serves
    const { Aedes } = await import('aedes');
    const aedes = new Aedes({
      connectTimeout: 10_000,
      drainTimeout: 10_000,
      maxClientsIdLength: 256,
      authenticate: (client, _u, _p, done) => broker!.authenticate(client, done),
      authorizePublish: (client, packet, done) => done(broker!.authorizePublish(client, packet.topic)),
      authorizeSubscribe: (client, sub, done) =>
        done(null, broker!.authorizeSubscribe(client, sub.topic) ? sub : null),
    });
    await aedes.listen();
    const deviceServer = tls.createServer(
      { ...tlsOptions, requestCert: true, rejectUnauthorized: true, handshakeTimeout: 10_000 },
      (socket) => aedes.handle(socket),
    );
    const localServer = net.createServer((socket) => aedes.handle(socket));
    broker = new DemoBroker(aedes, deviceServer, localServer, options, tlsOptions, revocations);
    broker.wire();
    try {
      await Promise.all([listen(deviceServer), listen(localServer)]);
    } catch (error) {
      await broker.close();
      throw error;
    }
    log.info('demo broker listening', { device: broker.deviceUrl, local: broker.localUrl });
    return broker;
  }

  /** where devices are told to report (mutual TLS) */
  get deviceUrl(): string {
    return `mqtts://127.0.0.1:${portOf(this.deviceServer)}`;
  }

  /** Fieldline's own connector (plain, loopback only) */
  get localUrl(): string {
    return `mqtt://127.0.0.1:${portOf(this.localServer)}`;
  }

  /**
   * Re-reads the ledger's revocations: a new CRL for later handshakes, and every
   * connected device whose certificate is now revoked is disconnected.
   */
  refreshRevocations(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await Promise.all([closeServer(this.deviceServer), closeServer(this.localServer)]);
  }

  private wire(): void {
    const { log } = this.options;
    const track = (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    };
    this.localServer.on('connection', track);
    this.deviceServer.on('connection', (socket: net.Socket) => {
      track(socket);
      // cheap (one count query); the CRL is re-signed only when something was revoked
      this.checkRevocations();
    });
    this.deviceServer.on('tlsClientError', (error) => {
      this.stats.tlsRefused++;
      log.debug('demo broker refused a TLS client', { error: error.message });
    });
    this.localServer.on('error', (error) => log.warn('demo broker (local) error', { error: error.message }));
    this.deviceServer.on('error', (error) =>
      log.warn('demo broker (devices) error', { error: error.message }),
    );
    this.aedes.on('client', (client) => this.clients.add(client));
    this.aedes.on('clientDisconnect', (client) => this.clients.delete(client));
    this.aedes.on('clientError', (client, error) => {
      this.clients.delete(client);
      log.debug('demo broker client error', { client: client.id, error: error.message });
    });
    this.pollTimer = setInterval(() => this.checkRevocations(), this.options.revocationPollMs ?? 5_000);
    this.pollTimer.unref();
  }

  private checkRevocations(): void {
    try {
      if (this.options.trust.revocationCount() !== this.revocations) void this.refreshRevocations();
    } catch (error) {
      this.options.log.warn('demo broker cannot read revocations', { error: (error as Error).message });
    }
  }

  private async doRefresh(): Promise<void> {
    const { trust, log } = this.options;
    try {
      const count = trust.revocationCount();
      const crl = await trust.crlPem();
      if (this.closed) return;
      this.deviceServer.setSecureContext({ ...this.tlsOptions, crl });
      this.revocations = count;
      for (const client of [...this.clients]) {
        const who = this.identities.get(client);
        if (who && trust.certificateState(who.cn, who.serial) !== 'active') {
          log.info('demo broker disconnects a revoked device', { deviceId: who.cn });
          client.close();
        }
      }
    } catch (error) {
      log.warn('demo broker could not refresh its CRL', { error: (error as Error).message });
    }
  }

  private authenticate(
    client: Client,
    done: (error: AuthenticateError | null, ok: boolean | null) => void,
  ): void {
    const conn = client.conn;
    if (!(conn instanceof tls.TLSSocket)) {
      // the plain listener is bound to loopback: Fieldline's own connector
      done(null, true);
      return;
    }
    const refuse = (why: string) => {
      this.stats.connectRefused++;
      this.options.log.info('demo broker refused a device', { clientId: client.id, why });
      const error = Object.assign(new Error(why), { returnCode: NOT_AUTHORIZED }) as AuthenticateError;
      done(error, false);
    };
    // rejectUnauthorized already ends such handshakes; this keeps it so if that ever changes
    if (!conn.authorized) {
      refuse(`certificate not trusted: ${String(conn.authorizationError)}`);
      return;
    }
    const cert = conn.getPeerCertificate();
    const cn: unknown = cert?.subject?.CN;
    if (typeof cn !== 'string' || cn === '' || typeof cert.serialNumber !== 'string') {
      refuse('the certificate names no single CN');
      return;
    }
    // another client id would let one device take over another's session
    if (client.id !== cn) {
      refuse(`client id "${client.id.slice(0, 80)}" is not the certificate's CN "${cn}"`);
      return;
    }
    const serial = normalizeSerial(cert.serialNumber);
    let state: ReturnType<BrokerTrust['certificateState']>;
    try {
      state = this.options.trust.certificateState(cn, serial);
    } catch (error) {
      refuse(`the ledger cannot be read: ${(error as Error).message}`);
      return;
    }
    // the handshake's CRL may be a moment older than a revocation: the ledger has the last word
    if (state !== 'active') {
      refuse(`certificate ${serial} is ${state === 'revoked' ? 'revoked' : 'not in the CA ledger'}`);
      return;
    }
    this.identities.set(client, { cn, serial });
    done(null, true);
  }

  private authorizePublish(client: Client | null, topic: string): Error | null {
    if (topic.startsWith('$SYS')) return new Error('$SYS topics are reserved');
    const who = client && this.identities.get(client);
    if (!client || !who) return null;
    if (this.ownTopic(who.cn, topic)) return null;
    this.stats.publishRefused++;
    this.options.log.warn('demo broker: a device published outside its topics; disconnected', {
      deviceId: who.cn,
      topic: topic.slice(0, 200),
    });
    return new Error(`${who.cn} may not publish to ${topic.slice(0, 200)}`);
  }

  private authorizeSubscribe(client: Client, filter: string): boolean {
    const who = this.identities.get(client);
    if (!who || this.ownTopic(who.cn, filter)) return true;
    this.stats.subscribeRefused++;
    return false;
  }

  /** `<root>/<cn>` and everything under it: what `<root>/<cn>/#` matches */
  private ownTopic(cn: string, topic: string): boolean {
    const own = `${this.root}/${cn}`;
    return topic === own || topic.startsWith(`${own}/`);
  }
}

function listen(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function portOf(server: net.Server): number {
  const address = server.address();
  return address && typeof address === 'object' ? address.port : 0;
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}
