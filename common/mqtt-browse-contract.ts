/**
 * The MQTT topic browser: a browse session on any topic filter, separate from the
 * connector's own subscriptions, streaming every message with its QoS, retain flag and
 * MQTT 5 properties; and clearing a retained message. Split from contract.ts by domain.
 */
import { z } from 'zod';
import { topicFilterProblem } from './mqtt-topic-filter';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);

/** payloads are kept up to this size; the message records its full size */
export const BROWSE_PAYLOAD_BYTES = 64 * 1024;

const topicName = z
  .string()
  .min(1)
  .max(65_535)
  .refine((t) => !/[#+]/.test(t) && !t.includes('\u0000'), 'a topic name has no wildcards and no NUL');

export const topicFilter = z
  .string()
  .max(65_535)
  .superRefine((filter, ctx) => {
    const problem = topicFilterProblem(filter);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** The MQTT 5 PUBLISH properties a technician reads (§3.3.2.3); absent ones are left out. */
export const MqttPropertiesSchema = z.object({
  /** true: the payload claims to be UTF-8 (§3.3.2.3.2) */
  payloadFormatUtf8: z.boolean().optional(),
  messageExpirySec: z.number().int().nonnegative().optional(),
  contentType: z.string().optional(),
  responseTopic: z.string().optional(),
  correlationDataHex: z.string().optional(),
  /** in the order sent; a name may repeat (§3.3.2.3.7) */
  userProperties: z.array(z.tuple([z.string(), z.string()])).optional(),
  subscriptionIds: z.array(z.number().int()).optional(),
});
export type MqttProperties = z.infer<typeof MqttPropertiesSchema>;

export const BrowsedMessageSchema = z.object({
  topic: z.string(),
  /** host time it arrived, ms */
  ts: timestamp,
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  retain: z.boolean(),
  /** the payload's full size in bytes */
  size: z.number().int().nonnegative(),
  /** base64 of the payload's first 64 KiB */
  payload: z.string().max(Math.ceil(BROWSE_PAYLOAD_BYTES / 3) * 4),
  properties: MqttPropertiesSchema,
});
export type BrowsedMessage = z.infer<typeof BrowsedMessageSchema>;

export const BrowseStateSchema = z.enum(['subscribing', 'subscribed', 'error']);

export const mqttBrowseRequests = {
  /** the filters the connector itself subscribes to: the browser starts on them */
  'mqtt.ownFilters': {
    params: z.object({ connectorId: id }).strict(),
    result: z.object({ filters: z.array(z.string()) }),
  },
  /** publish a zero-length retained message, which deletes the broker's retained one (§3.3.1.3); audited */
  'mqtt.clearRetained': {
    params: z.object({ connectorId: id, topic: topicName }).strict(),
    result: z.object({ ok: z.boolean() }),
  },
} as const;

export const mqttBrowseStreams = {
  /** every message on `filter`, batched at most 5 times a second, through the browser's own subscription */
  'mqtt.browse': {
    params: z.object({ connectorId: id, filter: topicFilter }).strict(),
    data: z.object({
      messages: z.array(BrowsedMessageSchema),
      /** messages left out since the last batch because the subscriber fell behind */
      dropped: z.number().int().nonnegative(),
      state: BrowseStateSchema,
      /** why the subscription is not (or no longer) open; it keeps retrying */
      error: z.string().nullable(),
    }),
  },
} as const;
