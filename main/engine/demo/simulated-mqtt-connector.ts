/**
 * The demo's MQTT connector with a simulated broker behind it for the topic browser: every
 * message the simulated link delivers goes to the browse sessions whose filter matches,
 * and the broker keeps retained messages as a real one does (MQTT 5.0 §3.3.1.3): a new
 * subscription gets them first with the retain flag set, and a zero-length retained
 * message deletes one. Its devices behave like Tasmota firmware: each announces itself
 * with a retained "Online" on tele/<device>/LWT when it connects.
 */
import { topicMatches } from '../../../common/mqtt-topic-filter';
import type { PublishOptions } from '../connectors/mqtt/mqtt-connector';
import type { BrowseListener, BrowseMessage, TopicBrowsable } from '../connectors/mqtt/topic-browser';
import { SimulatedConnector, type SimulatedConnectorOptions } from './simulated-connector';
import type { MqttMessage } from './wire-codecs';

/** the most retained messages the simulated broker keeps; publishing more drops the oldest */
const MAX_RETAINED = 10_000;

/** what the demo firmware's metric messages carry: MQTT 5 JSON, published at QoS 1 */
const METRIC_PROPERTIES = { payloadFormatUtf8: true, contentType: 'application/json' };

export class SimulatedMqttConnector extends SimulatedConnector<MqttMessage> implements TopicBrowsable {
  private readonly sessions = new Set<{ filter: string; listener: BrowseListener }>();
  private readonly retained = new Map<string, BrowseMessage>();

  constructor(
    options: SimulatedConnectorOptions<MqttMessage>,
    private readonly filter: string,
  ) {
    super(options);
    for (const d of options.devices) {
      this.keep({
        topic: `tele/${d.id}/LWT`,
        payload: Buffer.from('Online'),
        qos: 1,
        retain: true,
        properties: {},
      });
    }
  }

  browse(filter: string, listener: BrowseListener): () => void {
    const session = { filter, listener };
    listener.state('subscribing');
    // a broker sends the retained messages right after the SUBACK, before anything live
    queueMicrotask(() => {
      if (!this.sessions.has(session)) return;
      listener.state('subscribed');
      for (const m of this.retained.values()) if (topicMatches(filter, m.topic)) listener.message(m);
    });
    this.sessions.add(session);
    return () => {
      this.sessions.delete(session);
    };
  }

  ownFilters(): string[] {
    return [this.filter];
  }

  async clearRetained(topic: string): Promise<void> {
    await this.publish(topic, new Uint8Array(0), { qos: 1, retain: true });
  }

  async publish(topic: string, payload: string | Uint8Array, options: PublishOptions = {}): Promise<void> {
    const message: BrowseMessage = {
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload),
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      properties: {},
    };
    if (message.retain) this.keep(message);
    this.forward(message);
  }

  protected override delivered(messages: MqttMessage[]): void {
    if (this.sessions.size === 0) return;
    for (const m of messages) {
      this.forward({
        topic: m.topic,
        payload: m.payload,
        qos: 1,
        retain: false,
        properties: METRIC_PROPERTIES,
      });
    }
  }

  private keep(message: BrowseMessage): void {
    this.retained.delete(message.topic);
    if (message.payload.length === 0) return;
    this.retained.set(message.topic, message);
    if (this.retained.size > MAX_RETAINED) {
      const oldest = this.retained.keys().next().value;
      if (oldest !== undefined) this.retained.delete(oldest);
    }
  }

  private forward(message: BrowseMessage): void {
    for (const s of this.sessions) if (topicMatches(s.filter, message.topic)) s.listener.message(message);
  }
}
