/**
 * Builds the demo site's connectors from its definition: a simulated USB serial bus,
 * a simulated BLE radio and a simulated MQTT broker, each carrying its real wire format.
 */
import type { Connector, ConnectorSink } from '../connectors/connector';
import { DemoBleConnector } from './demo-gatt';
import { DemoSerialConnector } from './demo-serial-port';
import type { DemoSite } from './demo-site-definition';
import { hashSeed, seededRandom } from './simulated-device';
import { SimulatedMqttConnector } from './simulated-mqtt-connector';
import { bleGattNotifications, mqttJsonTopics, serialJsonLines } from './wire-codecs';

export function createDemoConnectors(site: DemoSite, sink: ConnectorSink, now?: () => number): Connector[] {
  return site.connectors.map((c) => {
    const devices = site.devices.filter((d) => d.connector === c.id);
    const common = {
      id: c.id,
      label: c.label,
      devices,
      anomalies: site.anomalies,
      sink,
      ...(now ? { now } : {}),
    };
    switch (c.kind) {
      case 'serial':
        return new DemoSerialConnector({
          ...common,
          kind: 'serial',
          detail: '115200 baud, 8N1, JSON lines',
          codec: serialJsonLines(c.id, seededRandom(hashSeed(`${c.id}:uart`))),
        });
      case 'ble':
        return new DemoBleConnector({
          ...common,
          kind: 'ble',
          detail: `${devices.length} peripherals, GATT Environmental Sensing + Battery notifications`,
          codec: bleGattNotifications(c.id, seededRandom(hashSeed(`${c.id}:radio`))),
        });
      case 'mqtt': {
        const template = c.topicTemplate ?? 'plant/{site}/{deviceId}/{metric}';
        const filter = template.replace('{site}', site.site).replace(/\{[^}]+\}/g, '+');
        return new SimulatedMqttConnector(
          {
            ...common,
            kind: 'mqtt',
            detail: `subscribed to ${filter}`,
            codec: mqttJsonTopics(c.id, template, site.site),
          },
          filter,
        );
      }
      default:
        throw new Error(`demo connector ${c.id}: unknown kind ${String(c.kind)}`);
    }
  });
}
