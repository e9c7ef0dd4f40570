/**
 * One message on a topic-template subscription → the readings it carries, and the
 * units its payload mapping gives them. A unit belongs to the devices whose messages
 * came through that mapping: another subscription may use the same metric name.
 */

import type { PayloadMapping } from '../../../../common/payload-mapping';
import type { Reading } from '../../../../common/reading';
import { decodeMqttPayload } from '../../decoders/mqtt-payload';
import type { TopicMatch } from '../../decoders/topic-template';

export function templateReadings(
  match: TopicMatch,
  payload: Uint8Array,
  now: number,
  source: string,
  mapping: PayloadMapping | undefined,
  units: MappedUnits,
): { deviceId: string; readings: Reading[] } | { error: string } {
  const decoded = decodeMqttPayload(payload, now, mapping);
  if ('error' in decoded) return decoded;
  const deviceId = decoded.deviceId ?? match.deviceId;
  const readings = decoded.values.map(({ metric, value, unit }) => {
    if (unit !== undefined && metric !== undefined) units.note(deviceId, metric, unit);
    const r: Reading = {
      deviceId,
      metric: metric ?? match.metric,
      ts: decoded.ts,
      value,
      quality: value === null ? 'null' : 'good',
      source,
      arrivedAt: now,
    };
    if (decoded.seq !== undefined) r.seq = decoded.seq;
    return r;
  });
  return { deviceId, readings };
}

/**
 * (device, metric) → unit, as payload mappings gave them. Before a device's first message
 * since a restart, the unit can still be known when every subscription of the connector
 * has a mapping that keeps only its own rows and those rows agree on the metric's unit:
 * then no other path could have named it, so a known device's charts keep their units.
 */
export class MappedUnits {
  private readonly byDevice = new Map<string, Map<string, string>>();
  /** metric → its unit where every mapping agrees; null where they disagree */
  private readonly byMetric = new Map<string, string | null>();

  constructor(mappings: readonly (PayloadMapping | undefined)[] = []) {
    if (mappings.some((m) => m === undefined || m.unmapped === 'keep')) return;
    for (const field of mappings.flatMap((m) => m?.fields ?? [])) {
      const unit = field.unit ?? null;
      const known = this.byMetric.get(field.metric);
      this.byMetric.set(field.metric, known === undefined || known === unit ? unit : null);
    }
  }

  note(deviceId: string, metric: string, unit: string): void {
    let units = this.byDevice.get(deviceId);
    if (units === undefined) {
      units = new Map();
      this.byDevice.set(deviceId, units);
    }
    if (units.get(metric) !== unit) units.set(metric, unit);
  }

  get(deviceId: string, metric: string): string | undefined {
    return this.byDevice.get(deviceId)?.get(metric) ?? this.byMetric.get(metric) ?? undefined;
  }
}
