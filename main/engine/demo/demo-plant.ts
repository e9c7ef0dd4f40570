/**
 * The demo plant: what the demo site needs so a user can try the commissioning wizard
 * with no hardware. Three factory-fresh simulated devices advertise over a "Demo
 * Bluetooth" connector (real noble on the simulated BLE binding), see two Wi-Fi networks,
 * and once commissioned report to an in-process broker over mutual TLS with certificates
 * from the project CA; a demo MQTT connector on the broker's loopback listener brings
 * their telemetry in. Nothing here is saved to the user's settings: it exists only while
 * the engine runs in demo mode, and the devices are factory-fresh at every start.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { SimulatedBleBinding } from '../connectors/ble/simulated-binding';
import type { Connector, ConnectorSink } from '../connectors/connector';
import { createConnectorFactories } from '../connectors/factories';
import {
  createMqttConnector,
  type MqttConnector,
  type PublishOptions,
  type TopicEntry,
} from '../connectors/mqtt/mqtt-connector';
import type { BrowseListener } from '../connectors/mqtt/topic-browser';
import type { Logger } from '../log';
import type { DeviceCredentials } from '../pki/device-credentials';
import { normalizeSerial } from '../pki/fingerprints';
import { type SimulatedNetwork, SimulatedProvisionableDevice } from '../provisioning/simulated-device';
import type { SecretStore } from '../secrets/secret-store';
import { type BrokerTrust, DemoBroker } from './demo-broker';

export const DEMO_BLE_CONNECTOR_ID = 'demo-plant-ble';
export const DEMO_MQTT_CONNECTOR_ID = 'demo-plant-mqtt';
export const DEMO_TOPIC_TEMPLATE = 'fieldline/{deviceId}/{metric}';

export const DEMO_WIFI: readonly SimulatedNetwork[] = [
  { ssid: 'Demo-Plant', password: 'fieldline-demo', rssi: -52 },
  // an open network: Improv's scan shows it unsecured
  { ssid: 'Demo-Guest', password: '', rssi: -67 },
];

export const DEMO_DEVICES = [
  {
    serialNumber: 'FL-DEMO-0001',
    model: 'FL-ENV-2',
    chipFamily: 'ESP32-C3',
    address: 'de:70:00:00:00:01',
    rssi: -54,
  },
  {
    serialNumber: 'FL-DEMO-0002',
    model: 'FL-ENV-2 Outdoor',
    chipFamily: 'ESP32-S3',
    address: 'de:70:00:00:00:02',
    rssi: -63,
  },
  {
    serialNumber: 'FL-DEMO-0003',
    model: 'FL-CLIMA-1',
    chipFamily: 'ESP32-C6',
    address: 'de:70:00:00:00:03',
    rssi: -71,
  },
] as const;

/** What engine.info tells the wizard, so it can say what to type on the demo. */
export interface DemoPlantInfo {
  /** the mutual-TLS URL devices are told to report to; null while starting or after a failure */
  brokerUrl: string | null;
  /** why the demo broker is not running, if it failed */
  error: string | null;
  /** the "Demo Bluetooth" connector the demo devices advertise on */
  bleConnectorId: string;
  wifi: { ssid: string; password: string }[];
}

export interface DemoPlantOptions {
  sink: ConnectorSink;
  log: Logger;
  /** the engine's project CA, opened (or created) on first use */
  credentials: () => Promise<DeviceCredentials>;
  /** keeps the demo broker's server key across restarts, sealed like every other secret */
  secrets: SecretStore;
  /** test knobs */
  advertiseIntervalMs?: number;
  wifiJoinMs?: number;
  brokerRetryMs?: number;
}

export interface DemoPlant {
  /** the demo's "Demo Bluetooth" and broker connectors, for the Connections panel */
  readonly connectors: Connector[];
  /** starts the broker (after the engine serves: the CA may need creating); never rejects */
  start(): Promise<void>;
  info(): DemoPlantInfo;
  /** true when the URL is the demo broker's, which the demo connector listens on */
  subscribedTo(brokerUrl: string): boolean;
  close(): Promise<void>;
}

/** the wizard asks engine.info again while brokerUrl is null, so nobody waits on this */
const BOOT_DELAY_MS = 1500;

export function createDemoPlant(options: DemoPlantOptions): DemoPlant {
  const log = options.log;
  const binding = new SimulatedBleBinding({
    peripherals: [],
    advertiseIntervalMs: options.advertiseIntervalMs ?? 250,
  });
  const devices = DEMO_DEVICES.map((d) => {
    const device = new SimulatedProvisionableDevice({
      serialNumber: d.serialNumber,
      model: d.model,
      chipFamily: d.chipFamily,
      networks: DEMO_WIFI.map((n) => ({ ...n })),
      wifiJoinMs: options.wifiJoinMs ?? 400,
      brokerRetryMs: options.brokerRetryMs ?? 2_000,
      log: log.child('device'),
    });
    device.attachBle(binding, { address: d.address, name: `${d.model} setup`, rssi: d.rssi });
    return device;
  });

  const bleFactory = createConnectorFactories({
    bleBinding: { description: 'simulated radio (demo plant)', create: () => binding },
  }).ble!;
  const ble = bleFactory.create(
    bleFactory.schema.parse({
      id: DEMO_BLE_CONNECTOR_ID,
      label: 'Demo Bluetooth (demo plant, 3 factory-fresh devices)',
      // the wizard connects to the peripheral it is commissioning; nothing else should
      autoConnect: false,
    }),
    options.sink,
    log.child('ble'),
  );
  const mqtt = new DemoMqttConnector(options.sink, log.child('mqtt'));

  let broker: DemoBroker | undefined;
  let error: string | null = null;
  let starting: Promise<void> | undefined;
  let closed = false;

  const boot = async () => {
    // the CA work and the broker wait until the first screen has loaded: measured, starting
    // them at once cost the demo's first chart ~150 ms (npm run bench:startup)
    await new Promise((resolve) => setTimeout(resolve, BOOT_DELAY_MS).unref());
    if (closed) return;
    try {
      const credentials = await options.credentials();
      const serverCertificate = await demoServerCertificate(credentials, options.secrets, log);
      if (closed) return;
      const started = await DemoBroker.start({
        trust: trustOf(credentials),
        serverCertificate,
        log: log.child('broker'),
      });
      if (closed) {
        await started.close();
        return;
      }
      broker = started;
      mqtt.attach(started.localUrl);
    } catch (e) {
      error = `the demo broker could not start: ${(e as Error).message}`;
      log.error('demo plant broker failed', { error: (e as Error).message });
      mqtt.fail(error);
    }
  };

  return {
    connectors: [ble, mqtt],
    start() {
      starting ??= boot();
      return starting;
    },
    info: () => ({
      brokerUrl: broker?.deviceUrl ?? null,
      error,
      bleConnectorId: DEMO_BLE_CONNECTOR_ID,
      wifi: DEMO_WIFI.map(({ ssid, password }) => ({ ssid, password })),
    }),
    subscribedTo(brokerUrl) {
      if (!broker) return false;
      try {
        const u = new URL(brokerUrl);
        if (!['127.0.0.1', 'localhost'].includes(u.hostname.toLowerCase())) return false;
        return [broker.deviceUrl, broker.localUrl].some((b) => new URL(b).port === u.port);
      } catch {
        return false;
      }
    },
    async close() {
      closed = true;
      await starting;
      await Promise.all(devices.map((d) => d.close()));
      await Promise.all([ble.stop(), mqtt.stop()]);
      await broker?.close();
      binding.close();
    },
  };
}

/** The ledger, as the broker needs it. */
function trustOf(credentials: DeviceCredentials): BrokerTrust {
  return {
    caPem: credentials.caPem,
    crlPem: () => credentials.crlPem(),
    revocationCount: () => credentials.status().revoked,
    certificateState(deviceId, serialHex) {
      const serial = normalizeSerial(serialHex);
      const issued = credentials
        .certificates(deviceId)
        .find((c) => c.kind === 'client' && normalizeSerial(c.serialHex) === serial);
      if (!issued) return 'unknown';
      return issued.revokedAt === null ? 'active' : 'revoked';
    },
  };
}

const SERVER_SECRET = 'demo-plant.broker-server-certificate';
const StoredServerSchema = z.object({ certificatePem: z.string(), privateKeyPem: z.string() });
const DAY_MS = 86_400_000;

/**
 * The broker's server certificate, kept across restarts (sealed) so the project's ledger
 * gets one demo entry, not one per start. A new one is issued when the kept one is gone,
 * from another CA, revoked or near its end.
 */
async function demoServerCertificate(
  credentials: DeviceCredentials,
  secrets: SecretStore,
  log: Logger,
): Promise<z.infer<typeof StoredServerSchema>> {
  try {
    const raw = secrets.get(SERVER_SECRET);
    if (raw !== undefined) {
      const kept = StoredServerSchema.parse(JSON.parse(raw));
      const cert = new X509Certificate(kept.certificatePem);
      const ca = new X509Certificate(credentials.caPem);
      const serial = normalizeSerial(cert.serialNumber);
      const ledger = credentials.certificates().find((c) => normalizeSerial(c.serialHex) === serial);
      const fresh = new Date(cert.validTo).getTime() > Date.now() + 7 * DAY_MS;
      if (cert.verify(ca.publicKey) && ledger?.revokedAt === null && fresh) return kept;
    }
  } catch (e) {
    log.warn('the kept demo broker certificate is unusable; issuing a new one', {
      error: (e as Error).message,
    });
  }
  const issued = await credentials.issueServerCertificate({
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validityDays: 365,
  });
  const kept = { certificatePem: issued.certificatePem, privateKeyPem: issued.privateKeyPem };
  secrets.put(SERVER_SECRET, JSON.stringify(kept));
  return kept;
}

/**
 * The demo's MQTT connector: listed from the start, connected once the broker listens
 * (its port is only known then). Forwards the topic browser and publish to the real one.
 */
class DemoMqttConnector implements MqttConnector {
  readonly id = DEMO_MQTT_CONNECTOR_ID;
  private inner: MqttConnector | undefined;
  private wanted = false;
  private failure: string | null = null;
  private readonly since = Date.now();

  constructor(
    private readonly sink: ConnectorSink,
    private readonly log: Logger,
  ) {}

  attach(localUrl: string): void {
    this.inner = createMqttConnector(
      {
        id: this.id,
        label: 'Demo plant broker (in-process demo MQTT)',
        url: localUrl,
        // aedes speaks MQTT 3.1.1
        protocolVersion: 4,
        subscriptions: [{ topicTemplate: DEMO_TOPIC_TEMPLATE }],
        reconnectMinMs: 250,
        reconnectMaxMs: 5_000,
      },
      this.sink,
      this.log,
    );
    if (this.wanted) this.inner.start();
  }

  fail(message: string): void {
    this.failure = message;
    this.sink.statusChanged(this.status());
  }

  status() {
    if (this.inner) return this.inner.status();
    return {
      id: this.id,
      kind: 'mqtt' as const,
      label: 'Demo plant broker (in-process demo MQTT)',
      state: this.failure ? ('error' as const) : ('connecting' as const),
      detail: this.failure ? 'not running' : 'starting the demo broker',
      devices: 0,
      messagesIn: 0,
      readingsIn: 0,
      decodeErrors: 0,
      lastError: this.failure,
      since: this.since,
    };
  }

  start(): void {
    this.wanted = true;
    this.inner?.start();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    await this.inner?.stop();
  }

  topics(): TopicEntry[] {
    return this.inner?.topics() ?? [];
  }

  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void> {
    if (!this.inner) return Promise.reject(new Error('the demo broker is not running'));
    return this.inner.publish(topic, payload, options);
  }

  sparkplugOnline(deviceId: string): boolean | undefined {
    return this.inner?.sparkplugOnline(deviceId);
  }

  sparkplugBirthMetric(deviceId: string, metric: string): { datatype: number | undefined } | undefined {
    return this.inner?.sparkplugBirthMetric(deviceId, metric);
  }

  commandTopic(deviceId: string, metric: string): string | undefined {
    return this.inner?.commandTopic(deviceId, metric);
  }

  browse(filter: string, listener: BrowseListener): () => void {
    if (!this.inner) throw new Error('the demo broker is not running');
    return this.inner.browse(filter, listener);
  }

  ownFilters(): string[] {
    return this.inner?.ownFilters() ?? [];
  }

  clearRetained(topic: string): Promise<void> {
    if (!this.inner) return Promise.reject(new Error('the demo broker is not running'));
    return this.inner.clearRetained(topic);
  }
}
