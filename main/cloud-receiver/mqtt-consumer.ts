/**
 * The reference receiver's MQTT side: subscribes (QoS 1, persistent session) to the uplink
 * topic and stores each batch exactly as the HTTP side does, deduped by the
 * `idempotency-key` user property (or, in structured content mode, one event per message).
 * Storing is synchronous inside the message handler, so the PUBACK to the broker leaves
 * only after the batch is committed.
 */
import { gunzipSync } from 'node:zlib';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseBatch } from './cloudevents-input';
import type { ReceiverStore } from './receiver-store';

export interface MqttConsumerOptions {
  url: string;
  topic: string;
  clientId?: string;
  ca?: string;
  cert?: string;
  key?: string;
  log?: (line: string) => void;
}

export interface MqttConsumer {
  subscribed(): boolean;
  close(): Promise<void>;
}

export function startMqttConsumer(store: ReceiverStore, options: MqttConsumerOptions): MqttConsumer {
  const log = options.log ?? (() => {});
  const clientOptions: IClientOptions = {
    protocolVersion: 5,
    clean: false,
    clientId: options.clientId ?? 'fieldline-cloud-receiver',
    reconnectPeriod: 500,
    resubscribe: false,
    properties: { sessionExpiryInterval: 3600, maximumPacketSize: 64 * 1024 * 1024 },
  };
  if (options.ca) clientOptions.ca = options.ca;
  if (options.cert) clientOptions.cert = options.cert;
  if (options.key) clientOptions.key = options.key;
  const client: MqttClient = mqtt.connect(options.url, clientOptions);
  let subscribed = false;
  client.on('connect', () => {
    client.subscribe(options.topic, { qos: 1 }, (error) => {
      subscribed = !error;
      if (error) log(`mqtt subscribe failed: ${error.message}`);
    });
  });
  client.on('close', () => {
    subscribed = false;
  });
  client.on('error', (error) => log(`mqtt: ${error.message}`));
  client.on('message', (_topic, payload, packet) => {
    store.count('mqttMessages');
    const props = packet.properties?.userProperties ?? {};
    const key = typeof props['idempotency-key'] === 'string' ? props['idempotency-key'] : null;
    // the sender asked for a receipt (MQTT 5 request/response): sent after the commit
    const respond = (receipt: { status: 'stored' | 'duplicate' | 'refused'; error?: string }) => {
      const responseTopic = packet.properties?.responseTopic;
      if (!responseTopic || /[#+]/.test(responseTopic)) return;
      client.publish(responseTopic, JSON.stringify({ key, ...receipt }), {
        qos: 1,
        properties: { correlationData: packet.properties?.correlationData ?? Buffer.alloc(0) },
      });
    };
    try {
      // CloudEvents MQTT binding, structured content mode (§3.2): one event, no batch key;
      // its readings dedup by (device, metric, ts) and other events by (source, id)
      if (packet.properties?.contentType?.startsWith('application/cloudevents+json')) {
        const events = parseBatch(`[${payload.toString('utf8')}]`);
        if (events.length !== 1) throw new Error('a structured-mode message holds exactly one event');
        store.store(events, null);
        return;
      }
      if (key === null) throw new Error('no idempotency-key user property');
      if (store.hasBatch(key)) {
        store.count('duplicateBatches');
        respond({ status: 'duplicate' });
        return;
      }
      const text =
        props['content-encoding'] === 'gzip'
          ? gunzipSync(payload, { maxOutputLength: 512 * 1024 * 1024 }).toString('utf8')
          : payload.toString('utf8');
      store.store(parseBatch(text), key);
      respond({ status: 'stored' });
    } catch (error) {
      // a broken message: counted, logged and refused in the receipt, never a crash
      store.count('rejectedBatches');
      log(`mqtt batch refused: ${(error as Error).message}`);
      respond({ status: 'refused', error: (error as Error).message });
    }
  });
  return {
    subscribed: () => subscribed,
    close: () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
  };
}
