/**
 * The CloudEvents MQTT binding's structured content mode (mqtt-protocol-binding.md §3.2),
 * for receivers built on the official CloudEvents SDKs: each event of a batch goes as its
 * own PUBLISH, MQTT 5 Content Type `application/cloudevents+json; charset=utf-8` (§3.2.1),
 * payload the event in the JSON event format, uncompressed (§3.2.2). The batch is delivered
 * when every one of its messages has its PUBACK. A batch sent again repeats the same events
 * with the same source and id, which is how a CloudEvents consumer tells a duplicate
 * (spec §3.1.1 "id").
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { MqttClient } from 'mqtt';
import type { OutgoingBatch } from './cloudevents';
import type { SendOutcome } from './transport';

const gunzipAsync = promisify(gunzip);

export const CLOUDEVENTS_JSON = 'application/cloudevents+json; charset=utf-8';

/** PUBACK reason codes that say "this message will never be taken" (MQTT 5, 3.4.2.1). */
const REFUSED = new Set([0x90 /* topic name invalid */, 0x97 /* quota */, 0x99 /* payload format invalid */]);

/** What a PUBACK (or the lack of one) says about a message: null when it was taken. */
export function pubackFailure(error: Error | undefined, packet: unknown): SendOutcome | null {
  const code = (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
  if (!error && code < 0x80) return null;
  const message = error?.message ?? `PUBACK reason code 0x${code.toString(16)}`;
  return REFUSED.has(code) ? { kind: 'park', error: message } : { kind: 'retry', error: message };
}

export async function publishStructured(
  client: MqttClient,
  topic: string,
  batch: OutgoingBatch,
  ackTimeoutMs: number,
): Promise<SendOutcome> {
  const events = JSON.parse((await gunzipAsync(batch.payload)).toString('utf8')) as unknown[];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'retry', error: `no PUBACK for every event within ${ackTimeoutMs} ms` }),
      ackTimeoutMs,
    );
  });
  const acks = events.map(
    (event) =>
      new Promise<SendOutcome | null>((resolve) => {
        client.publish(
          topic,
          JSON.stringify(event),
          { qos: 1, properties: { contentType: CLOUDEVENTS_JSON, payloadFormatIndicator: true } },
          (error, packet) => resolve(pubackFailure(error, packet)),
        );
      }),
  );
  const all = Promise.all(acks).then(
    (outcomes): SendOutcome =>
      // one refused message parks the batch; any other failure sends it again
      outcomes.find((o) => o?.kind === 'park') ?? outcomes.find((o) => o !== null) ?? { kind: 'ok' },
  );
  try {
    return await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
