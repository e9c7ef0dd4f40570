/**
 * A campaign engine wired to MQTT the way the engine wires it, for tests and the SIGKILL
 * child: a real SQLite file in `dataDir`, the job service on `brokerUrl`, a fast tick, and
 * a fixed fleet of candidates on version 1.0.0.
 */
import type { HealthPolicy } from '../firmware/health-judge';
import { openDatabase } from '../store/database';
import { silent } from '../store/test-fixtures';
import { hasStartedInstall, ImageServer, type ImageServerTls } from './image-server';
import { MqttJobService } from './mqtt-job-service';
import { RolloutEngine } from './rollout-engine';
import { RolloutStore } from './rollout-store';

export async function startMqttRolloutEngine(options: {
  dataDir: string;
  brokerUrl: string;
  deviceIds: readonly string[];
  image: { sha256: string; bytes: Uint8Array };
  tickMs?: number;
  /** also serve the image over HTTPS on 127.0.0.1 with this certificate, to unrevoked devices */
  imageServer?: { tls: ImageServerTls; certificateValid: (deviceId: string, serialHex: string) => boolean };
  /** verifying also judges the readings fed to engine.readings() */
  readingsHealth?: HealthPolicy;
}) {
  const { db } = openDatabase({ dataDir: options.dataDir, log: silent });
  const image = async (sha: string) => (sha === options.image.sha256 ? options.image.bytes : undefined);
  let imageServer: ImageServer | undefined;
  const service = new MqttJobService({
    brokerUrl: options.brokerUrl,
    image,
    imageUrl: (sha) => imageServer?.url(sha),
    log: silent,
  });
  const engine = new RolloutEngine({
    store: new RolloutStore(db),
    channel: service,
    candidates: () =>
      options.deviceIds.map((id) => ({
        id,
        site: 'plant-a',
        profile: 'env',
        tags: [],
        firmwareVersion: '1.0.0',
      })),
    ...(options.readingsHealth ? { readingsHealth: options.readingsHealth } : {}),
  });
  service.engine = engine;
  if (options.imageServer) {
    imageServer = new ImageServer({
      host: '127.0.0.1',
      port: 0,
      ...options.imageServer,
      allowed: (deviceId, sha) => hasStartedInstall(engine, deviceId, sha),
      image,
      log: silent,
    });
    await imageServer.start();
  }
  await service.start();
  engine.republish();
  const timer = setInterval(() => engine.tick(), options.tickMs ?? 20);
  return {
    engine,
    service,
    imageServer,
    async close() {
      clearInterval(timer);
      await service.close();
      await imageServer?.close();
      db.close();
    },
  };
}
