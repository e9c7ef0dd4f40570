/**
 * The one event format every connector normalizes into. `ts` is the device's own clock
 * in ms since the epoch; arrival time is metadata only, because charts, rollups and
 * dedup must follow what the device measured, not when the link happened to deliver it.
 */
// 'invalid' (a value the spec prohibits or reserves) is appended: stored codes are indexes
export const QUALITIES = ['good', 'null', 'out-of-range', 'suspect', 'invalid'] as const;
export type Quality = (typeof QUALITIES)[number];

export const TRANSPORTS = ['serial', 'ble', 'mqtt'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface Reading {
  deviceId: string;
  metric: string;
  /** device time, ms since the epoch */
  ts: number;
  /** null when the device reported no usable number (NaN, missing, "null") */
  value: number | null;
  quality: Quality;
  /** the device's own message counter, when it numbers its messages */
  seq?: number;
  /** id of the connector that delivered it */
  source: string;
  /** host time of arrival, ms; metadata only */
  arrivedAt?: number;
}

/** Compact numeric code for storage and the wire; index into QUALITIES. */
export function qualityCode(q: Quality): number {
  return QUALITIES.indexOf(q);
}

export function qualityFromCode(code: number): Quality {
  return QUALITIES[code] ?? 'suspect';
}

export function seriesKey(deviceId: string, metric: string): string {
  return `${deviceId}\u0000${metric}`;
}
