/**
 * MQTT uplink sink (AWS IoT Core, EMQX, HiveMQ style): one gzipped CloudEvents batch per
 * PUBLISH at QoS 1, MQTT 5 content type application/cloudevents-batch+json and the
 * Idempotency-Key as a user property; mutual TLS with the client certificate and CA given.
 * A batch counts as delivered on the broker's PUBACK, or, with a receipt topic, when the
 * receiver's receipt comes back (MQTT 5 request/response: the batch carries the receipt topic
 * as its response topic and its key as correlation data). Not connected means "retry later",
 * never a queue inside mqtt.js: the outbox is the queue. In structured content mode each
 * event goes as its own message instead (mqtt-structured.ts).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { CLOUDEVENTS_BATCH, type OutgoingBatch } from './cloudevents';
import { pubackFailure, publishStructured } from './mqtt-structured';
import type { SendOutcome, SinkTransport } from './transport';

export interface MqttSinkOptions {
  url: string;
  /** placeholders {sink} and {kind} (raw | rollup) */
  topic: string;
  /** wait for the receiver's receipt on this topic instead of trusting the PUBACK */
  receiptTopic?: string;
  sinkId: string;
  clientId?: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  ackTimeoutMs?: number;
  /** 'structured': each event its own message (CloudEvents MQTT binding, mqtt-structured.ts) */
  contentMode?: 'batch' | 'structured';
}

export function createMqttTransport(options: MqttSinkOptions): SinkTransport {
  const url = new URL(options.url);
  const target = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname} ${options.topic}`;
  const clientOptions: IClientOptions = {
    protocolVersion: 5,
    clean: true,
    clientId:
      options.clientId ?? `fieldline-sync-${options.sinkId}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    rejectUnauthorized: true,
    // offline publishes would pile up inside mqtt.js; the outbox already keeps them
    queueQoSZero: false,
  };
  if (options.username) clientOptions.username = options.username;
  if (options.password) clientOptions.password = options.password;
  if (options.ca) clientOptions.ca = options.ca;
  if (options.cert) clientOptions.cert = options.cert;
  if (options.key) clientOptions.key = options.key;
  const client: MqttClient = mqtt.connect(options.url, clientOptions);
  const receiptTopic = options.receiptTopic?.replaceAll('{sink}', options.sinkId);
  const receipts = new Map<string, (outcome: SendOutcome) => void>();
  // whatever is waiting when the connection drops is retried at once (same key), not after a timeout
  client.on('close', () => {
    for (const waiting of [...receipts.values()])
      waiting({ kind: 'retry', error: 'connection to the broker lost' });
  });
  let receiptsReady = receiptTopic === undefined;
  if (receiptTopic) {
    client.on('connect', () => {
      client.subscribe(receiptTopic, { qos: 1 }, (error) => {
        receiptsReady = !error;
      });
    });
    client.on('close', () => {
      receiptsReady = false;
    });
    client.on('message', (topic, payload, packet) => {
      if (topic !== receiptTopic) return;
      const key = packet.properties?.correlationData?.toString('utf8') ?? '';
      const waiting = receipts.get(key);
      if (!waiting) return;
      let receipt: { status?: unknown; error?: unknown };
      try {
        receipt = JSON.parse(payload.toString('utf8')) as typeof receipt;
      } catch {
        receipt = { status: 'unreadable' };
      }
      if (receipt.status === 'stored' || receipt.status === 'duplicate') waiting({ kind: 'ok' });
      else if (receipt.status === 'refused')
        waiting({ kind: 'park', error: String(receipt.error ?? 'refused') });
      else waiting({ kind: 'retry', error: `receipt: ${String(receipt.error ?? receipt.status)}` });
    });
  }
  let lastError = '';
  client.on('error', (error) => {
    lastError = error.message;
  });
  const ackTimeoutMs = options.ackTimeoutMs ?? 15_000;

  const send = (batch: OutgoingBatch) =>
    new Promise<SendOutcome>((resolve) => {
      if (!client.connected || !receiptsReady) {
        resolve({ kind: 'retry', error: `not connected to the broker${lastError ? `: ${lastError}` : ''}` });
        return;
      }
      const topic = options.topic.replaceAll('{sink}', options.sinkId).replaceAll('{kind}', batch.channel);
      if (options.contentMode === 'structured') {
        publishStructured(client, topic, batch, ackTimeoutMs).then(resolve, (error: Error) =>
          resolve({ kind: 'park', error: `cannot split the batch into events: ${error.message}` }),
        );
        return;
      }
      const finish = (outcome: SendOutcome) => {
        clearTimeout(timer);
        receipts.delete(batch.key);
        resolve(outcome);
      };
      const timer = setTimeout(
        () =>
          finish({
            kind: 'retry',
            error: `no ${receiptTopic ? 'receipt' : 'PUBACK'} within ${ackTimeoutMs} ms`,
          }),
        ackTimeoutMs,
      );
      receipts.set(batch.key, finish);
      client.publish(
        topic,
        batch.payload,
        {
          qos: 1,
          properties: {
            contentType: CLOUDEVENTS_BATCH,
            userProperties: { 'idempotency-key': batch.key, 'content-encoding': 'gzip' },
            ...(receiptTopic ? { responseTopic: receiptTopic, correlationData: Buffer.from(batch.key) } : {}),
          },
        },
        (error, packet) => {
          const failure = pubackFailure(error, packet);
          if (failure) finish(failure);
          else if (!receiptTopic) finish({ kind: 'ok' });
        },
      );
    });

  return {
    target,
    connected: () => client.connected && receiptsReady,
    send,
    close: () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
  };
}
