/**
 * `{{rule}} {{device}} {{metric}} {{value}} {{severity}} {{state}}` in an mqtt-publish
 * action's topic and payload. Device ids and metric names come from devices, so they are
 * hostile: in a JSON payload every value is escaped as JSON string content (and the result
 * must still parse), and a topic never receives a wildcard, a NUL or an empty level.
 */
import type { AlarmNotice } from '../alarm-notices';

/** MQTT topic names carry no wildcards and no NUL (MQTT 5.0 §4.7.3, §1.5.4) */
export function unpublishable(topic: string): boolean {
  return topic.length === 0 || topic.includes('+') || topic.includes('#') || topic.includes('\u0000');
}

const PLACEHOLDER = /\{\{\s*(rule|device|metric|value|severity|state)\s*\}\}/g;

type Fields = Record<'rule' | 'device' | 'metric' | 'value' | 'severity' | 'state', string>;

export function noticeFields(notice: AlarmNotice): Fields {
  const t = notice.transition;
  return {
    rule: t.ruleId,
    device: t.deviceId,
    metric: t.metric ?? '',
    // JSON numbers print the way JSON.parse reads them back; no reading: null
    value: t.value === null ? 'null' : String(t.value),
    severity: t.severity ?? '',
    state: t.to,
  };
}

/** a payload whose template is a JSON object or array is filled in as JSON (`{{` opens a placeholder) */
export function isJsonTemplate(template: string): boolean {
  const t = template.trimStart();
  return t.startsWith('[') || (t.startsWith('{') && !t.startsWith('{{'));
}

export function fillPayload(template: string, fields: Fields): { text: string } | { error: string } {
  if (!isJsonTemplate(template)) {
    return { text: template.replace(PLACEHOLDER, (_, name: keyof Fields) => fields[name]) };
  }
  const text = template.replace(PLACEHOLDER, (_, name: keyof Fields) =>
    // inside quotes or bare (`"v": {{value}}`), an escaped string body is safe either way
    JSON.stringify(fields[name]).slice(1, -1),
  );
  try {
    JSON.parse(text);
  } catch (error) {
    return { error: `the payload is not valid JSON once filled in: ${(error as Error).message}` };
  }
  return { text };
}

export function fillTopic(template: string, fields: Fields): { topic: string } | { error: string } {
  let bad: string | undefined;
  const topic = template.replace(PLACEHOLDER, (_, name: keyof Fields) => {
    const v = fields[name];
    if (v.length > 0 && unpublishable(v))
      bad = `{{${name}}} is "${v.slice(0, 80)}", which has an MQTT wildcard or NUL`;
    return v;
  });
  if (bad) return { error: bad };
  if (unpublishable(topic)) return { error: `"${topic}" is not a topic to publish to` };
  if (Buffer.byteLength(topic) > 65_535) return { error: 'the topic is longer than MQTT allows' };
  return { topic };
}
