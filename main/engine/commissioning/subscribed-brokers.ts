/**
 * Whether Fieldline itself listens on the broker a device was told to report to: if not,
 * the device's telemetry can never reach the wizard, and the diagnosis should say so.
 * Compared by host name only: sites often give devices a TLS listener and Fieldline a
 * local plain one on the same broker.
 */
import type { ConnectorManager } from '../connectors/connector-manager';

export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

export function mqttHostsSubscribed(manager: Pick<ConnectorManager, 'list' | 'getConfig'>): Set<string> {
  const hosts = new Set<string>();
  for (const c of manager.list()) {
    if (c.status().kind !== 'mqtt') continue;
    try {
      const { config } = manager.getConfig(c.id);
      const url = (config as { url?: unknown }).url;
      if (typeof url === 'string') hosts.add(hostOf(url));
    } catch {
      // a connector without a readable config cannot be matched; the diagnosis stays generic
    }
  }
  return hosts;
}
