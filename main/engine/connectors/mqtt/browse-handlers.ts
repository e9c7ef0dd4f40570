/**
 * The RPC side of the topic browser: `mqtt.browse` streams a browse session's messages in
 * batches (the session closes with the stream, so a closed window or a dropped client
 * leaves nothing subscribed), `mqtt.clearRetained` clears a retained message and audits it.
 */
import type { z } from 'zod';
import {
  BROWSE_PAYLOAD_BYTES,
  type BrowsedMessage,
  type mqttBrowseStreams,
} from '../../../../common/mqtt-browse-contract';
import { RpcError } from '../../../../common/protocol';
import type { AuditInput } from '../../audit/audit-log';
import type { Connector } from '../connector';
import {
  type BrowseListener,
  type BrowseMessage,
  isTopicBrowsable,
  type TopicBrowsable,
} from './topic-browser';

const FLUSH_MS = 200;
/**
 * What waits for the next flush, at most: room for a broker's burst of retained messages
 * on subscribing (thousands at once); beyond it newer messages are counted as dropped.
 */
export const MAX_PENDING_MESSAGES = 20_000;
export const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** one stream message carries at most this many, so no single frame is huge */
export const BATCH_MESSAGES = 2000;

type BrowseData = z.output<(typeof mqttBrowseStreams)['mqtt.browse']['data']>;

function browsable(lookup: (id: string) => Connector | undefined, id: string): TopicBrowsable {
  const connector = lookup(id);
  if (!connector) throw new RpcError('NOT_FOUND', `no connector "${id}"`);
  if (!isTopicBrowsable(connector)) {
    throw new RpcError('INVALID_PARAMS', `connector "${id}" is not an MQTT connector`);
  }
  return connector;
}

export function toBrowsedMessage(m: BrowseMessage, now: number): BrowsedMessage {
  const kept = m.payload.subarray(0, BROWSE_PAYLOAD_BYTES);
  return {
    topic: m.topic,
    ts: Math.round(now),
    qos: m.qos,
    retain: m.retain,
    size: m.payload.length,
    payload: Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).toString('base64'),
    properties: m.properties,
  };
}

export function createMqttBrowseHandlers(
  lookup: (id: string) => Connector | undefined,
  audit: { append(input: AuditInput): unknown },
  actor: () => string,
) {
  return {
    requests: {
      'mqtt.ownFilters': ({ connectorId }: { connectorId: string }) => ({
        filters: browsable(lookup, connectorId).ownFilters(),
      }),
      'mqtt.clearRetained': async ({ connectorId, topic }: { connectorId: string; topic: string }) => {
        const connector = browsable(lookup, connectorId);
        try {
          await connector.clearRetained(topic);
        } catch (error) {
          throw new RpcError(
            'UNAVAILABLE',
            `cannot clear the retained message on ${topic}: ${(error as Error).message}`,
          );
        }
        audit.append({ actor: actor(), action: 'mqtt.retained.clear', subject: `${connectorId}/${topic}` });
        return { ok: true };
      },
    },
    streams: {
      'mqtt.browse': (p: { connectorId: string; filter: string }, emit: (data: BrowseData) => void) => {
        const connector = browsable(lookup, p.connectorId);
        let pending: BrowsedMessage[] = [];
        let pendingBytes = 0;
        let dropped = 0;
        let state: BrowseData['state'] = 'subscribing';
        let error: string | null = null;
        let changed = true;
        const setState = (next: BrowseData['state'], text: string | null) => {
          state = next;
          error = text;
          changed = true;
        };
        const listener: BrowseListener = {
          message(m) {
            if (pending.length >= MAX_PENDING_MESSAGES || pendingBytes >= MAX_PENDING_BYTES) {
              dropped++;
              return;
            }
            const message = toBrowsedMessage(m, Date.now());
            pending.push(message);
            pendingBytes += message.payload.length + message.topic.length;
          },
          state: (next, text) => setState(next, text ?? null),
        };
        const open = (c: TopicBrowsable) => c.browse(p.filter, listener);
        let stop: (() => void) | undefined;
        try {
          stop = open(connector);
        } catch (e) {
          throw new RpcError('UNAVAILABLE', `cannot browse ${p.connectorId}: ${(e as Error).message}`);
        }
        // an edited connector is a new object with new settings: follow it (once it has started);
        // a removed one ends the session until a connector of that id is back
        let openedOn: unknown = connector;
        const follow = () => {
          const now = lookup(p.connectorId);
          if (now === openedOn) return;
          stop?.();
          stop = undefined;
          if (!isTopicBrowsable(now)) {
            openedOn = now;
            return setState('error', `connector "${p.connectorId}" was removed`);
          }
          try {
            stop = open(now);
            openedOn = now;
          } catch (e) {
            const text = `cannot browse ${p.connectorId}: ${(e as Error).message}`;
            if (text !== error) setState('error', text);
          }
        };
        const timer = setInterval(() => {
          follow();
          if (pending.length === 0 && dropped === 0 && !changed) return;
          const all = pending;
          pending = [];
          pendingBytes = 0;
          for (let at = 0; at < all.length || changed || dropped > 0; at += BATCH_MESSAGES) {
            const last = at + BATCH_MESSAGES >= all.length;
            emit({ messages: all.slice(at, at + BATCH_MESSAGES), dropped: last ? dropped : 0, state, error });
            changed = false;
            if (last) dropped = 0;
          }
        }, FLUSH_MS);
        return () => {
          clearInterval(timer);
          stop?.();
        };
      },
    },
  };
}
