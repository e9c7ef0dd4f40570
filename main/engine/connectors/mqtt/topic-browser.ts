/**
 * The topic browser's view of a connector: anything that can open a browse subscription on
 * any filter and clear a retained message. The MQTT connector does it with a second client
 * on the same broker and credentials, so its own subscriptions and ingest never change; the
 * demo's simulated broker does it in process.
 */
import mqtt, { type IClientOptions, type IPublishPacket } from 'mqtt';
import type { MqttProperties } from '../../../../common/mqtt-browse-contract';

export interface BrowseMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties: MqttProperties;
}

export interface BrowseListener {
  message(message: BrowseMessage): void;
  state(state: 'subscribing' | 'subscribed' | 'error', error?: string): void;
}

export interface TopicBrowsable {
  /** subscribe to `filter` (already validated) until the returned function is called */
  browse(filter: string, listener: BrowseListener): () => void;
  /** the filters the connector itself subscribes to (the browser's default) */
  ownFilters(): string[];
  /** a zero-length retained message on `topic`, which deletes the broker's retained one (MQTT 5.0 §3.3.1.3) */
  clearRetained(topic: string): Promise<void>;
}

export function isTopicBrowsable(value: unknown): value is TopicBrowsable {
  const v = value as Partial<TopicBrowsable> | undefined;
  return (
    typeof v?.browse === 'function' &&
    typeof v.clearRetained === 'function' &&
    typeof v.ownFilters === 'function'
  );
}

/** mqtt.js's PUBLISH properties in the contract's shape. */
export function browseProperties(p: IPublishPacket['properties']): MqttProperties {
  const out: MqttProperties = {};
  if (!p) return out;
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatUtf8 = Boolean(p.payloadFormatIndicator);
  if (p.messageExpiryInterval !== undefined) out.messageExpirySec = p.messageExpiryInterval;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined)
    out.correlationDataHex = Buffer.from(p.correlationData).toString('hex');
  if (p.userProperties) {
    out.userProperties = Object.entries(p.userProperties).flatMap(([name, v]) =>
      (Array.isArray(v) ? v : [v]).map((value): [string, string] => [name, String(value)]),
    );
  }
  if (p.subscriptionIdentifier !== undefined) {
    out.subscriptionIds = Array.isArray(p.subscriptionIdentifier)
      ? p.subscriptionIdentifier
      : [p.subscriptionIdentifier];
  }
  return out;
}

/**
 * A browse client of its own: clean session, QoS 2 (so each message arrives at the QoS it
 * was published with) and Retain As Published (MQTT 5.0 §3.8.3.1), so a live retained
 * message, and the empty one that clears it, keep their retain flag.
 */
export function openBrowseClient(
  url: string,
  base: IClientOptions,
  filter: string,
  listener: BrowseListener,
): () => void {
  const { properties, ...rest } = base;
  const v5 = base.protocolVersion === 5;
  const client = mqtt.connect(url, {
    ...rest,
    clientId: `${String(base.clientId ?? 'fieldline').slice(0, 40)}-browse-${Math.random().toString(16).slice(2, 10)}`,
    clean: true,
    reconnectPeriod: 2000,
    resubscribe: false,
    properties: v5
      ? {
          maximumPacketSize: properties?.maximumPacketSize ?? 16 * 1024 * 1024,
          userProperties: properties?.userProperties,
        }
      : undefined,
  });
  let stopped = false;
  let lastError: string | undefined;
  const failed = (error: string) => {
    lastError = error;
    listener.state('error', error);
  };
  listener.state('subscribing');
  client.on('connect', () => {
    client.subscribe(filter, { qos: 2, ...(v5 ? { rap: true } : {}) }, (error, granted) => {
      if (stopped) return;
      const refused = (granted ?? []).some((g) => g.qos > 2);
      if (error || refused) {
        failed(`the broker refused the subscription to ${filter}${error ? `: ${error.message}` : ''}`);
        return;
      }
      lastError = undefined;
      listener.state('subscribed');
    });
  });
  client.on('error', (error) => {
    if (!stopped) failed(error.message || String(error));
  });
  client.on('close', () => {
    if (!stopped) listener.state('error', `${lastError ?? 'the connection to the broker closed'}; retrying`);
  });
  client.on('message', (topic, payload, packet) => {
    if (stopped) return;
    listener.message({
      topic,
      payload,
      qos: packet.qos,
      retain: packet.retain,
      properties: browseProperties(packet.properties),
    });
  });
  return () => {
    stopped = true;
    client.end(true);
  };
}
