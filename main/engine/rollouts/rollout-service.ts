/**
 * Rollouts inside the engine: the campaign engine on the engine's database, the MQTT job
 * service on the broker the operator chose (kept in settings), the once-a-second tick
 * that times devices out and opens waves, and the rollouts.* RPC methods and stream.
 */
import { RpcError } from '../../../common/protocol';
import {
  type CampaignSummary,
  type ImageServerConfig,
  ImageServerConfigSchema,
} from '../../../common/rollout-contract';
import { type ImageTarget, imageTargetOf, type TargetMatch } from '../firmware/firmware-target';
import type { HealthPolicy } from '../firmware/health-judge';
import type { Logger } from '../log';
import type { DeviceCredentials } from '../pki/device-credentials';
import type { RequestHandlers, StreamSources } from '../rpc/rpc-server';
import type { Db } from '../store/database';
import { hasStartedInstall, ImageServer, imageServerTls, unrevokedIn } from './image-server';
import { TOPIC_SAFE_ID } from './job-protocol';
import { MqttJobService } from './mqtt-job-service';
import {
  type JobChannel,
  type JobExecution,
  RolloutEngine,
  RolloutError,
  type RolloutEvents,
} from './rollout-engine';
import { RolloutStore } from './rollout-store';
import type { RolloutCandidate } from './wave-plan';

const SETTINGS_KEY = 'rollouts';
const TICK_MS = 1000;
const CHANGE_MS = 500;

type RolloutMethods =
  | 'rollouts.settings'
  | 'rollouts.configure'
  | 'rollouts.preview'
  | 'rollouts.create'
  | 'rollouts.list'
  | 'rollouts.get'
  | 'rollouts.pause'
  | 'rollouts.resume'
  | 'rollouts.abort'
  | 'rollouts.rollback';

export interface RolloutServiceOptions {
  db: Db;
  log: Logger;
  candidates: () => Iterable<RolloutCandidate>;
  /** the image bytes for a SHA-256, or undefined when the firmware store does not have it */
  image: (sha256: string) => Promise<Uint8Array | undefined>;
  /** the image's declared hardware against the device's (its profile's firmware target) */
  fit: (deviceId: string, image: ImageTarget | undefined) => TargetMatch;
  actor: () => string;
  /** the project CA, which issues the image server's certificate and devices' client certificates */
  credentials?: () => Promise<Pick<DeviceCredentials, 'issueServerCertificate' | 'certificates'>>;
  events?: RolloutEvents;
  now?: () => number;
  /** verifying also judges the devices' readings (fed to engine.readings()) */
  readingsHealth?: HealthPolicy;
}

export interface DemoJobs {
  brokerUrl: string;
  images: { label: string; sha256: string; version: string }[];
}

export interface RolloutService {
  readonly engine: RolloutEngine;
  /** demo mode: use the demo site's job broker while the operator has set none (not saved) */
  adoptDemo(demo: DemoJobs): Promise<void>;
  handlers: Pick<RequestHandlers, RolloutMethods>;
  streams: Pick<StreamSources, 'rollouts.changed'>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createRolloutService(options: RolloutServiceOptions): RolloutService {
  const { db, log } = options;
  const settings = {
    load: db.prepare(`SELECT value FROM settings WHERE key = '${SETTINGS_KEY}'`).pluck(),
    save: db.prepare(`INSERT INTO settings (key, value) VALUES ('${SETTINGS_KEY}', ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
  };
  const stored = (() => {
    try {
      return JSON.parse((settings.load.get() as string | undefined) ?? '{}') as {
        brokerUrl?: unknown;
        imageServer?: unknown;
      };
    } catch {
      return {};
    }
  })();
  let brokerUrl: string | null = typeof stored.brokerUrl === 'string' ? stored.brokerUrl : null;
  const storedServer = ImageServerConfigSchema.safeParse(stored.imageServer);
  let imageConfig: ImageServerConfig | null = storedServer.success ? storedServer.data : null;
  let imageServer: ImageServer | undefined;
  let imageError: string | null = null;
  const save = () => settings.save.run(JSON.stringify({ brokerUrl, imageServer: imageConfig }));
  let service: MqttJobService | undefined;
  let error: string | null = null;
  let demo: DemoJobs | null = null;
  const effectiveBroker = () => brokerUrl ?? demo?.brokerUrl ?? null;
  // jobs go to whichever broker connection is current; none: they wait for republish()
  const channel: JobChannel = {
    publish: (deviceId: string, job: JobExecution | null) => service?.publish(deviceId, job),
  };
  const engine = new RolloutEngine({
    store: new RolloutStore(db),
    channel,
    // a device whose id cannot stand in a topic could never take the job: it is left out
    candidates: () => [...options.candidates()].filter((d) => TOPIC_SAFE_ID.test(d.id)),
    events: options.events,
    now: options.now,
    ...(options.readingsHealth ? { readingsHealth: options.readingsHealth } : {}),
  });

  // one connection change at a time: a demo broker arriving during start must not leave two
  let connecting: Promise<void> = Promise.resolve();
  const connect = (): Promise<void> => {
    connecting = connecting.then(reconnect);
    return connecting;
  };

  async function reconnect(): Promise<void> {
    const previous = service;
    service = undefined;
    await previous?.close().catch(() => {});
    error = null;
    const url = effectiveBroker();
    if (!url) return;
    const next = new MqttJobService({
      brokerUrl: url,
      image: options.image,
      imageUrl: (sha256) => imageServer?.url(sha256),
      log: log.child('jobs'),
      clientOptions: { connectTimeout: 5000 },
    });
    next.engine = engine;
    try {
      await next.start();
      service = next;
      engine.republish();
    } catch (e) {
      error = `cannot reach the rollout broker ${url}: ${(e as Error).message}`;
      log.warn('rollout broker unreachable', { brokerUrl: url, error: (e as Error).message });
      await next.close().catch(() => {});
    }
  }

  // the image server changes under the same lock as the broker, and the jobs are sent again with its URL
  const restartImageServer = async (): Promise<void> => {
    const previous = imageServer;
    imageServer = undefined;
    await previous?.close().catch(() => {});
    imageError = null;
    if (!imageConfig) return;
    const { host, port } = imageConfig;
    if (!options.credentials) {
      imageError = 'HTTPS image delivery needs the project CA, which this engine has not opened';
      return;
    }
    try {
      const credentials = await options.credentials();
      const next = new ImageServer({
        host,
        port,
        tls: await imageServerTls(credentials, host),
        certificateValid: unrevokedIn(credentials),
        allowed: (deviceId, sha256) => hasStartedInstall(engine, deviceId, sha256),
        image: options.image,
        log: log.child('images'),
      });
      await next.start();
      imageServer = next;
    } catch (e) {
      imageError = `cannot serve images on ${host}:${port}: ${(e as Error).message}`;
      log.warn('rollout image server not started', { host, port, error: (e as Error).message });
    }
  };

  const status = () => ({
    brokerUrl: effectiveBroker(),
    connected: service !== undefined,
    error,
    demoImages: demo?.images ?? [],
    imageServer: imageConfig && {
      ...imageConfig,
      url: imageServer ? imageServer.url('') : null,
      error: imageError,
    },
  });
  const guard = <T>(run: () => T): T => {
    try {
      return run();
    } catch (e) {
      if (e instanceof RolloutError)
        throw new RpcError(e.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_PARAMS', e.message);
      throw e;
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const changeListeners = new Set<(c: CampaignSummary[]) => void>();
  engine.onChange((id) => changed.add(id));
  const flushChanges = () => {
    if (changed.size === 0 || changeListeners.size === 0) {
      changed.clear();
      return;
    }
    const ids = new Set(changed);
    changed.clear();
    const summaries = engine.list().filter((c) => ids.has(c.id));
    for (const l of changeListeners) l(summaries);
  };
  let changeTimer: NodeJS.Timeout | undefined;

  return {
    engine,
    async adoptDemo(d) {
      demo = d;
      if (!brokerUrl) await connect();
    },
    async start() {
      timer = setInterval(() => {
        try {
          engine.tick();
        } catch (e) {
          log.error('rollout tick failed', { error: (e as Error).message });
        }
      }, TICK_MS);
      changeTimer = setInterval(flushChanges, CHANGE_MS);
      connecting = connecting.then(restartImageServer);
      await connect();
    },
    async close() {
      await connecting;
      clearInterval(timer);
      clearInterval(changeTimer);
      await service?.close().catch(() => {});
      service = undefined;
      await imageServer?.close().catch(() => {});
      imageServer = undefined;
    },
    handlers: {
      'rollouts.settings': () => status(),
      'rollouts.configure': async (p) => {
        brokerUrl = p.brokerUrl;
        if (p.imageServer !== undefined) {
          imageConfig = p.imageServer;
          connecting = connecting.then(restartImageServer);
        }
        save();
        await connect();
        return status();
      },
      'rollouts.preview': ({ config }) => guard(() => engine.preview(config)),
      'rollouts.create': async ({ config, campaignId }) => {
        if (!service)
          throw new RpcError(
            'UNAVAILABLE',
            error ?? 'no rollout broker is set: choose the broker your devices take jobs from first',
          );
        const image = await options.image(config.firmware.sha256);
        if (!image)
          throw new RpcError(
            'INVALID_PARAMS',
            `firmware ${config.firmware.sha256} is not in the firmware library: import the image first`,
          );
        const target = imageTargetOf(image);
        const unfit = (deviceId: string) => {
          const fit = options.fit(deviceId, target);
          if (fit.match === 'compatible' || (fit.match === 'unknown' && config.allowUnknownTarget))
            return null;
          return fit.match === 'unknown' ? `target unknown: ${fit.reason}` : `wrong target: ${fit.reason}`;
        };
        return guard(() => engine.create(config, options.actor(), campaignId, unfit));
      },
      'rollouts.list': () => engine.list(),
      'rollouts.get': ({ campaignId }) => guard(() => engine.get(campaignId)),
      'rollouts.pause': ({ campaignId, reason }) =>
        guard(() => engine.pause(campaignId, options.actor(), reason)),
      'rollouts.resume': ({ campaignId }) => guard(() => engine.resumeCampaign(campaignId, options.actor())),
      'rollouts.abort': ({ campaignId, reason }) =>
        guard(() => engine.abort(campaignId, options.actor(), reason)),
      'rollouts.rollback': ({ campaignId, reason }) =>
        guard(() => engine.rollback(campaignId, options.actor(), reason)),
    },
    streams: {
      'rollouts.changed': (_params, emit) => {
        changeListeners.add(emit);
        emit(engine.list());
        return () => changeListeners.delete(emit);
      },
    },
  };
}
