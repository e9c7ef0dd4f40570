/**
 * What each simulated link carries, in the real wire formats: JSON lines over serial
 * (cut into arbitrary chunks, as a UART delivers them), GATT Environmental Sensing
 * notifications over BLE, and one JSON message per metric on MQTT topics. Decoding goes
 * through the same decoders a real connector uses, so the demo exercises them.
 */
import { parseFirmwareLogLine } from '../../../common/firmware-log-line';
import type { Reading } from '../../../common/reading';
import { decodeGatt, encodeGattValue, GATT_CHARACTERISTICS, gattUuidForMetric } from '../decoders/gatt';
import { decodeJsonLine } from '../decoders/json-line';
import { LineFramer } from '../decoders/line-framer';
import { compileTopicTemplate, decodeMetricPayload } from '../decoders/topic-template';
import type { Sample } from './simulated-device';

export interface Decoded {
  readings: Reading[];
  messages: number;
  errors: string[];
  /** values the spec prohibits or reserves, delivered as null 'invalid' readings */
  invalid?: number;
  /** firmware log lines between the telemetry lines */
  logLines?: number;
}

/** an ESPHome node's boot banner (logger.cpp "[%s][%s:%03u]: ", with its ANSI colours) */
const BOOT_BANNER = [
  '\x1b[0;32m[I][logger:262]: Log initialized\x1b[0m',
  '\x1b[0;32m[I][app:029]: Running through setup()...\x1b[0m',
  '\x1b[0;35m[C][wifi:048]: Setting up WiFi...\x1b[0m',
  '\x1b[0;32m[I][app:062]: setup() finished successfully!\x1b[0m',
];
/** chance per sample of a firmware warning line on the serial link */
const WARNING_CHANCE = 0.004;

export interface WireCodec<M> {
  encode(sample: Sample): M[];
  /** one tick's worth of messages, in delivery order */
  decode(messages: M[], now: number): Decoded;
}

export function serialJsonLines(source: string, random: () => number): WireCodec<Uint8Array> {
  const framer = new LineFramer();
  const booted = new Set<string>();
  return {
    encode(sample) {
      // real nodes print their boot banner and the odd warning on the telemetry UART
      const logs: string[] = [];
      if (!booted.has(sample.deviceId)) {
        booted.add(sample.deviceId);
        logs.push(...BOOT_BANNER);
      } else if (random() < WARNING_CHANCE) {
        logs.push(
          `\x1b[0;33m[W][sensor:127]: ${sample.deviceId}: read took ${200 + Math.floor(random() * 300)} ms\x1b[0m`,
        );
      }
      const json = `${JSON.stringify({ dev: sample.deviceId, seq: sample.seq, ts: sample.ts, ...sample.values })}\n`;
      return [Buffer.from(logs.map((l) => `${l}\r\n`).join('') + json)];
    },
    decode(messages, now) {
      const out: Decoded = { readings: [], messages: 0, errors: [], logLines: 0 };
      const stream = Buffer.concat(messages);
      // a UART hands over whatever is in its FIFO: lines split at random places
      let at = 0;
      while (at < stream.length) {
        const size = 1 + Math.floor(random() * 96);
        const framed = framer.push(stream.subarray(at, at + size));
        at += size;
        if (framed.overlong > 0) out.errors.push(`${framed.overlong} over-long line(s) dropped`);
        for (const line of framed.lines) {
          if (parseFirmwareLogLine(line) !== null) {
            out.logLines!++;
            continue;
          }
          out.messages++;
          const decoded = decodeJsonLine(line, { source, now });
          if ('error' in decoded) out.errors.push(decoded.error);
          else out.readings.push(...decoded.readings);
        }
      }
      return out;
    },
  };
}

export interface GattNotification {
  deviceId: string;
  uuid: string;
  data: Uint8Array;
  /** when the radio received it; a GATT value carries no timestamp of its own */
  receivedAt: number;
}

/** chance per sample that a sensor reports "value is not known" (a missed conversion) */
const NOT_KNOWN_CHANCE = 0.002;

export function bleGattNotifications(
  source: string,
  random: () => number = Math.random,
): WireCodec<GattNotification> {
  const warm = new Set<string>();
  return {
    encode(sample) {
      // a sensor still warming up, or missing a conversion, says "not known" (GSS 0x8000 / 0xFFFF)
      const warming = !warm.has(sample.deviceId);
      warm.add(sample.deviceId);
      return Object.entries(sample.values).flatMap(([metric, value]) => {
        const uuid = gattUuidForMetric(metric);
        if (!uuid) return [];
        const notKnown = metric !== 'battery' && (warming || random() < NOT_KNOWN_CHANCE);
        const data = encodeGattValue(uuid, notKnown ? null : value);
        return [{ deviceId: sample.deviceId, uuid, data, receivedAt: sample.ts }];
      });
    },
    decode(messages, now) {
      const out: Decoded = { readings: [], messages: messages.length, errors: [], invalid: 0 };
      for (const n of messages) {
        const characteristic = GATT_CHARACTERISTICS[n.uuid];
        if (!characteristic) {
          out.errors.push(`no decoder for characteristic ${n.uuid}`);
          continue;
        }
        try {
          const { value, quality } = decodeGatt(characteristic, n.data);
          if (quality === 'invalid') out.invalid!++;
          out.readings.push({
            deviceId: n.deviceId,
            metric: characteristic.metric,
            ts: n.receivedAt,
            value,
            quality,
            source,
            arrivedAt: now,
          });
        } catch (error) {
          out.errors.push((error as Error).message);
        }
      }
      return out;
    },
  };
}

export interface MqttMessage {
  topic: string;
  payload: Uint8Array;
}

export function mqttJsonTopics(source: string, template: string, site: string): WireCodec<MqttMessage> {
  const topics = compileTopicTemplate(template, { site });
  return {
    encode(sample) {
      return Object.entries(sample.values).map(([metric, value]) => ({
        topic: template
          .replace('{site}', site)
          .replace('{deviceId}', sample.deviceId)
          .replace('{metric}', metric),
        payload: Buffer.from(JSON.stringify({ ts: sample.ts, seq: sample.seq, value })),
      }));
    },
    decode(messages, now) {
      const out: Decoded = { readings: [], messages: messages.length, errors: [] };
      for (const m of messages) {
        const match = topics.match(m.topic);
        if (!match) {
          out.errors.push(`topic ${m.topic.slice(0, 200)} does not match ${template}`);
          continue;
        }
        const decoded = decodeMetricPayload(m.payload, now);
        if ('error' in decoded) {
          out.errors.push(`${m.topic.slice(0, 200)}: ${decoded.error}`);
          continue;
        }
        const reading: Reading = {
          deviceId: match.deviceId,
          metric: match.metric,
          ts: decoded.ts,
          value: decoded.value,
          quality: decoded.value === null ? 'null' : 'good',
          source,
          arrivedAt: now,
        };
        if (decoded.seq !== undefined) reading.seq = decoded.seq;
        out.readings.push(reading);
      }
      return out;
    },
  };
}
