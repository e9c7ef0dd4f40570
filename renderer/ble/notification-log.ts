/**
 * What a characteristic's Notify panel keeps: the newest values first, at most `max`, so a
 * sensor left notifying for hours costs the page nothing.
 */
import type { StreamData } from '../../common/contract';

export type NotifiedValue = StreamData<'ble.notifications'>['values'][number];
export interface NotificationEntry extends NotifiedValue {
  /** a React key that survives identical values at the same millisecond */
  seq: number;
}

export const MAX_NOTIFICATIONS_SHOWN = 20;

export function appendNotifications(
  list: readonly NotificationEntry[],
  values: readonly NotifiedValue[],
  nextSeq: number,
  max = MAX_NOTIFICATIONS_SHOWN,
): NotificationEntry[] {
  const fresh = values.slice(-max).map((v, i) => ({ ...v, seq: nextSeq + i }));
  return [...fresh.reverse(), ...list].slice(0, max);
}
