/**
 * Before the demo had a data folder of its own, it wrote its devices, commissioned demo
 * units and their credentials into the real one, where nothing could remove them. On a
 * start without the demo, those devices (on the demo's own connector ids, when no real
 * connector has taken such an id) are removed with their readings, once, audited; a demo
 * unit's credentials are retired first, as a decommissioning would. The demo's earlier
 * audit entries stay: the audit log is append-only.
 */
import type { DeviceSummary } from '../../../common/contract';
import type { Logger } from '../log';
import { DEMO_BLE_CONNECTOR_ID, DEMO_MQTT_CONNECTOR_ID } from './demo-plant';

export const LEGACY_DEMO_CONNECTORS: ReadonlySet<string> = new Set([
  'demo-serial',
  'demo-ble',
  'demo-mqtt',
  DEMO_BLE_CONNECTOR_ID,
  DEMO_MQTT_CONNECTOR_ID,
]);

export interface LegacyCleanup {
  devices(): DeviceSummary[];
  /** a configured connector with this id makes its devices real ones */
  connectorExists(id: string): boolean;
  hasCredential(deviceId: string): boolean;
  retireCredentials(deviceId: string): Promise<unknown>;
  remove(deviceId: string, reason: string): void;
  log: Logger;
}

export async function removeLegacyDemoDevices(c: LegacyCleanup): Promise<string[]> {
  const removed: string[] = [];
  for (const d of c.devices()) {
    if (!LEGACY_DEMO_CONNECTORS.has(d.connectorId) || c.connectorExists(d.connectorId)) continue;
    try {
      if (c.hasCredential(d.id)) await c.retireCredentials(d.id);
      c.remove(d.id, 'demo data left in the site folder by an earlier version');
      removed.push(d.id);
    } catch (error) {
      c.log.warn('could not remove a demo device from the site folder', {
        deviceId: d.id,
        error: (error as Error).message,
      });
    }
  }
  if (removed.length > 0)
    c.log.info('removed demo devices from the site folder', { devices: removed.length });
  return removed;
}
