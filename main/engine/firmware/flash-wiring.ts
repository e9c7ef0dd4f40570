/**
 * The flash service as the engine runs it: targets found through the device registry,
 * the serial connectors (the connector on the port paused while flashing) and the BLE
 * connectors (which keep their link: SMP runs beside the sensor subscriptions), results
 * in the audit log.
 * Images and the keys they are checked against come from the firmware library.
 */
import path from 'node:path';
import { RpcError } from '../../../common/protocol';
import type { Reading } from '../../../common/reading';
import type { ConnectorManager } from '../connectors/connector-manager';
import { WIRE_FORMATS, type WireFormat } from '../decoders/telemetry-stream';
import type { DeviceRegistry } from '../devices/device-registry';
import type { Logger } from '../log';
import { type DeviceTargetLookup, registryDeviceTarget } from './firmware-target';
import { bleConnectorOf, findBleDevice, findBlePeripheral, openBleFlashLink } from './flash-ble-link';
import { flashReadingsHealth } from './flash-health';
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
  /** the accepted readings of each ingest batch (validated against the device's profile); returns the unsubscribe */
  watchReadings(listener: (accepted: readonly Reading[]) => void): () => void;
  /** readings into the engine's ingest, as a connector delivers them */
  ingest(readings: Reading[]): void;
  /** how long the new image has to show sane readings before it is reverted (default 60 s) */
  healthWindowMs?: number;
}

const DEFAULT_BAUD = 115_200;

function serialConfigOf(connectors: ConnectorManager, connectorId: string) {
  try {
    const { kind, config } = connectors.getConfig(connectorId);
    if (kind !== 'serial' || typeof config.path !== 'string') return undefined;
    return {
      path: config.path,
      baudRate: typeof config.baudRate === 'number' ? config.baudRate : DEFAULT_BAUD,
      format: (WIRE_FORMATS as readonly unknown[]).includes(config.format)
        ? (config.format as WireFormat)
        : 'json-lines',
    };
  } catch {
    return undefined;
  }
}

/** The firmware target the device's profile declares; a bare port or peripheral has none. */
function deviceTargetOf(deps: EngineFlashDeps, target: ResolvedTarget): DeviceTargetLookup {
  const { registry, connectors } = deps;
  // a peripheral the BLE connector already knows as a device (the Commission wizard's link, say)
  const deviceId =
    target.deviceId ??
    (target.link === 'ble'
      ? bleConnectorOf(connectors.get(target.connectorId ?? ''))
          ?.peripherals()
          .find((p) => p.id === target.path)?.deviceId
      : undefined);
  if (!deviceId)
    return { unknown: `${target.path} is not a device in the registry, so its hardware is not known` };
  return registryDeviceTarget(registry, deviceId);
}

const bleTarget = (peripheralId: string) => ({ path: peripheralId, baudRate: 0, link: 'ble' as const });

export function createEngineFlash(deps: EngineFlashDeps): FlashService {
  const { registry, connectors } = deps;
  const resolveTarget = (t: FlashTargetRequest): ResolvedTarget => {
    if (t.deviceId !== undefined) {
      const device = registry.get(t.deviceId);
      if (!device) throw new RpcError('NOT_FOUND', `no device "${t.deviceId}"`);
      const serial = serialConfigOf(connectors, device.connectorId);
      if (serial)
        return {
          path: serial.path,
          baudRate: serial.baudRate,
          link: 'serial',
          deviceId: device.id,
          connectorId: device.connectorId,
        };
      const ble = findBleDevice(connectors.get(device.connectorId), device);
      if (ble)
        return { ...bleTarget(ble.peripheralId), deviceId: device.id, connectorId: device.connectorId };
      throw new RpcError(
        'INVALID_PARAMS',
        `${device.name} is neither on a serial port Fieldline opens nor a Bluetooth device (a demo or MQTT device): it cannot be flashed from here`,
      );
    }
    if (t.peripheralId !== undefined) {
      const ble = findBlePeripheral(connectors.list(), t.peripheralId);
      return { ...bleTarget(t.peripheralId), deviceId: null, connectorId: ble.connector.id };
    }
    const port = t.port ?? '';
    const holder = connectors.list().find((c) => serialConfigOf(connectors, c.id)?.path === port);
    const baudRate =
      t.baudRate ?? (holder && serialConfigOf(connectors, holder.id)?.baudRate) ?? DEFAULT_BAUD;
    return { path: port, baudRate, link: 'serial', deviceId: null, connectorId: holder?.id ?? null };
  };
  return new FlashService({
    jobFile: new FlashJobFile(path.join(deps.dataDir, 'flash-job.json')),
    source: deps.source,
    pinnedKeys: deps.pinnedKeys,
    resolveTarget,
    deviceTarget: (target) => deviceTargetOf(deps, target),
    holdPort: async (target) => {
      if (target.link === 'ble') return () => {};
      await deps.releaseLinks(target.path);
      const connector = target.connectorId ? connectors.get(target.connectorId) : undefined;
      if (!connector) return () => {};
      await connector.stop();
      return () => connector.start();
    },
    openLink: (target) => {
      if (target.link === 'serial') return openSerialFlashLink(target);
      // the connector that saw the peripheral when the job started: after a reset it sees it again
      const connector = bleConnectorOf(connectors.get(target.connectorId ?? ''));
      if (!connector) return Promise.reject(new Error('the Bluetooth connector of the device was removed'));
      return openBleFlashLink({ connector, peripheralId: target.path });
    },
    health: flashReadingsHealth({
      watch: deps.watchReadings,
      ingest: deps.ingest,
      serialFormatOf: (connectorId) => serialConfigOf(connectors, connectorId)?.format,
      ...(deps.healthWindowMs === undefined ? {} : { windowMs: deps.healthWindowMs }),
    }),
    audit: deps.audit,
    log: deps.log,
  });
}
