/**
 * The flash service as the engine runs it: serial targets found through the device
 * registry and the serial connectors, the connector on the port paused while flashing,
 * results in the audit log.
 * Images and the keys they are checked against come from the firmware library.
 */
import path from 'node:path';
import { RpcError } from '../../../common/protocol';
import type { ConnectorManager } from '../connectors/connector-manager';
import type { DeviceRegistry } from '../devices/device-registry';
import type { Logger } from '../log';
import { FlashJobFile } from './flash-job-file';
import { openSerialFlashLink } from './flash-serial-link';
import {
  type FirmwareSource,
  FlashService,
  type FlashTargetRequest,
  type ResolvedTarget,
} from './flash-service';
import type { PinnedKey } from './verify-image';

export interface EngineFlashDeps {
  dataDir: string;
  registry: DeviceRegistry;
  connectors: ConnectorManager;
  audit(action: string, subject: string, after: unknown): void;
  /** closes a Commission wizard session's link on this serial port */
  releaseLinks(path: string): Promise<void>;
  log: Logger;
  /** the firmware library: images re-hashed on read, and the keys pinned now */
  source: FirmwareSource;
  pinnedKeys(): readonly PinnedKey[];
}

const DEFAULT_BAUD = 115_200;

function serialConfigOf(connectors: ConnectorManager, connectorId: string) {
  try {
    const { kind, config } = connectors.getConfig(connectorId);
    if (kind !== 'serial' || typeof config.path !== 'string') return undefined;
    return {
      path: config.path,
      baudRate: typeof config.baudRate === 'number' ? config.baudRate : DEFAULT_BAUD,
    };
  } catch {
    return undefined;
  }
}

export function createEngineFlash(deps: EngineFlashDeps): FlashService {
  const { registry, connectors } = deps;
  const resolveTarget = (t: FlashTargetRequest): ResolvedTarget => {
    if (t.deviceId !== undefined) {
      const device = registry.get(t.deviceId);
      if (!device) throw new RpcError('NOT_FOUND', `no device "${t.deviceId}"`);
      const serial = serialConfigOf(connectors, device.connectorId);
      if (!serial)
        throw new RpcError(
          'INVALID_PARAMS',
          `${device.name} is not on a serial port Fieldline opens (a demo or radio device): it cannot be flashed over a cable`,
        );
      return { ...serial, deviceId: device.id, connectorId: device.connectorId };
    }
    const port = t.port ?? '';
    const holder = connectors.list().find((c) => serialConfigOf(connectors, c.id)?.path === port);
    const baudRate =
      t.baudRate ?? (holder && serialConfigOf(connectors, holder.id)?.baudRate) ?? DEFAULT_BAUD;
    return { path: port, baudRate, deviceId: null, connectorId: holder?.id ?? null };
  };
  return new FlashService({
    jobFile: new FlashJobFile(path.join(deps.dataDir, 'flash-job.json')),
    source: deps.source,
    pinnedKeys: deps.pinnedKeys,
    resolveTarget,
    holdPort: async (target) => {
      await deps.releaseLinks(target.path);
      const connector = target.connectorId ? connectors.get(target.connectorId) : undefined;
      if (!connector) return () => {};
      await connector.stop();
      return () => connector.start();
    },
    openLink: (target) => openSerialFlashLink(target),
    audit: deps.audit,
    log: deps.log,
  });
}
