/**
 * The connectors a user added (serial ports, brokers, BLE adapters): created from a
 * validated config, started, stopped, edited, and remembered across restarts. The demo
 * site's simulated links are not here; they come and go with --no-demo.
 *
 * Configs are saved as JSON in the settings table without their secrets (broker
 * passwords, client private keys): those are sealed in the secret store as
 * `connector.<id>.<field>` and put back when the connector starts.
 */

import type { z } from 'zod';
import type { ConnectorStatus, RequestResult } from '../../../common/contract';
import { RpcError } from '../../../common/protocol';
import { fieldIssues, issuesText } from '../../../common/validation-messages';
import type { Logger } from '../log';
import type { SecretStore } from '../secrets/secret-store';
import type { Db } from '../store/database';
import type { Connector, ConnectorSink } from './connector';
import {
  maskSecrets,
  type SecretField,
  STORED_MARKER,
  secretFieldsOf,
  secretName,
  secretsToReenter,
  splitSecrets,
} from './connector-secrets';

export interface ConnectorFactory {
  /** validates and fills defaults; the result must carry the connector's id */
  schema: z.ZodType<{ id: string }>;
  create(config: { id: string }, sink: ConnectorSink, log: Logger): Connector;
}

interface SavedConnector {
  kind: string;
  config: unknown;
}

interface Entry {
  kind: string;
  /** the validated config, secrets included (memory only) */
  config: { id: string };
  connector: Connector;
  /** secret fields whose sealed value could not be opened (another master key): asked for again */
  unreadable: Set<string>;
}

type Config = Record<string, unknown>;

const SETTINGS_KEY = 'connectors';

export class ConnectorManager {
  private readonly running = new Map<string, Entry>();
  /** ids with an update or remove in flight: a second change waits for nothing, it is refused */
  private readonly busy = new Set<string>();
  private readonly statements;

  constructor(
    private readonly db: Db,
    private readonly factories: Readonly<Record<string, ConnectorFactory>>,
    private readonly sink: ConnectorSink,
    private readonly log: Logger,
    /** ids that are taken already (the demo site's connectors) */
    private readonly reserved: () => string[],
    private readonly secrets: SecretStore,
  ) {
    this.statements = {
      load: db.prepare(`SELECT value FROM settings WHERE key = '${SETTINGS_KEY}'`).pluck(),
      save: db.prepare(
        `INSERT INTO settings (key, value) VALUES ('${SETTINGS_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  /**
   * Starts every saved connector; one that no longer validates is logged and skipped. A
   * config saved by an older build with its secrets in plain text is sealed and rewritten first.
   */
  startSaved(): void {
    let saved: SavedConnector[] = [];
    try {
      const parsed: unknown = JSON.parse((this.statements.load.get() as string | undefined) ?? '[]');
      if (!Array.isArray(parsed)) throw new Error('not a list');
      saved = parsed as SavedConnector[];
    } catch (error) {
      this.log.error('saved connectors are unreadable; starting none', { error: (error as Error).message });
    }
    saved = this.migratePlainSecrets(saved);
    for (const entry of saved) {
      try {
        const { config, unreadable } = this.restoreSecrets(entry.kind, entry.config);
        this.start(entry.kind, config).unreadable = unreadable;
      } catch (error) {
        this.log.error('a saved connector could not start', {
          kind: entry.kind,
          error: (error as Error).message,
        });
      }
    }
  }

  add(kind: string, rawConfig: unknown): ConnectorStatus {
    if (isObject(rawConfig)) {
      for (const field of secretFieldsOf(kind)) {
        if (field.read(rawConfig) === STORED_MARKER) {
          throw new RpcError('INVALID_PARAMS', `${field.name}: a new connector has no stored value to keep`);
        }
      }
    }
    const entry = this.start(kind, rawConfig);
    try {
      this.secrets.transaction(() => {
        this.sealSecrets(entry);
        this.persist();
      });
    } catch (error) {
      // nothing half-saved: the connector runs only if it is remembered
      this.running.delete(entry.config.id);
      void entry.connector.stop();
      throw error;
    }
    return entry.connector.status();
  }

  /**
   * The config as it was saved, for an edit form: each secret that is set shows as
   * STORED_MARKER, never its value.
   */
  getConfig(id: string): RequestResult<'connectors.get'> {
    const entry = this.running.get(id);
    if (!entry) throw new RpcError('NOT_FOUND', `no connector "${id}" (demo connectors cannot be edited)`);
    let config = maskSecrets(entry.kind, entry.config as Config);
    // a secret nobody can open is not "stored": the form should ask for it again
    for (const field of secretFieldsOf(entry.kind)) {
      if (entry.unreadable.has(field.name)) config = field.write(config, undefined);
    }
    // the factories are keyed by the contract's kinds; the engine checks the answer against it too
    return { kind: entry.kind as RequestResult<'connectors.get'>['kind'], config };
  }

  /**
   * Restarts a connector with a new config. A secret given as STORED_MARKER keeps the
   * stored value; one left out is deleted. The id cannot change. An invalid config leaves
   * the running connector as it was.
   */
  async update(id: string, rawConfig: unknown): Promise<ConnectorStatus> {
    const entry = this.running.get(id);
    if (!entry) throw new RpcError('NOT_FOUND', `no connector "${id}" (demo connectors cannot be edited)`);
    if (this.busy.has(id)) throw new RpcError('UNAVAILABLE', `connector "${id}" is being changed already`);
    if (!isObject(rawConfig)) throw new RpcError('INVALID_PARAMS', 'config must be an object');
    if (rawConfig.id !== undefined && rawConfig.id !== id) {
      throw new RpcError('INVALID_PARAMS', `the id cannot change (remove "${id}" and add a new connector)`);
    }
    let merged: Config = { ...rawConfig, id };
    const keptFields: SecretField[] = [];
    for (const field of secretFieldsOf(entry.kind)) {
      if (field.read(merged) !== STORED_MARKER) continue;
      keptFields.push(field);
      const kept = entry.unreadable.has(field.name) ? undefined : field.read(entry.config as Config);
      if (kept === undefined) {
        throw new RpcError(
          'INVALID_PARAMS',
          `${field.name}: there is no stored value to keep; type it again`,
        );
      }
      merged = field.write(merged, kept);
    }
    const factory = this.factoryOf(entry.kind);
    const config = this.validate(entry.kind, factory, merged);
    const reenter = secretsToReenter(entry.kind, keptFields, entry.config as Config, config as Config);
    if (reenter.length > 0) {
      throw new RpcError(
        'INVALID_PARAMS',
        `invalid ${entry.kind} connector: ${issuesText(reenter)}`,
        reenter,
      );
    }

    this.busy.add(id);
    try {
      await entry.connector.stop();
      const next: Entry = {
        kind: entry.kind,
        config,
        connector: factory.create(config, this.sink, this.log.child(config.id)),
        unreadable: new Set(),
      };
      try {
        this.running.set(id, next);
        this.secrets.transaction(() => {
          this.sealSecrets(next);
          this.persist();
        });
      } catch (error) {
        // not saved: go back to the config that is, so what runs is what a restart brings back
        const previous = factory.create(entry.config, this.sink, this.log.child(id));
        this.running.set(id, { ...entry, connector: previous });
        previous.start();
        throw error;
      }
      next.connector.start();
      return next.connector.status();
    } finally {
      this.busy.delete(id);
    }
  }

  async remove(id: string): Promise<boolean> {
    const entry = this.running.get(id);
    if (!entry) return false;
    if (this.busy.has(id)) throw new RpcError('UNAVAILABLE', `connector "${id}" is being changed already`);
    this.running.delete(id);
    this.secrets.transaction(() => {
      for (const field of secretFieldsOf(entry.kind)) this.secrets.delete(secretName(id, field));
      this.persist();
    });
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

  private factoryOf(kind: string): ConnectorFactory {
    const factory = this.factories[kind];
    if (!factory) throw new RpcError('INVALID_PARAMS', `unknown connector kind "${kind}"`);
    return factory;
  }

  private validate(kind: string, factory: ConnectorFactory, rawConfig: unknown): { id: string } {
    const parsed = factory.schema.safeParse(rawConfig);
    if (!parsed.success) {
      // every field's problem at once, in plain words, with paths a form can put beside its fields
      const issues = fieldIssues(parsed.error, factory.schema);
      throw new RpcError('INVALID_PARAMS', `invalid ${kind} connector: ${issuesText(issues)}`, issues);
    }
    return parsed.data;
  }

  private start(kind: string, rawConfig: unknown): Entry {
    const factory = this.factoryOf(kind);
    const config = this.validate(kind, factory, rawConfig);
    if (this.running.has(config.id) || this.reserved().includes(config.id)) {
      throw new RpcError('INVALID_PARAMS', `a connector with id "${config.id}" exists already`);
    }
    const connector = factory.create(config, this.sink, this.log.child(config.id));
    const entry: Entry = { kind, config, connector, unreadable: new Set() };
    this.running.set(config.id, entry);
    connector.start();
    return entry;
  }

  /** Seals the entry's secrets and deletes the ones it no longer has. Call inside a transaction. */
  private sealSecrets(entry: Entry): void {
    const { secrets } = splitSecrets(entry.kind, entry.config as Config);
    for (const field of secretFieldsOf(entry.kind)) {
      const name = secretName(entry.config.id, field);
      const value = secrets.get(field);
      if (value === undefined) this.secrets.delete(name);
      else this.secrets.put(name, value);
    }
  }

  /** The saved configs, without secrets. */
  private persist(): void {
    const saved: SavedConnector[] = [...this.running.values()].map((e) => ({
      kind: e.kind,
      config: splitSecrets(e.kind, e.config as Config).config,
    }));
    this.statements.save.run(JSON.stringify(saved));
  }

  /** A saved config with its sealed secrets put back. */
  private restoreSecrets(kind: string, saved: unknown): { config: unknown; unreadable: Set<string> } {
    const unreadable = new Set<string>();
    if (!isObject(saved) || typeof saved.id !== 'string') return { config: saved, unreadable };
    let config: Config = saved;
    for (const field of secretFieldsOf(kind)) {
      try {
        const value = this.secrets.get(secretName(saved.id, field));
        if (value !== undefined) config = field.write(config, value);
      } catch (error) {
        // another master key, or a damaged row: start without it and let the user type it again
        unreadable.add(field.name);
        this.log.error('a connector secret cannot be opened; edit the connector to enter it again', {
          connector: saved.id,
          field: field.name,
          error: (error as Error).message,
        });
      }
    }
    return { config, unreadable };
  }

  /**
   * Builds before this one saved secrets in the settings JSON. Seal them and rewrite the
   * settings with secure_delete on, so the old plain text is overwritten in the file rather
   * than left in a free page; then checkpoint, so the WAL does not keep a copy either.
   */
  private migratePlainSecrets(saved: SavedConnector[]): SavedConnector[] {
    const plain = saved.filter(
      (entry) =>
        isObject(entry) &&
        isObject(entry.config) &&
        typeof entry.config.id === 'string' &&
        splitSecrets(entry.kind, entry.config).secrets.size > 0,
    );
    if (plain.length === 0) return saved;
    let migrated = saved;
    const secureDelete = this.db.pragma('secure_delete', { simple: true }) as number;
    this.db.pragma('secure_delete = ON');
    try {
      // the sealed values and the rewritten settings commit together, or neither does
      this.secrets.transaction(() => {
        migrated = saved.map((entry) => {
          if (!plain.includes(entry)) return entry;
          const id = (entry.config as Config).id as string;
          const { config, secrets } = splitSecrets(entry.kind, entry.config as Config);
          for (const [field, value] of secrets) this.secrets.put(secretName(id, field), value);
          return { kind: entry.kind, config };
        });
        this.statements.save.run(JSON.stringify(migrated));
      });
    } finally {
      this.db.pragma(`secure_delete = ${secureDelete}`);
    }
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.log.warn('could not checkpoint after sealing connector secrets', {
        error: (error as Error).message,
      });
    }
    this.log.info('sealed connector secrets saved in plain text by an older build', {
      connectors: plain.length,
    });
    return migrated;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
