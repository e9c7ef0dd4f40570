/**
 * A device write as a line on the device's serial port, in the wire format the device itself
 * prints (decoders/json-line, decoders/key-value-line): the same envelope (`dev`) and one
 * metric with its new value, `{"dev":"pump-2","setpoint":42}` or `dev=pump-2 setpoint=42`.
 * Binary and CSV formats carry no command a rule could write.
 */
import type { WireFormat } from '../../decoders/telemetry-stream';

const KV_SAFE = /^[^\s,;=:]{1,200}$/;
/** the decoders read these keys as the envelope, never as a metric */
const ENVELOPE = new Set(['dev', 'id', 'seq', 'ts']);

export function serialCommandLine(
  format: WireFormat,
  deviceId: string,
  metric: string,
  value: number | boolean | string,
): { line: string } | { error: string } {
  if (ENVELOPE.has(metric)) return { error: `"${metric}" is part of the line's envelope, not a metric` };
  if (format === 'json-lines') return { line: `${JSON.stringify({ dev: deviceId, [metric]: value })}\n` };
  if (format === 'key-value') {
    const text = String(value);
    if (!KV_SAFE.test(text) || !KV_SAFE.test(deviceId) || !KV_SAFE.test(metric)) {
      return { error: `"${text.slice(0, 40)}" cannot be written as key=value (spaces, , ; = or :)` };
    }
    return { line: `dev=${deviceId} ${metric}=${text}\n` };
  }
  return { error: `the port speaks ${format}, which has no command line a rule can write` };
}
