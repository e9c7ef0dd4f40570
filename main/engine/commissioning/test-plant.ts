/**
 * Test fixture: a site ready for commissioning. A real SQLite data folder whose project CA
 * the plant's real mosquitto trusts (set up before any device exists, as a site would),
 * an engine over its RPC transport, the technician's name, and Fieldline's own MQTT
 * connector on the broker's loopback listener.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommissioningSession, StepInput } from '../../../common/commissioning-contract';
import { SessionSchema } from '../../../common/commissioning-contract';
import { sleep } from '../connectors/mqtt/mosquitto-harness';
import { createEngine, type Engine, type EngineOptions } from '../engine';
import { DeviceCredentials } from '../pki/device-credentials';
import { loadOrCreateMasterKeyFile } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openDatabase } from '../store/database';
import { silent } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';
import { PlantBroker } from './plant-broker';

export const WIFI = { ssid: 'plant-floor', password: 'correct horse', rssi: -48 };

export class TestPlant {
  readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-commissioning-'));
  readonly broker = new PlantBroker({ psk: true });
  engine: Engine | undefined;
  private client: ReturnType<typeof rawClient> | undefined;

  constructor(private readonly engineOptions: Partial<EngineOptions> = {}) {}

  async start(): Promise<void> {
    const { db } = openDatabase({ dataDir: this.dataDir, log: silent });
    const secrets = new SecretStore(db, loadOrCreateMasterKeyFile(this.dataDir));
    const ca = await DeviceCredentials.open({ db, secrets, projectName: 'test-site', log: silent });
    await this.broker.configure(ca);
    db.close();
    await this.broker.start();
    await this.startEngine();
    await this.call('operator.set', { name: 'Dana (field tech)' });
    await this.call('connectors.add', {
      kind: 'mqtt',
      config: {
        id: 'plant',
        url: this.broker.localUrl,
        subscriptions: [{ topicTemplate: 'fieldline/{deviceId}/{metric}' }],
      },
    });
  }

  /** the network step's input for the plant's Wi-Fi and its broker (mutual TLS), reporting every second */
  networkInput() {
    return {
      ssid: WIFI.ssid,
      password: WIFI.password,
      brokerUrl: this.broker.deviceUrl,
      reportingIntervalS: 1,
    };
  }

  async startEngine(): Promise<void> {
    this.engine = await createEngine({
      dataDir: this.dataDir,
      demo: false,
      host: 'test',
      log: silent,
      ...this.engineOptions,
    });
    const [server, client] = transportPair();
    this.engine.connect(server);
    this.client = rawClient(client);
  }

  async restartEngine(): Promise<void> {
    await this.engine?.close();
    await this.startEngine();
  }

  async stop(): Promise<void> {
    await this.engine?.close();
    await this.broker.stop();
  }

  /** the raw reply, error included */
  reply(method: string, params?: unknown) {
    if (!this.client) throw new Error('the engine is not started');
    return this.client.call(method, params);
  }

  async call<T = unknown>(method: string, params?: unknown): Promise<T> {
    const reply = await this.reply(method, params);
    if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  async startSession(): Promise<CommissioningSession> {
    return SessionSchema.parse(await this.call('commissioning.start'));
  }

  async get(sessionId: string): Promise<CommissioningSession> {
    return SessionSchema.parse(await this.call('commissioning.get', { sessionId }));
  }

  /** Runs a step and waits for it to leave "running", as the wizard does through commissioning.changed. */
  async step(
    session: CommissioningSession,
    run: StepInput,
    timeoutMs = 30_000,
  ): Promise<CommissioningSession> {
    await this.call('commissioning.run', { sessionId: session.id, run });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.get(session.id);
      if (s.steps[run.step].state !== 'running') return s;
      if (Date.now() > deadline) throw new Error(`${run.step} still running after ${timeoutMs} ms`);
      await sleep(50);
    }
  }
}
