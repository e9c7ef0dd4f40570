/**
 * A stack light or siren: a publish through one of the engine's MQTT connectors. The
 * payload template's {{rule}} {{device}} {{severity}} {{state}} {{value}} {{summary}} are
 * filled from the message's first (highest) alert; retained by default so a light that
 * reconnects shows the current state.
 */
import type { Channel, NotifyMessage, SendOutcome } from '../notify-message';

export type MqttPublisher = (
  connectorId: string,
  topic: string,
  payload: string,
  options: { qos: 0 | 1 | 2; retain: boolean },
) => Promise<void>;

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
