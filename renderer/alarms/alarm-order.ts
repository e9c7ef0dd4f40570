/**
 * The order of the alarm list and what the banner says. Unacknowledged first (they need
 * someone), then the most severe, then the newest: the same order the engine's
 * alarms.list promises, kept here too because the stream delivers changes unordered.
 */
import type { AlarmInstance, Severity } from '../../common/alarm-contract';
import { SEVERITIES } from '../../common/alarm-contract';
import { isActive, isUnacknowledged, severityRank } from './alarm-words';

export function compareAlarms(a: AlarmInstance, b: AlarmInstance): number {
  const unack = Number(isUnacknowledged(b.state)) - Number(isUnacknowledged(a.state));
  if (unack !== 0) return unack;
  const severity = severityRank(b.severity) - severityRank(a.severity);
  if (severity !== 0) return severity;
  const since = (b.since ?? b.updatedAt) - (a.since ?? a.updatedAt);
  if (since !== 0) return since;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function sortAlarms(alarms: readonly AlarmInstance[]): AlarmInstance[] {
  return [...alarms].sort(compareAlarms);
}

/**
 * Replaces changed instances by key; an instance back in `normal` leaves the list (the
 * list shows what needs attention; history keeps the rest).
 */
export function mergeAlarms(
  current: readonly AlarmInstance[],
  changed: readonly AlarmInstance[],
): AlarmInstance[] {
  if (changed.length === 0) return current as AlarmInstance[];
  const byKey = new Map(current.map((a) => [a.key, a]));
  for (const alarm of changed) {
    if (alarm.state === 'normal') byKey.delete(alarm.key);
    else byKey.set(alarm.key, alarm);
  }
  return sortAlarms([...byKey.values()]);
}

export interface BannerSummary {
  /** unacknowledged alarms that are active (the condition holds now), by severity */
  active: Record<Severity, number>;
  activeTotal: number;
  /** returned to normal but never acknowledged */
  returned: number;
  /** the newest unacknowledged one, active before returned */
  newest: AlarmInstance | null;
}

/** Shadow-mode instances never page anyone and stay out of the banner. */
export function bannerSummary(alarms: readonly AlarmInstance[]): BannerSummary {
  const active = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let activeTotal = 0;
  let returned = 0;
  let newest: AlarmInstance | null = null;
  const rank = (a: AlarmInstance) => (isActive(a.state) ? 1 : 0);
  for (const alarm of alarms) {
    if (alarm.shadow || !isUnacknowledged(alarm.state)) continue;
    if (alarm.state === 'active_unack') {
      activeTotal++;
      active[alarm.severity ?? 'info']++;
    } else returned++;
    const when = alarm.since ?? alarm.updatedAt;
    if (
      !newest ||
      rank(alarm) > rank(newest) ||
      (rank(alarm) === rank(newest) && when > (newest.since ?? newest.updatedAt))
    ) {
      newest = alarm;
    }
  }
  return { active, activeTotal, returned, newest };
}
