/**
 * Cloud sync for the engine: the outbox fed by ingest (and by enqueueEvent for
 * commissioning records, audit entries, alerts), one runner per enabled sink, the shared
 * bandwidth budget and metered mode, parked batches, and the sync.* RPC handlers.
 *
 * createSync is what the engine wires in; see the README's "Cloud sync" section for the
 * wire contracts.
 */
import type Database from 'better-sqlite3';
import type { z } from 'zod';
import { RpcError } from '../../../common/protocol';
import type { Reading } from '../../../common/reading';
import {
  HttpSinkConfigSchema,
  MqttSinkConfigSchema,
  SECRET_STORED,
  SINK_SECRET_FIELDS,
  type SinkKind,
  type SinkStatus,
  type SyncSettings,
  type SyncSettingsState,
  type syncRequests,
  type syncStreams,
} from '../../../common/sync-contract';
import { issuesText } from '../../../common/validation-messages';
import { type Installation, loadOrCreateInstallation, sourceOf } from '../identity/installation';
import type { Logger } from '../log';
import type { SecretStore } from '../secrets/secret-store';
import { BandwidthBudget } from './bandwidth';
import { buildBatch, buildRollupBatch, type OutgoingBatch } from './cloudevents';
import { DownSync, type RegistryEntry } from './down-sync';
import { createHttpTransport } from './http-transport';
import { originChooser, recordLegacyInflight } from './legacy-inflight';
import { createMqttTransport } from './mqtt-transport';
import { Outbox, type OutboxRow } from './outbox';
import { foldOldest, groupBytesFor, LOW_WATER, type SinkMarks } from './outbox-quota';
import { type SinkRecord, SinkRecords } from './sink-records';
import { type Cursors, SinkRunner } from './sink-runner';
import { sinkSecretsToReenter } from './sink-secret-destination';
import type { SinkTransport } from './transport';

type Requests = typeof syncRequests;
type Streams = typeof syncStreams;
export type SyncHandlers = {
  [M in keyof Requests]: (
    params: z.output<Requests[M]['params']>,
  ) => z.output<Requests[M]['result']> | Promise<z.output<Requests[M]['result']>>;
};
export type SyncStreams = {
  [S in keyof Streams]: (
    params: z.output<Streams[S]['params']>,
    emit: (data: z.output<Streams[S]['data']>) => void,
  ) => () => void;
};

export type TransportFactory = (kind: SinkKind, id: string, config: Record<string, unknown>) => SinkTransport;

export interface SyncOptions {
  db: Database.Database;
  secrets: SecretStore;
  log: Logger;
  /** the installation whose outbox this is; loaded from (or made in) `db` unless given */
  installation?: Installation;
  /** readings per batch at most (whole outbox rows are taken, so a batch can exceed it by one row) */
  maxBatchReadings?: number;
  /** for tests: backoff base and cap */
  baseDelayMs?: number;
  maxDelayMs?: number;
  idlePollMs?: number;
  /** for tests: replaces the real transports */
  transports?: TransportFactory;
  /** down-sync: applies one device registry entry from the cloud (wire to the registry's update) */
  applyRegistry?: (entry: RegistryEntry) => void | Promise<void>;
  /** how often down-sync runs by itself; 5 minutes unless told */
  downSyncEveryMs?: number;
}

export interface Sync {
  /** the ingest pipeline's accepted readings; call from pipeline.onBatch */
  onIngest(accepted: readonly Reading[]): void;
  /** any other record for the cloud: commissioning records, audit entries, alerts */
  enqueueEvent(type: string, subject: string, data: unknown): void;
  handlers: SyncHandlers;
  streams: SyncStreams;
  /** for tests and the bench: the outbox and the sinks */
  readonly outbox: Outbox;
  /** whose events these are: scopes CloudEvents `source`, sink ids and Idempotency-Keys */
  readonly installation: Installation;
  status(): SinkStatus[];
  close(): Promise<void>;
}

const MAX_ROWS_PER_BATCH = 2000;
const STATUS_EVERY_MS = 1000;

export function createSync(options: SyncOptions): Sync {
  const { db, secrets, log } = options;
  const outbox = new Outbox(db);
  const records = new SinkRecords(db);
  const installation = options.installation ?? openInstallation(db);
  const originOf = originChooser(db, { source: sourceOf(installation.id), installationId: installation.id });
  const settings = records.settings();
  const budget = new BandwidthBudget(settings.bandwidthBytesPerS);
  let metered = settings.metered;
  let quotaBytes = settings.outboxQuotaBytes;
  const runners = new Map<string, SinkRunner>();
  const transportFor: TransportFactory = options.transports ?? defaultTransports;
  let sinkCount = records.all().length;
  let closed = false;
  let appendErrors = 0;
  const down = new DownSync(db, log, options.applyRegistry);
  const pullDown = async () => {
    const results = [];
    for (const r of records.all()) {
      if (!r.enabled || r.kind !== 'http' || typeof r.config.downUrl !== 'string') continue;
      const c = unsealed(r);
      const pulled = await down.pull({
        url: c.downUrl as string,
        authorization: (c.authorization as string) || undefined,
        ca: c.caPem as string | undefined,
        cert: c.certPem as string | undefined,
        key: (c.keyPem as string) || undefined,
      });
      results.push(...pulled.map((x) => ({ sinkId: r.id, ...x })));
    }
    return results;
  };
  let pulling: Promise<unknown> | null = null;
  const downTimer = setInterval(
    () => {
      if (pulling) return;
      pulling = pullDown()
        .catch((error: unknown) => log.warn('down-sync failed', { error: (error as Error).message }))
        .finally(() => {
          pulling = null;
        });
    },
    options.downSyncEveryMs ?? 5 * 60_000,
  );
  downTimer.unref?.();

  const secretName = (sinkId: string, field: string) => `sync.sink.${sinkId}.${field}`;

  /** The config with its sealed secrets put back, for building a transport. */
  const unsealed = (r: SinkRecord): Record<string, unknown> => {
    const config = { ...r.config };
    for (const field of SINK_SECRET_FIELDS) {
      if (config[field] === SECRET_STORED) config[field] = secrets.get(secretName(r.id, field)) ?? '';
    }
    return config;
  };

  const maxReadings = (kind: SinkKind) => {
    const cap = budget.bytesPerSecond;
    // brokers cap a message's size (AWS IoT Core: 128 KB): ~20k readings gzip to ~50 KB
    const base = Math.min(
      options.maxBatchReadings ?? 50_000,
      kind === 'mqtt' ? 20_000 : Number.POSITIVE_INFINITY,
    );
    // with a cap, keep a batch to a few seconds of the link (assuming a few bytes a reading)
    return cap === null ? base : Math.max(200, Math.min(base, cap));
  };

  /** Whole rows after `after`, up to `limit` readings, or exactly up to `replay` when a batch is being rebuilt. */
  const takeRows = (after: number, limit: number, replay: number | undefined): OutboxRow[] => {
    const exact = replay !== undefined && replay > after ? replay : null;
    const rows: OutboxRow[] = [];
    let readings = 0;
    for (const row of outbox.read(after, MAX_ROWS_PER_BATCH)) {
      // a folded row weighs what its rollups cost on the wire, not the readings it stands for
      const weight = row.kind === 'rollup' ? Math.ceil(row.body.length / 2) : row.readings;
      if (exact !== null ? row.seq > exact : rows.length > 0 && readings + weight > limit) break;
      rows.push(row);
      readings += weight;
    }
    return rows;
  };

  /**
   * Per sink, the last seq of the latest batch built from the outbox (raw and rollup): a
   * built batch may go on the wire next, so the quota leaves its rows alone. A runner has
   * one batch in the making at a time and drops it when it builds another, so the latest
   * is the only one that matters (the one on the wire is `inflight`).
   */
  const built = new Map<string, { raw: number; rollup: number }>();
  const noteBuilt = (sinkId: string, channel: 'raw' | 'rollup', rows: readonly OutboxRow[]) => {
    const b = built.get(sinkId) ?? { raw: 0, rollup: 0 };
    b[channel] = rows.at(-1)!.seq;
    built.set(sinkId, b);
  };

  const prepare =
    (sinkId: string, kind: SinkKind) =>
    async (cursors: Cursors): Promise<OutgoingBatch | null> => {
      const limit = maxReadings(kind);
      // metered link: the 1-minute picture of everything not yet sent goes first, raw after
      const rollupAfter = Math.max(cursors.rollup, cursors.raw);
      if (metered && rollupAfter < outbox.head()) {
        // a rollup batch summarises many readings in few bytes: take more rows per batch
        const rows = takeRows(rollupAfter, limit * 20, cursors.replayRollup);
        if (rows.length > 0) {
          noteBuilt(sinkId, 'rollup', rows);
          return buildRollupBatch(sinkId, originOf(sinkId, 'rollup', rows.at(-1)!.seq), rows);
        }
      }
      const rows = takeRows(cursors.raw, limit, cursors.replay);
      if (rows.length === 0) return null;
      noteBuilt(sinkId, 'raw', rows);
      return buildBatch(sinkId, originOf(sinkId, 'raw', rows.at(-1)!.seq), rows, cursors.rollup);
    };

  const trim = () => {
    const min = records.minCursor();
    if (min !== null) outbox.trim(min);
  };

  // --- the outbox quota: fold the oldest raw rows into rollups when over it (outbox-quota.ts)
  let foldScheduled = false;
  let foldRetryAt = 0;
  let recountedAt = 0;
  let stuckLogged = false;
  /** what the current fold pass folded, logged once when it ends */
  let pass: { readings: number; fromTs: number; toTs: number; freedBytes: number } | null = null;
  const marks = (): SinkMarks[] =>
    records.all().map((r) => {
      const b = built.get(r.id) ?? { raw: 0, rollup: 0 };
      const rollup = Math.max(r.cursor, r.rollupCursor);
      return {
        id: r.id,
        raw: r.cursor,
        rollup,
        busy: [
          [r.cursor, Math.max(r.inflight, b.raw)],
          [rollup, Math.max(r.rollupInflight, b.rollup)],
        ],
      };
    });
  /** Cheap enough for every ingest batch: compares the running total. */
  const checkQuota = () => {
    if (foldScheduled || closed || outbox.storedBytes() <= quotaBytes || Date.now() < foldRetryAt) return;
    foldScheduled = true;
    // never inside the ingest transaction that called us, and a group per turn of the loop
    setImmediate(foldStep);
  };
  const foldStep = () => {
    foldScheduled = false;
    if (closed) return;
    const now = Date.now();
    if (now - recountedAt > 5000) {
      outbox.recount();
      recountedAt = now;
    }
    if (outbox.storedBytes() <= quotaBytes * LOW_WATER) {
      stuckLogged = false;
      if (pass) {
        log.warn('the outbox was over its quota: raw readings folded into 1-minute rollups', {
          readings: pass.readings,
          from: new Date(pass.fromTs).toISOString(),
          to: new Date(pass.toTs).toISOString(),
          freedBytes: pass.freedBytes,
          bytes: outbox.storedBytes(),
          quotaBytes,
        });
        pass = null;
      }
      return;
    }
    let outcome: ReturnType<typeof foldOldest>;
    try {
      outcome = db.transaction(() => {
        const o = foldOldest(outbox, marks(), groupBytesFor(quotaBytes));
        if (o) records.addFolded(o.sinks, o.readings, o.fromTs, o.toTs, now);
        return o;
      })();
    } catch (error) {
      log.error('cannot fold the outbox', { error: (error as Error).message });
      outbox.recount();
      foldRetryAt = now + 5000;
      return;
    }
    if (!outcome) {
      if (!stuckLogged) {
        log.warn('the outbox is over its quota and holds no raw readings that can be folded', {
          bytes: outbox.storedBytes(),
          quotaBytes,
        });
        stuckLogged = true;
      }
      foldRetryAt = now + 2000;
      return;
    }
    log.debug('outbox fold', { ...outcome });
    pass ??= { readings: 0, fromTs: outcome.fromTs, toTs: outcome.toTs, freedBytes: 0 };
    pass.readings += outcome.readings;
    pass.fromTs = Math.min(pass.fromTs, outcome.fromTs);
    pass.toTs = Math.max(pass.toTs, outcome.toTs);
    pass.freedBytes += outcome.freedBytes;
    foldScheduled = true;
    setImmediate(foldStep);
  };

  const startRunner = (r: SinkRecord) => {
    if (!r.enabled || closed) return;
    let transport: SinkTransport;
    try {
      transport = transportFor(r.kind, r.id, unsealed(r));
    } catch (error) {
      log.error('sink cannot start', { sink: r.id, error: (error as Error).message });
      return;
    }
    const runner = new SinkRunner({
      id: r.id,
      transport,
      records,
      budget,
      log,
      cursors: { raw: r.cursor, rollup: r.rollupCursor, replay: r.inflight, replayRollup: r.rollupInflight },
      frozen: records.frozen(r.id),
      prepare: prepare(r.id, r.kind),
      delivered: trim,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      idlePollMs: options.idlePollMs,
    });
    runners.set(r.id, runner);
    runner.start();
  };

  const stopRunner = async (id: string) => {
    const runner = runners.get(id);
    runners.delete(id);
    await runner?.stop();
  };

  const statusOf = (r: SinkRecord): SinkStatus => {
    const runner = runners.get(r.id);
    const cursor = runner ? runner.cursors.raw : r.cursor;
    const backlog = outbox.backlog(cursor);
    const stats = runner?.stats;
    const speed = runner?.throughput() ?? { readingsPerS: 0, bytesPerS: 0 };
    return {
      id: r.id,
      kind: r.kind,
      name: r.name,
      enabled: r.enabled,
      target: runner?.transport.target ?? targetOf(r),
      connected: runner?.transport.connected() ?? false,
      state: !r.enabled ? 'disabled' : (stats?.state ?? 'stopped'),
      backlog: {
        readings: backlog.readings,
        events: backlog.events,
        rollups: backlog.rollups,
        oldestAt: backlog.oldestAt,
      },
      delivered: {
        batches: stats?.batches ?? 0,
        readings: stats?.readings ?? 0,
        bytes: stats?.bytes ?? 0,
      },
      readingsPerS: speed.readingsPerS,
      bytesPerS: speed.bytesPerS,
      retries: stats?.retries ?? 0,
      lastError: stats?.lastError ?? null,
      lastSuccessAt: stats?.lastSuccessAt ?? null,
      nextAttemptAt: stats?.nextAttemptAt ?? null,
      parked: records.parkedCount(r.id),
      folded: r.folded ?? null,
    };
  };

  const status = () => records.all().map(statusOf);
  const mustGet = (id: string) => {
    const r = records.get(id);
    if (!r) throw new RpcError('NOT_FOUND', `no sink "${id}"`);
    return r;
  };

  /** Seals the secret fields of a config given by the user; returns what is saved in the table. */
  const sealConfig = (
    sinkId: string,
    kind: SinkKind,
    given: unknown,
    previous?: Record<string, unknown>,
  ): Record<string, unknown> => {
    const schema = kind === 'http' ? HttpSinkConfigSchema : MqttSinkConfigSchema;
    const parsed = schema.safeParse(given);
    if (!parsed.success) {
      throw new RpcError(
        'INVALID_PARAMS',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    const config: Record<string, unknown> = { ...parsed.data };
    if (config.contentMode === 'structured' && config.receiptTopic !== undefined) {
      throw new RpcError(
        'INVALID_PARAMS',
        'receiptTopic: receipts work with batch mode only; in structured mode every event is its own message',
      );
    }
    const reenter = sinkSecretsToReenter(kind, config, previous);
    if (reenter.length > 0) throw new RpcError('INVALID_PARAMS', issuesText(reenter), reenter);
    for (const field of SINK_SECRET_FIELDS) {
      const value = config[field];
      if (value === SECRET_STORED && previous?.[field] === SECRET_STORED) continue;
      if (typeof value === 'string' && value !== '' && value !== SECRET_STORED) {
        secrets.put(secretName(sinkId, field), value);
        config[field] = SECRET_STORED;
      } else {
        secrets.delete(secretName(sinkId, field));
        delete config[field];
      }
    }
    return config;
  };

  // an MQTT sink's id is in its topics and client id: unique to the installation, two sites
  // publishing to one broker never share a topic (sinks made before keep their "sink-<n>")
  const newId = () => {
    for (let n = records.all().length + 1; ; n++) {
      const id = `sink-${n}-${installation.id}`;
      if (!records.get(id)) return id;
    }
  };

  const handlers: SyncHandlers = {
    'sync.sinks': () => status(),
    'sync.getSink': ({ id }) => {
      const r = mustGet(id);
      return { id: r.id, kind: r.kind, name: r.name, enabled: r.enabled, config: r.config };
    },
    'sync.addSink': (p) => {
      const id = newId();
      const record: SinkRecord = {
        id,
        kind: p.kind,
        name: p.name,
        enabled: p.enabled,
        config: {},
        // a new sink takes what the outbox still holds, and everything after
        cursor: outbox.start(),
        rollupCursor: outbox.start(),
        inflight: 0,
        rollupInflight: 0,
        createdAt: Date.now(),
      };
      db.transaction(() => {
        record.config = sealConfig(id, p.kind, p.config);
        records.insert(record);
      })();
      sinkCount++;
      startRunner(record);
      return statusOf(record);
    },
    'sync.updateSink': async ({ id, name, enabled, config }) => {
      const r = mustGet(id);
      const next = { ...r, name: name ?? r.name, enabled: enabled ?? r.enabled };
      db.transaction(() => {
        if (config !== undefined) next.config = sealConfig(id, r.kind, config, r.config);
        records.update(id, next.name, next.enabled, next.config);
      })();
      await stopRunner(id);
      const saved = mustGet(id);
      startRunner(saved);
      return statusOf(saved);
    },
    'sync.removeSink': async ({ id }) => {
      await stopRunner(id);
      const ok = db.transaction(() => {
        for (const field of SINK_SECRET_FIELDS) secrets.delete(secretName(id, field));
        return records.remove(id);
      })();
      if (ok) sinkCount--;
      built.delete(id);
      trim();
      return { ok };
    },
    'sync.now': (p) => {
      for (const [id, runner] of runners) if (!p?.id || p.id === id) runner.wake(true);
      return { ok: true };
    },
    'sync.parked': (p) => records.parked(p?.sinkId ?? null),
    'sync.retryParked': async ({ id }) => {
      const parked = records.parkedWithPayload(id);
      if (!parked) throw new RpcError('NOT_FOUND', `no parked batch ${id}`);
      const runner = runners.get(parked.sinkId);
      if (!runner) return { ok: false, error: 'the sink is disabled or cannot start' };
      const outcome = await runner.transport.send({
        sinkId: parked.sinkId,
        channel: 'raw',
        firstSeq: parked.firstSeq,
        lastSeq: parked.lastSeq,
        events: parked.events,
        readings: parked.readings,
        key: parked.idempotencyKey,
        payload: parked.payload,
        oldestAt: parked.parkedAt,
      });
      if (outcome.kind !== 'ok') return { ok: false, error: outcome.error };
      records.unpark(id);
      return { ok: true, error: null };
    },
    'sync.pullDown': () => pullDown(),
    'sync.downDocs': () => down.docs(),
    'sync.discardParked': ({ id }) => ({ ok: records.unpark(id) }),
    'sync.settings': () => settingsState(records.settings()),
    'sync.configure': (change) => {
      const current = records.settings();
      const next: SyncSettings = {
        bandwidthBytesPerS:
          change.bandwidthBytesPerS === undefined ? current.bandwidthBytesPerS : change.bandwidthBytesPerS,
        metered: change.metered ?? current.metered,
        outboxQuotaBytes: change.outboxQuotaBytes ?? current.outboxQuotaBytes,
      };
      records.setSettings(next);
      budget.setRate(next.bandwidthBytesPerS);
      metered = next.metered;
      quotaBytes = next.outboxQuotaBytes;
      foldRetryAt = 0;
      checkQuota();
      for (const runner of runners.values()) runner.wake(true);
      return settingsState(next);
    },
  };

  const settingsState = (s: SyncSettings): SyncSettingsState => ({ ...s, outboxBytes: outbox.storedBytes() });

  const streams: SyncStreams = {
    'sync.changed': (_params, emit) => {
      emit(status());
      const timer = setInterval(() => emit(status()), STATUS_EVERY_MS);
      return () => clearInterval(timer);
    },
  };

  for (const r of records.all()) startRunner(r);

  return {
    outbox,
    installation,
    handlers,
    streams,
    status,
    onIngest(accepted) {
      if (sinkCount === 0 || accepted.length === 0 || closed) return;
      try {
        outbox.appendReadings(accepted);
      } catch (error) {
        // the readings are stored locally; only their trip to the cloud is lost, and said so
        appendErrors++;
        log.error('cannot add readings to the outbox', {
          error: (error as Error).message,
          readings: accepted.length,
          errors: appendErrors,
        });
        return;
      }
      checkQuota();
      for (const runner of runners.values()) runner.wake();
    },
    enqueueEvent(type, subject, data) {
      if (closed) return;
      outbox.appendEvent({ type, subject, data });
      checkQuota();
      for (const runner of runners.values()) runner.wake();
    },
    async close() {
      closed = true;
      clearInterval(downTimer);
      await Promise.all([...runners.keys()].map(stopRunner));
    },
  };

  function defaultTransports(kind: SinkKind, id: string, config: Record<string, unknown>): SinkTransport {
    if (kind === 'http') {
      const c = HttpSinkConfigSchema.parse(config);
      return createHttpTransport({
        url: c.url,
        authorization: c.authorization || undefined,
        ca: c.caPem,
        cert: c.certPem,
        key: c.keyPem || undefined,
        timeoutMs: c.timeoutMs,
      });
    }
    const c = MqttSinkConfigSchema.parse(config);
    return createMqttTransport({
      url: c.url,
      topic: c.topic,
      receiptTopic: c.receiptTopic,
      ackTimeoutMs: c.ackTimeoutMs,
      contentMode: c.contentMode,
      sinkId: id,
      clientId: c.clientId,
      username: c.username,
      password: c.password || undefined,
      ca: c.caPem,
      cert: c.certPem,
      key: c.keyPem || undefined,
    });
  }

  function targetOf(r: SinkRecord): string {
    const url = typeof r.config.url === 'string' ? r.config.url : '';
    try {
      const u = new URL(url);
      u.username = '';
      u.password = '';
      return u.toString();
    } catch {
      return url;
    }
  }
}

/** The database's installation; made with the upgrade note for batches in flight under the old ids. */
export function openInstallation(db: Database.Database): Installation {
  return loadOrCreateInstallation(db, recordLegacyInflight);
}
