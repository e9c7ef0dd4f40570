/**
 * The connectors a user added (serial ports, brokers, BLE adapters): created from a
 * validated config, started, stopped, and remembered across restarts. The demo site's
 * simulated links are not here; they come and go with --no-demo.
 */
import type { z } from 'zod';
import type { ConnectorStatus } from '../../../common/contract';
import { RpcError } from '../../../common/protocol';
import type { Logger } from '../log';
import type { Db } from '../store/database';
import type { Connector, ConnectorSink } from './connector';

export interface ConnectorFactory {
  /** validates and fills defaults; the result must carry the connector's id */
  schema: z.ZodType<{ id: string }>;
  create(config: { id: string }, sink: ConnectorSink, log: Logger): Connector;
}

interface SavedConnector {
  kind: string;
  config: unknown;
}

const SETTINGS_KEY = 'connectors';

export class ConnectorManager {
  private readonly running = new Map<
    string,
    { kind: string; config: { id: string }; connector: Connector }
  >();
  private readonly statements;

  constructor(
    db: Db,
    private readonly factories: Readonly<Record<string, ConnectorFactory>>,
    private readonly sink: ConnectorSink,
    private readonly log: Logger,
    /** ids that are taken already (the demo site's connectors) */
    private readonly reserved: () => string[],
  ) {
    this.statements = {
      load: db.prepare(`SELECT value FROM settings WHERE key = '${SETTINGS_KEY}'`).pluck(),
      save: db.prepare(
        `INSERT INTO settings (key, value) VALUES ('${SETTINGS_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  /** Starts every saved connector; one that no longer validates is logged and skipped. */
  startSaved(): void {
    let saved: SavedConnector[] = [];
    try {
      saved = JSON.parse((this.statements.load.get() as string | undefined) ?? '[]') as SavedConnector[];
    } catch (error) {
      this.log.error('saved connectors are unreadable; starting none', { error: (error as Error).message });
    }
    for (const entry of saved) {
      try {
        this.start(entry.kind, entry.config);
      } catch (error) {
        this.log.error('a saved connector could not start', {
          kind: entry.kind,
          error: (error as Error).message,
        });
      }
    }
  }

  add(kind: string, rawConfig: unknown): ConnectorStatus {
    const connector = this.start(kind, rawConfig);
    this.persist();
    return connector.status();
  }

  async remove(id: string): Promise<boolean> {
    const entry = this.running.get(id);
    if (!entry) return false;
    this.running.delete(id);
    this.persist();
    await entry.connector.stop();
    return true;
  }

  get(id: string): Connector | undefined {
    return this.running.get(id)?.connector;
  }

  list(): Connector[] {
    return [...this.running.values()].map((e) => e.connector);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((c) => c.stop()));
  }

  private start(kind: string, rawConfig: unknown): Connector {
    const factory = this.factories[kind];
    if (!factory) throw new RpcError('INVALID_PARAMS', `unknown connector kind "${kind}"`);
    const parsed = factory.schema.safeParse(rawConfig);
    if (!parsed.success) {
      throw new RpcError(
        'INVALID_PARAMS',
        `invalid ${kind} connector: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ')}`,
      );
    }
    const config = parsed.data;
    if (this.running.has(config.id) || this.reserved().includes(config.id)) {
      throw new RpcError('INVALID_PARAMS', `a connector with id "${config.id}" exists already`);
    }
    const connector = factory.create(config, this.sink, this.log.child(config.id));
    this.running.set(config.id, { kind, config, connector });
    connector.start();
    return connector;
  }

  private persist(): void {
    const saved: SavedConnector[] = [...this.running.values()].map((e) => ({
      kind: e.kind,
      config: e.config,
    }));
    this.statements.save.run(JSON.stringify(saved));
  }
}
