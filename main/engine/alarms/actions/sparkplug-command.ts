/**
 * A Sparkplug B command writing one metric: DCMD to a device (`group:edge:device`), NCMD to
 * an edge node (`group:edge`), metric by name with the datatype its BIRTH declared
 * (spec 3.0 §6.4.16). Per §6.4.23/§6.4.24: a payload timestamp, no seq
 * ([tck-id-payloads-dcmd-seq], [tck-id-payloads-ncmd-seq]); published at QoS 0, not retained
 * ([tck-id-payloads-dcmd-qos], [tck-id-payloads-dcmd-retain]). Encoded with Eclipse Tahu's
 * sparkplug-payload, the codec the connector's rebirth requests use. A command sets an
 * absolute value, so sending it twice (at least once, after a crash) is harmless.
 */
import { SPARKPLUG_NAMESPACE, sparkplugCodec } from '../../connectors/mqtt/sparkplug';

type Value = number | boolean | string;

const INTEGER_RANGES: Record<number, { name: string; min: number; max: number }> = {
  1: { name: 'Int8', min: -128, max: 127 },
  2: { name: 'Int16', min: -32_768, max: 32_767 },
  3: { name: 'Int32', min: -(2 ** 31), max: 2 ** 31 - 1 },
  4: { name: 'Int64', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  5: { name: 'UInt8', min: 0, max: 255 },
  6: { name: 'UInt16', min: 0, max: 65_535 },
  7: { name: 'UInt32', min: 0, max: 2 ** 32 - 1 },
  8: { name: 'UInt64', min: 0, max: Number.MAX_SAFE_INTEGER },
};

/** the Tahu type name and the value as that type, or why the value does not fit it */
export function sparkplugTyped(
  datatype: number,
  value: Value,
): { type: string; value: Value } | { error: string } {
  const int = INTEGER_RANGES[datatype];
  if (int) {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return { error: `${JSON.stringify(value)} is not an integer (the metric is ${int.name})` };
    }
    if (value < int.min || value > int.max) return { error: `${value} does not fit ${int.name}` };
    return { type: int.name, value };
  }
  switch (datatype) {
    case 9:
    case 10:
      if (typeof value !== 'number') return { error: `${JSON.stringify(value)} is not a number` };
      if (datatype === 9 && Math.abs(value) > 3.4028234663852886e38)
        return { error: `${value} does not fit Float` };
      return { type: datatype === 9 ? 'Float' : 'Double', value };
    case 11:
      if (typeof value === 'boolean') return { type: 'Boolean', value };
      if (value === 0 || value === 1) return { type: 'Boolean', value: value === 1 };
      return { error: `${JSON.stringify(value)} is not a boolean` };
    case 12:
    case 14:
      if (typeof value !== 'string') return { error: `${JSON.stringify(value)} is not text` };
      return { type: datatype === 12 ? 'String' : 'Text', value };
    default:
      return { error: `datatype ${datatype} cannot be written by a rule` };
  }
}

export function sparkplugCommandTopic(deviceId: string): string | undefined {
  const parts = deviceId.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.length === 0 || /[/+#]/.test(p))) return;
  const [group, edge, device] = parts;
  return device === undefined
    ? `${SPARKPLUG_NAMESPACE}/${group}/NCMD/${edge}`
    : `${SPARKPLUG_NAMESPACE}/${group}/DCMD/${edge}/${device}`;
}

export function encodeSparkplugCommand(metric: string, type: string, value: Value, now: number): Uint8Array {
  return sparkplugCodec().encodePayload({ timestamp: now, metrics: [{ name: metric, type, value }] });
}
