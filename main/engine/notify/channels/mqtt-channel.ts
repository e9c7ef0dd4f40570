/**
 * A stack light or siren: a publish through one of the engine's MQTT connectors. The
 * payload template's {{rule}} {{device}} {{severity}} {{state}} {{value}} {{summary}} are
 * filled from the message's first (highest) alert; retained by default so a light that
 * reconnects shows the current state.
 */
import type { Connector } from '../../connectors/connector';
import type { MqttConnector } from '../../connectors/mqtt/mqtt-connector';
import type { Channel, NotifyMessage, SendOutcome } from '../notify-message';

const PUBLISH_TIMEOUT_MS = 10_000;

export type MqttPublisher = (
  connectorId: string,
  topic: string,
  payload: string,
  options: { qos: 0 | 1 | 2; retain: boolean },
) => Promise<void>;

/**
 * Publishes through the engine connector with that id. A disconnected connector fails at
 * once rather than queueing inside the MQTT client, so the outbox (which survives a
 * restart) keeps the message and retries it with backoff; a publish the broker never
 * acknowledges fails after a timeout the same way.
 */
export function publishThroughConnector(find: (id: string) => Connector | undefined): MqttPublisher {
  return async (connectorId, topic, payload, options) => {
    const connector = find(connectorId);
    if (!connector || !('publish' in connector))
      throw new Error(`there is no MQTT connector "${connectorId}"`);
    const state = connector.status().state;
    if (state !== 'connected') throw new Error(`the MQTT connector "${connectorId}" is ${state}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (connector as MqttConnector).publish(topic, payload, options),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error('the broker did not acknowledge the publish in time')),
            PUBLISH_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export interface MqttChannelSettings {
  connectorId: string;
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export function fillTemplate(template: string, message: NotifyMessage): string {
  const a = message.alerts[0];
  const state = message.kind === 'resolve' ? 'resolved' : message.kind === 'test' ? 'test' : (a?.state ?? '');
  const values: Record<string, string> = {
    rule: a?.ruleName ?? '',
    device: a?.deviceId ?? '',
    severity: a?.severity ?? '',
    state,
    value: a?.value === null || a?.value === undefined ? '' : String(a.value),
    summary: a?.summary ?? (message.kind === 'test' ? 'Fieldline test' : ''),
  };
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

export class MqttChannel implements Channel {
  readonly perMinute = 600;
  readonly groups = true;
  readonly rateKey: string;

  constructor(
    private readonly settings: MqttChannelSettings,
    private readonly publish: MqttPublisher,
  ) {
    this.rateKey = `mqtt:${settings.connectorId}`;
  }

  async send(message: NotifyMessage): Promise<SendOutcome> {
    try {
      await this.publish(
        this.settings.connectorId,
        this.settings.topic,
        fillTemplate(this.settings.payload, message),
        {
          qos: this.settings.qos,
          retain: this.settings.retain,
        },
      );
      return { ok: true, detail: `published on ${this.settings.topic}` };
    } catch (error) {
      return { ok: false, retry: true, detail: (error as Error).message };
    }
  }
}
