import { isSequenceNumber, isUsableDeviceTime } from './device-time';
import { readPayload } from './mqtt-payload';

/**
 * Maps MQTT topics to device and metric with a template such as
 * `plant/{site}/{deviceId}/{metric}`. A placeholder matches exactly one topic level,
 * as MQTT's own `+` does, so a template can also be turned into a subscription filter.
 */
export interface TopicMatch {
  deviceId: string;
  metric: string;
  fields: Record<string, string>;
}

export interface TopicTemplate {
  filter: string;
  match(topic: string): TopicMatch | null;
}

const PLACEHOLDER = /^\{([A-Za-z][A-Za-z0-9]*)\}$/;

export function compileTopicTemplate(template: string, fixed: Record<string, string> = {}): TopicTemplate {
  const levels = template.split('/');
  const names = levels.map((level) => PLACEHOLDER.exec(level)?.[1]);
  if (!names.includes('deviceId')) throw new Error(`topic template "${template}" has no {deviceId}`);
  for (const level of levels) {
    if (/[{}+#]/.test(level) && !PLACEHOLDER.test(level)) {
      throw new Error(`topic template "${template}": "${level}" must be a whole level like {name}`);
    }
  }
  const filter = levels.map((level, i) => {
    const name = names[i];
    if (name === undefined) return level;
    return fixed[name] ?? '+';
  });
  return {
    filter: filter.join('/'),
    match(topic) {
      const parts = topic.split('/');
      if (parts.length !== levels.length) return null;
      const fields: Record<string, string> = {};
      for (let i = 0; i < levels.length; i++) {
        const name = names[i];
        const part = parts[i]!;
        if (name === undefined) {
          if (part !== levels[i]) return null;
        } else {
          if (part.length === 0) return null;
          if (fixed[name] !== undefined && fixed[name] !== part) return null;
          fields[name] = part;
        }
      }
      const deviceId = fields.deviceId!;
      const metric = fields.metric ?? 'value';
      return { deviceId, metric, fields };
    },
  };
}

/**
 * Payload of one metric message: a bare number, or {"ts", "seq", "value"|"v"}: the demo
 * site's own wire format. Field payloads go through mqtt-payload.ts.
 */
export function decodeMetricPayload(
  payload: Uint8Array,
  now: number,
): { ts: number; value: number | null; seq?: number } | { error: string } {
  const read = readPayload(payload);
  if ('error' in read) return read;
  const parsed = read.json;
  if (parsed === undefined) return { error: 'payload is not JSON or a number' };
  if (typeof parsed === 'number') return { ts: now, value: Number.isFinite(parsed) ? parsed : null };
  if (parsed === null) return { ts: now, value: null };
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    return { error: 'payload must be a number or an object' };
  const o = parsed as Record<string, unknown>;
  const raw = o.value ?? o.v;
  const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
  let ts = now;
  if (o.ts !== undefined) {
    if (!isUsableDeviceTime(o.ts)) return { error: 'unusable timestamp' };
    ts = o.ts;
  }
  if (o.seq !== undefined) {
    if (!isSequenceNumber(o.seq)) return { error: 'bad seq' };
    return { ts, value, seq: o.seq };
  }
  return { ts, value };
}
