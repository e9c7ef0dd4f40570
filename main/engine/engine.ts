/**
 * The engine: connectors → ingest pipeline → SQLite store, device registry, and the RPC
 * contract served to any number of clients. Pure Node; the same code runs in Electron's
 * utilityProcess, in the headless host and inside tests.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ConnectorStatus, DeviceSummary, EngineInfo } from '../../common/contract';
import type { MessageTransport } from '../../common/protocol';
import { RpcError } from '../../common/protocol';
import type { Reading } from '../../common/reading';
import { version } from '../../package.json';
import { createEdgeActions } from './alarms/actions/edge-actions';
import { createAlarmAnalysisHandlers } from './alarms/alarm-analysis-handlers';
import { createAlarmHandlers } from './alarms/alarm-handlers';
import { AlarmService } from './alarms/alarm-service';
import { Backtester } from './alarms/backtest';
import { DeriveRecorder } from './alarms/conditions/derive';
import { rollupAggregate } from './alarms/conditions/rollup-aggregate';
import { DEMO_RULES } from './alarms/demo-rules';
import { profilesReached } from './alarms/profiles-reached';
import { AuditLog } from './audit/audit-log';
import {
  createCommissioningHandlers,
  createCommissioningStreams,
} from './commissioning/commissioning-handlers';
import { CommissioningService } from './commissioning/commissioning-service';
import { hostOf, mqttHostsSubscribed } from './commissioning/subscribed-brokers';
import type { BleConnector } from './connectors/ble/ble-connector';
import type { Connector, ConnectorSink } from './connectors/connector';
import { ConnectorManager } from './connectors/connector-manager';
import { createDeviceTools } from './connectors/device-tools';
import { createConnectorFactories } from './connectors/factories';
import { createMqttBrowseHandlers } from './connectors/mqtt/browse-handlers';
import { listSerialPorts } from './connectors/serial/serial-ports';
import { backfillDemoHistory, START_DELAY_MS as DEMO_HISTORY_DELAY_MS } from './demo/demo-history';
import { createDemoPlant, type DemoPlant } from './demo/demo-plant';
import { startDemoRolloutFleet } from './demo/demo-rollout-fleet';
import { createDemoConnectors } from './demo/demo-site';
import { loadDemoSite } from './demo/demo-site-definition';
import { removeLegacyDemoDevices } from './demo/legacy-demo-cleanup';
import { DeviceRegistry } from './devices/device-registry';
import { FirmwareHistory } from './devices/firmware-history';
import { engineMemory } from './diagnostics/memory-report';
import type { Engine, EngineOptions } from './engine-types';
import { createFirmwareLibrary } from './firmware/firmware-setup';
import { matchDevice, registryDeviceTarget } from './firmware/firmware-target';
import { createFlashHandlers, createFlashStreams } from './firmware/flash-handlers';
import { createEngineFlash } from './firmware/flash-wiring';
import { ROLLOUT_HEALTH_POLICY } from './firmware/health-judge';
import { IngestPipeline } from './ingest/pipeline';
import { ReadingValidator } from './ingest/validate';
import { toLiveBatch } from './live-streams';
import { publishThroughConnector } from './notify/channels/mqtt-channel';
import { createNotifyHandlers, createNotifyStreams } from './notify/notify-handlers';
import { NotifyService } from './notify/notify-service';
import { createPkiHandlers, lazyCredentials } from './pki/pki-handlers';
import { loadProfileSources } from './profiles/load-profiles';
import { createProfileHandlers } from './profiles/profile-handlers';
import { ProfileStore } from './profiles/profile-store';
import { openDeviceChannel } from './provisioning/device-channel';
import { Operator } from './registry/operator';
import { createRegistryHandlers } from './registry/registry-handlers';
import { RegistryService } from './registry/registry-service';
import { retireCredentials } from './registry/retire-credentials';
import { findResourcesDir } from './resources';
import { createRolloutService } from './rollouts/rollout-service';
import { RpcServer } from './rpc/rpc-server';
import { loadOrCreateMasterKeyFile, MASTER_KEY_FILE, MasterKey } from './secrets/master-key';
import { SecretStore } from './secrets/secret-store';
import { DatabaseError, openDatabase } from './store/database';
import { ReadingStore } from './store/reading-store';
import { createSync } from './sync/sync-service';

export type { Engine, EngineOptions } from './engine-types';

const DEVICE_UPDATE_MS = 500;
const CONNECTOR_UPDATE_MS = 1000;

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const log = options.log.child('engine');
  const startedAt = Date.now();
  const resourcesDir = options.resourcesDir ?? findResourcesDir(__dirname);
  const builtInProfiles = loadProfileSources(path.join(resourcesDir, 'profiles'));
  // a cache that cannot be opened (corrupt, unwritable folder) must not stop the site
  // being watched: live data flows through an in-memory store and the UI says so
  let openError: string | null = null;
  let opened: ReturnType<typeof openDatabase>;
  try {
    opened = openDatabase({ dataDir: options.dataDir, log });
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    openError = error.message;
    log.error('the local cache is unavailable; running without it', { error: openError });
    opened = openDatabase({ dataDir: options.dataDir, log, file: ':memory:' });
  }
  const { db, file } = opened;
  const store = new ReadingStore(db, file, log.child('store'));
  let keyProtection =
    options.masterKeyProtection ??
    (options.masterKey
      ? 'supplied by the host'
      : `key file ${path.join(options.dataDir, MASTER_KEY_FILE)} (0600)`);
  let masterKey = options.masterKey;
  if (!masterKey) {
    try {
      masterKey = loadOrCreateMasterKeyFile(options.dataDir);
    } catch (error) {
      // same rule as the cache: an unusable data folder degrades the engine, it does not stop it;
      // secrets sealed now die with the process, and the UI says so
      log.error('the master key is unavailable; secrets will not survive a restart', {
        error: (error as Error).message,
      });
      masterKey = new MasterKey(randomBytes(32));
      keyProtection = `none: ${(error as Error).message}`;
    }
  }
  const secrets = new SecretStore(db, masterKey, log.child('secrets'));
  const audit = new AuditLog(db);
  const operator = new Operator(db);
  /** set once the connectors exist */
  let bleProfilesChanged = (): void => {};
  const profileStore = new ProfileStore({
    db,
    builtIns: builtInProfiles,
    audit,
    actor: () => operator.get(),
    usedBy: (profileId): string[] => registry.withProfile(profileId),
    log: log.child('profiles'),
    // units and limits in the summaries of the devices with it changed
    onChanged: (profileId): void => {
      for (const id of registry.withProfile(profileId)) registry.touch(id);
      bleProfilesChanged();
    },
  });
  // one live map: the validator, the registry and the BLE connectors see every edit at once
  const profiles = profileStore.profiles;
  const registry = new DeviceRegistry(store, profiles);
  registry.load();
  registry.onProfileAssigned = () => bleProfilesChanged();
  const registryService = new RegistryService(
    db,
    registry,
    audit,
    () => operator.get(),
    (p) => profileStore.require(p),
  );
  const validator = new ReadingValidator((id) => registry.profileOf(id));
  const sync = createSync({
    db,
    secrets,
    log: log.child('sync'),
    // the cloud's registry entries: a device the site has not seen yet is registered first
    applyRegistry: ({ deviceId, ...change }) => {
      if (!registry.has(deviceId)) {
        registry.register({
          id: deviceId,
          name: change.name ?? deviceId,
          kind: 'from the cloud registry',
          profile: change.profile ?? '',
          transport: 'mqtt',
          connectorId: '',
        });
      }
      registryService.update(deviceId, change, 'cloud');
    },
  });
  // audit entries and commissioning records travel to the cloud like readings do
  audit.onAppend = (entry) => sync.enqueueEvent('io.fieldline.audit.v1', entry.subject, entry);
  const alarmDeviceFacts = (id: string) => {
    const brief = registry.brief(id);
    return brief && { id, profile: brief.descriptor.profile, ...registryService.placement(id) };
  };
  const alarmDevices = {
    facts: (id: string) => alarmDeviceFacts(id),
    ids: () => registry.ids(),
    offline: (id: string) => registry.currentState(id) === 'offline',
    name: (id: string) => registry.brief(id)?.descriptor.name ?? id,
  };
  const alarms = new AlarmService({
    db,
    devices: alarmDevices,
    audit: (entry) => audit.append(entry),
    siteId: sync.installation.id,
    published: (transition) => sync.enqueueEvent('io.fieldline.alarm.v1', transition.key, transition),
    // the registry holds the newest value of every series as of the last committed batch
    latest: (deviceId, metric) => registry.lastOf(deviceId, metric),
    aggregate: rollupAggregate(db, store),
    profilesFor: (rule) => profilesReached(rule, profiles, (id) => registry.brief(id)?.descriptor.profile),
    rulesChanged: (rules) => derive.setRules(rules),
    log: log.child('alarms'),
  });
  // derived metrics (recording rules) go back through ingest like any connector's readings
  const derive = new DeriveRecorder({
    push: (readings) => sink.readings(readings),
    device: (id) => alarmDeviceFacts(id),
    latest: (deviceId, metric) => registry.lastOf(deviceId, metric),
    log: log.child('derive'),
  });
  const pipeline = new IngestPipeline({
    store,
    validator,
    log: log.child('ingest'),
    withinCommit: (accepted) => {
      sync.onIngest(accepted);
      alarms.evaluate(accepted);
    },
  });
  pipeline.onBatch((result) => {
    alarms.afterCommit();
    derive.onReadings(result.accepted);
    registry.applyBatch(result);
    registryService.observe(result.accepted);
  });

  const demoConnectors: Connector[] = [];
  let manager: ConnectorManager | undefined;
  const allConnectors = (): Connector[] => [...demoConnectors, ...(manager?.list() ?? [])];
  // BLE links map vendor characteristics by profile: a new assignment or edit remaps them
  bleProfilesChanged = () => {
    for (const c of allConnectors()) if ('profilesChanged' in c) (c as BleConnector).profilesChanged();
  };
  const deviceListeners = new Set<(changed: DeviceSummary[]) => void>();
  const removalListeners = new Set<(removed: { deviceIds: string[] }) => void>();
  const connectorListeners = new Set<(all: ConnectorStatus[]) => void>();

  const sink: ConnectorSink = {
    readings(batch: Reading[]) {
      for (const r of batch) {
        if (!registry.has(r.deviceId)) {
          // a device we were not told about: keep its data and show it as discovered
          const connector = allConnectors().find((c) => c.id === r.source);
          registry.register({
            id: r.deviceId,
            name: r.deviceId,
            kind: 'discovered',
            profile: '',
            transport: connector?.status().kind ?? 'serial',
            connectorId: r.source,
          });
        }
      }
      pipeline.push(batch);
    },
    deviceSeen: (device) => registry.register(device),
    statusChanged: () => {},
  };

  let demoPlant: DemoPlant | undefined;
  let demoHistory: Promise<void> | undefined;
  let historyTimer: NodeJS.Timeout | undefined;
  let startHistory: (() => void) | undefined;
  let closed = false;
  let demoDeviceIds: string[] = [];
  if (options.demo) {
    const site = loadDemoSite(options.demoSiteFile ?? path.join(resourcesDir, 'demo-site.json'));
    demoDeviceIds = site.devices.map((d) => d.id);
    for (const profile of new Set(site.devices.map((d) => d.profile))) {
      if (!profiles.has(profile)) throw new Error(`demo site uses unknown profile "${profile}"`);
    }
    demoHistory = new Promise<void>((resolve) => {
      startHistory = resolve;
      historyTimer = setTimeout(resolve, DEMO_HISTORY_DELAY_MS);
    })
      .then(() =>
        backfillDemoHistory(
          { db, store, site, register: (device) => registry.register(device), log: log.child('demo') },
          () => closed,
        ),
      )
      .then(
        // the registry reads the back-filled counts and last values the way it does at any start
        (outcome) => {
          if (outcome && !closed) registry.load();
        },
        (error: unknown) => log.error('demo history back-fill failed', { error: (error as Error).message }),
      );
    demoConnectors.push(...createDemoConnectors(site, sink));
    // credentials is declared below; the plant only calls it once the engine serves
    demoPlant = createDemoPlant({
      sink,
      log: log.child('demo-plant'),
      credentials: () => credentials(),
      secrets,
    });
    demoConnectors.push(...demoPlant.connectors);
  }

  const connectorManager = new ConnectorManager(
    db,
    createConnectorFactories({
      bleBinding: options.bleBinding,
      profiles: (id) => profiles.get(id),
      assignedProfile: (deviceId) => registry.brief(deviceId)?.descriptor.profile,
    }),
    sink,
    log.child('connectors'),
    () => demoConnectors.map((c) => c.id),
    secrets,
  );
  manager = connectorManager;
  // the demo plant's Bluetooth and broker connectors are not the manager's, but the tools and the wizard use them
  const findConnector = (id: string) => connectorManager.get(id) ?? demoConnectors.find((c) => c.id === id);
  registry.connectorUnit = (connectorId, deviceId, metric) =>
    findConnector(connectorId)?.metricUnit?.(deviceId, metric);
  const tools = createDeviceTools(findConnector);
  const topicBrowser = createMqttBrowseHandlers(findConnector, audit, () => operator.get());
  // alarm notifications: journaled notices → routes → channels, through their own outbox
  const notify = new NotifyService({
    db,
    secrets,
    source: alarms,
    publishMqtt: publishThroughConnector(findConnector),
    log: log.child('notify'),
  });

  // edge actions of alarm rules, run from the alarm engine's notices
  const edgeActions = createEdgeActions({
    db,
    source: alarms,
    connector: findConnector,
    connectorOf: (deviceId) => registry.brief(deviceId)?.descriptor.connectorId,
    audit: (entry) => audit.append(entry),
    webhooks: notify.webhookOutbox,
    log: log.child('edge-actions'),
  });

  // the CA is opened (or created) on first use: a site that never commissions never has one
  const credentials = lazyCredentials({
    db,
    secrets,
    log: log.child('pki'),
    projectName: path.basename(options.dataDir),
  });
  const commissioning = new CommissioningService({
    db,
    log: log.child('commissioning'),
    technician: () => operator.get(),
    openChannel: (link) =>
      openDeviceChannel(link, {
        bleConnector: (id) => {
          const c = findConnector(id);
          return c && 'peripherals' in c ? (c as BleConnector) : undefined;
        },
        log: log.child('provisioning'),
      }),
    credentials,
    secrets,
    registry: registryService,
    devices: registry,
    profileExists: (p) => profiles.has(p),
    watchReadings: (listener) => pipeline.onBatch((result) => listener(result.accepted)),
    recorded: (session) =>
      sync.enqueueEvent('io.fieldline.commissioning.v1', session.details?.deviceId ?? session.id, session),
    subscribedTo: (brokerUrl) =>
      mqttHostsSubscribed(connectorManager).has(hostOf(brokerUrl)) ||
      (demoPlant?.subscribedTo(brokerUrl) ?? false),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });

  const firmwareHistory = new FirmwareHistory(
    db,
    {
      versionOf: (id) => registryService.get(id)?.firmwareVersion,
      setVersion: (id, version) => registryService.setFirmwareVersion(id, version),
    },
    log.child('firmware-history'),
  );
  const rollouts = createRolloutService({
    db,
    log: log.child('rollouts'),
    candidates: () =>
      registry.list().flatMap((d) => {
        const r = registryService.get(d.id);
        return r
          ? [{ id: r.id, site: r.site, profile: r.profile, tags: r.tags, firmwareVersion: r.firmwareVersion }]
          : [];
      }),
    // only a library image goes out: re-hashed and checked against the keys pinned now
    image: async (sha256) => (await firmware.library.getImage(sha256))?.bytes,
    fit: (deviceId, image) => matchDevice(image, registryDeviceTarget(registry, deviceId)),
    actor: () => operator.get(),
    credentials,
    events: {
      audit: (entry) => audit.append(entry),
      recorded: (event) =>
        sync.enqueueEvent('io.fieldline.rollout.v1', event.deviceId ?? event.campaignId, event),
      deviceFinished: (event) => firmwareHistory.rolloutFinished(event),
    },
    readingsHealth: ROLLOUT_HEALTH_POLICY,
  });
  // a device verifying after its update is judged by the readings it sends in the soak window
  pipeline.onBatch((result) => {
    try {
      rollouts.engine.readings(result.accepted);
    } catch (error) {
      // nothing was committed for that device (one transaction): its next readings judge it again
      log.error('rollout verification from readings failed', { error: (error as Error).message });
    }
  });

  alarms.start();
  if (options.demo) alarms.seedRules(DEMO_RULES);
  const alarmRpc = createAlarmHandlers(alarms, () => operator.get());
  const alarmAnalysisRpc = createAlarmAnalysisHandlers(
    db,
    new Backtester({
      db,
      series: store.series,
      devices: alarmDevices,
      aggregate: rollupAggregate(db, store),
    }),
  );

  const deviceTimer = setInterval(() => {
    registryService.flushHealth();
    const changed = registry.takeChanged();
    if (changed.length > 0) for (const l of deviceListeners) l(changed);
  }, DEVICE_UPDATE_MS);
  // compaction also runs on time, so a quiet site's readings still reach blocks and rollups
  const compactionTimer = setInterval(() => {
    try {
      store.series.maybeCompact();
    } catch (error) {
      log.error('compaction failed; readings stay safe in the ingest log', {
        error: (error as Error).message,
      });
    }
  }, 5000);
  const connectorTimer = setInterval(() => {
    if (connectorListeners.size === 0) return;
    const all = allConnectors().map((c) => c.status());
    for (const l of connectorListeners) l(all);
  }, CONNECTOR_UPDATE_MS);

  const storeStatus = () => {
    const error = openError ?? (pipeline.lastError ? `cannot save readings: ${pipeline.lastError}` : null);
    return { ok: error === null, error, ...store.status() };
  };
  const runRetention = () => {
    try {
      const outcome = store.applyRetention();
      if (outcome.blocksDropped + outcome.rollupsDropped > 0) log.info('retention applied', { ...outcome });
    } catch (error) {
      log.error('retention failed', { error: (error as Error).message });
    }
  };
  runRetention();
  const retentionTimer = setInterval(runRetention, 10 * 60_000);

  const info = (): EngineInfo => ({
    version,
    startedAt,
    dataDir: options.dataDir,
    databaseFile: file,
    installationId: sync.installation.id,
    demo: options.demo,
    host: options.host,
    demoPlant: demoPlant?.info() ?? null,
  });

  const firmware = await createFirmwareLibrary({
    db,
    dataDir: options.dataDir,
    audit,
    actor: () => operator.get(),
    log: log.child('firmware'),
    catalog: async () => (await sync.handlers['sync.downDocs']({})).find((d) => d.kind === 'firmware')?.data,
  });

  const flash = createEngineFlash({
    dataDir: options.dataDir,
    registry,
    connectors: connectorManager,
    audit: (action, subject, after) => audit.append({ actor: operator.get(), action, subject, after }),
    releaseLinks: (port) => commissioning.releaseSerialPort(port),
    log: log.child('flash'),
    source: firmware.library,
    pinnedKeys: () => firmware.library.activeKeys(),
    watchReadings: (listener) => pipeline.onBatch((result) => listener(result.accepted)),
    ingest: (readings) => sink.readings(readings),
  });
  flash.onChange((job) => firmwareHistory.flashFinished(job));

  const rpc = new RpcServer(
    {
      'engine.info': () => info(),
      'engine.stats': () => {
        const c = pipeline.counters;
        return {
          received: c.received,
          stored: c.stored,
          duplicates: c.duplicates,
          flagged: c.flagged,
          batches: c.batches,
          lastBatchMs: c.lastBatchMs,
          storedTotal: store.totalStored(),
          databaseBytes: store.databaseBytes(),
          spilled: c.spilled,
          queued: pipeline.queued(),
          writeErrors: c.writeErrors,
        };
      },
      'engine.memory': (params) => engineMemory(db, file, params?.collect ?? false),
      'devices.list': () => registry.list(),
      'devices.get': ({ deviceId }) => {
        const device = registry.get(deviceId);
        if (!device) throw new RpcError('NOT_FOUND', `no device "${deviceId}"`);
        return device;
      },
      'devices.firmwareHistory': ({ deviceId, limit }) => {
        if (!registry.get(deviceId)) throw new RpcError('NOT_FOUND', `no device "${deviceId}"`);
        return firmwareHistory.list(deviceId, limit);
      },
      ...createRegistryHandlers(
        registryService,
        audit,
        operator,
        (deviceId) => retireCredentials(deviceId, credentials, registryService),
        {
          // readings still queued reference the device's row; they land before it goes
          before: () => pipeline.flush(),
          after: (deviceId) => {
            for (const l of removalListeners) l({ deviceIds: [deviceId] });
          },
        },
      ),
      ...sync.handlers,
      ...createProfileHandlers(profileStore),
      ...firmware.handlers,
      ...createPkiHandlers(credentials, keyProtection),
      ...createCommissioningHandlers({
        service: commissioning,
        registry: registryService,
        credentials: async () => {
          const ca = await credentials();
          return Object.assign(ca, {
            activeSerial: (id: string) => ca.activeCertificate(id)?.serialHex ?? null,
          });
        },
      }),
      ...createFlashHandlers(flash),
      ...edgeActions.handlers,
      'connectors.list': () => allConnectors().map((c) => c.status()),
      'connectors.add': ({ kind, config }) => connectorManager.add(kind, config),
      'connectors.get': ({ id }) => connectorManager.getConfig(id),
      'connectors.update': ({ id, config }) => connectorManager.update(id, config),
      'serial.ports': () => listSerialPorts(),
      'serial.send': (p) => tools.serialSend(p),
      'mqtt.topics': (p) => tools.mqttTopics(p),
      'mqtt.publish': (p) => tools.mqttPublish(p),
      ...topicBrowser.requests,
      ...rollouts.handlers,
      ...createNotifyHandlers({
        service: notify,
        actor: () => operator.get(),
        audit: (e) => audit.append(e),
      }),
      ...alarmRpc.requests,
      ...alarmAnalysisRpc,
      'ble.peripherals': (p) => tools.blePeripherals(p),
      'ble.services': (p) => tools.bleServices(p),
      'ble.read': (p) => tools.bleRead(p),
      'ble.write': (p) => tools.bleWrite(p),
      'connectors.remove': async ({ id }) => ({ ok: await connectorManager.remove(id) }),
      'readings.raw': ({ deviceId, metric, from, to, limit }) => ({
        deviceId,
        metric,
        ...store.rawWindow(deviceId, metric, from, to, limit),
      }),
      'store.status': () => storeStatus(),
      'store.configure': (change) => {
        try {
          store.configureRetention(change);
        } catch (error) {
          if (error instanceof RangeError) throw new RpcError('INVALID_PARAMS', error.message);
          throw error;
        }
        runRetention();
        return storeStatus();
      },
      'readings.query': ({ deviceId, metric, from, to, pixelWidth }) => ({
        deviceId,
        metric,
        ...store.query(deviceId, metric, from, to, pixelWidth),
      }),
    },
    {
      'readings.live': (params, emit) => {
        const only = params?.deviceIds ? new Set(params.deviceIds) : undefined;
        return pipeline.onBatch((result) => {
          const batch = toLiveBatch(result, only);
          if (batch) emit(batch);
        });
      },
      'devices.changed': (_params, emit) => {
        deviceListeners.add(emit);
        return () => deviceListeners.delete(emit);
      },
      'devices.removed': (_params, emit) => {
        removalListeners.add(emit);
        return () => removalListeners.delete(emit);
      },
      'serial.monitor': (params, emit) => tools.serialMonitor(params, emit),
      'ble.notifications': (params, emit) => tools.bleNotifications(params, emit),
      ...topicBrowser.streams,
      ...createCommissioningStreams(commissioning),
      ...createFlashStreams(flash),
      ...sync.streams,
      ...rollouts.streams,
      ...createNotifyStreams(notify),
      ...alarmRpc.streams,
      'connectors.changed': (_params, emit) => {
        connectorListeners.add(emit);
        emit(allConnectors().map((c) => c.status()));
        return () => connectorListeners.delete(emit);
      },
    },
    log.child('rpc'),
  );

  for (const connector of demoConnectors) connector.start();
  void demoPlant?.start();
  connectorManager.startSaved();
  void rollouts.start();
  edgeActions.runner.start();
  notify.start();
  // the demo site's devices also take firmware jobs, so a rollout can be tried at once
  const demoRollouts = options.demo
    ? startDemoRolloutFleet({
        deviceIds: demoDeviceIds,
        firmware: firmware.library,
        log: log.child('demo-rollouts'),
      })
        .then(async (fleet) => {
          if (closed) {
            await fleet.close();
            return undefined;
          }
          await rollouts.adoptDemo(fleet);
          return fleet;
        })
        .catch((error: unknown) => {
          log.error('demo rollout fleet failed to start', { error: (error as Error).message });
          return undefined;
        })
    : undefined;
  const legacyCleanup = options.demo
    ? undefined
    : removeLegacyDemoDevices({
        devices: () => registry.list(),
        connectorExists: (id) => connectorManager.list().some((c) => c.id === id),
        hasCredential: (id) => !!registryService.get(id)?.credential,
        retireCredentials: (id) => retireCredentials(id, credentials, registryService),
        remove: (id, reason) => registryService.remove(id, 'purge', 'engine', reason),
        log,
      });
  log.info('engine started', {
    dataDir: options.dataDir,
    demo: options.demo,
    devices: registry.list().length,
  });

  const clients = new Set<() => void>();
  return {
    info,
    connect(transport: MessageTransport) {
      const detach = rpc.attach(transport);
      clients.add(detach);
      // a client that went away (window reloaded, socket dropped) is forgotten even when its
      // host never calls the function below, or every reconnect would be kept until exit
      transport.onClose(() => clients.delete(detach));
      return () => {
        clients.delete(detach);
        detach();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(deviceTimer);
      clearInterval(connectorTimer);
      clearInterval(compactionTimer);
      clearInterval(retentionTimer);
      for (const detach of clients) detach();
      // a close before the back-fill began lets it start, see it is cancelled and end at once
      clearTimeout(historyTimer);
      startHistory?.();
      await demoHistory;
      await legacyCleanup;
      await Promise.all(demoConnectors.map((c) => c.stop()));
      await demoPlant?.close();
      await commissioning.close();
      await flash.close();
      await rollouts.close();
      await edgeActions.runner.stop();
      await notify.close();
      await (await demoRollouts)?.close();
      await connectorManager.stopAll();
      // the last readings reach the store and the outbox before the sync loop stops
      pipeline.close();
      alarms.close();
      await sync.close();
      store.flush();
      db.close();
      log.info('engine stopped');
    },
  };
}
