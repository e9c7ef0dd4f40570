/**
 * Alarm-system KPIs after ANSI/ISA-18.2-2016 §16 and EEMUA 191 (3rd ed.) Table 4, computed
 * from the transition journal alone so they hold for any period, across restarts:
 * - an *annunciation* is a transition into `active_unack` (a new alarm, or a re-alarm from
 *   `rtn_unack`); shadow rules never annunciate;
 * - alarm rate per 10-minute period (ISA-18.2 target: ~1, "maximum manageable" 2);
 * - a *flood* period holds more than 10 annunciations (ISA-18.2 §16.5; EEMUA: > 10 in 10 min);
 *   periods are fixed 10-minute buckets of engine time, as the standard counts them;
 * - *chattering*: the same alarm annunciated 3 or more times within 60 s (ISA-18.2 §16.6);
 * - *stale*: active for more than 24 h (ISA-18.2 §16.8), judged at the end of the period.
 * Engine time (`at`), not device time: these measure what the operator had to handle.
 */
import type { AlarmKpis } from '../../../common/alarm-contract';
import type { Db } from '../store/database';

const TEN_MINUTES = 600_000;
const FLOOD_ABOVE = 10;
const CHATTER_COUNT = 3;
const CHATTER_WINDOW_MS = 60_000;
const STALE_MS = 24 * 3_600_000;

interface Annunciation {
  key: string;
  rule_id: string;
  device_id: string;
  episode_id: string | null;
  severity: string | null;
  at: number;
}

export function alarmKpis(db: Db, from: number, to: number): AlarmKpis {
  const annunciations = db
    .prepare(
      `SELECT key, rule_id, device_id, episode_id, severity, at FROM alarm_transitions
        WHERE to_state = 'active_unack' AND shadow = 0 AND at >= ? AND at < ?
        ORDER BY at, seq`,
    )
    .all(from, to) as Annunciation[];

  const buckets = new Map<number, number>();
  const bySeverity: Record<string, number> = {};
  const actors = new Map<string, { ruleId: string; deviceId: string; count: number }>();
  const byKey = new Map<string, number[]>();
  for (const a of annunciations) {
    const bucket = Math.floor(a.at / TEN_MINUTES);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    const severity = a.severity ?? 'none';
    bySeverity[severity] = (bySeverity[severity] ?? 0) + 1;
    const actorKey = `${a.rule_id}\u0000${a.device_id}`;
    const actor = actors.get(actorKey) ?? { ruleId: a.rule_id, deviceId: a.device_id, count: 0 };
    actor.count++;
    actors.set(actorKey, actor);
    const times = byKey.get(a.key) ?? [];
    times.push(a.at);
    byKey.set(a.key, times);
  }

  const periods = Math.max(1, Math.ceil((to - from) / TEN_MINUTES));
  const floodPeriods = [...buckets.values()].filter((n) => n > FLOOD_ABOVE).length;
  let chattering = 0;
  for (const times of byKey.values()) if (chatters(times)) chattering++;

  const current = db
    .prepare(
      `SELECT
         SUM(state IN ('active_unack', 'active_ack') AND since IS NOT NULL AND since < ?) AS stale,
         SUM(state = 'shelved') AS shelved,
         SUM(state = 'out_of_service') AS oos
       FROM alarm_instances`,
    )
    .get(to - STALE_MS) as { stale: number | null; shelved: number | null; oos: number | null };

  const ackTimes = acknowledgementTimes(db, from, to);
  return {
    from,
    to,
    perTenMinutes: annunciations.length / periods,
    peakPerTenMinutes: Math.max(0, ...buckets.values()),
    floodPercent: (100 * floodPeriods) / periods,
    topBadActors: [...actors.values()]
      .sort(
        (a, b) =>
          b.count - a.count || a.ruleId.localeCompare(b.ruleId) || a.deviceId.localeCompare(b.deviceId),
      )
      .slice(0, 10),
    chattering,
    stale: current.stale ?? 0,
    shelved: current.shelved ?? 0,
    outOfService: current.oos ?? 0,
    bySeverity,
    ackP50Ms: percentile(ackTimes, 0.5),
    ackP90Ms: percentile(ackTimes, 0.9),
  };
}

/** three annunciations of one alarm inside any 60 s window */
function chatters(times: readonly number[]): boolean {
  for (let i = CHATTER_COUNT - 1; i < times.length; i++) {
    if ((times[i] ?? 0) - (times[i - CHATTER_COUNT + 1] ?? 0) <= CHATTER_WINDOW_MS) return true;
  }
  return false;
}

/**
 * From each episode's first annunciation to its first acknowledgement (into `active_ack`, or
 * out of `rtn_unack` by an operator), for acknowledgements within the period.
 */
function acknowledgementTimes(db: Db, from: number, to: number): number[] {
  const rows = db
    .prepare(
      `SELECT ack.at - raised.at AS ms FROM
         (SELECT episode_id, MIN(at) AS at FROM alarm_transitions
           WHERE actor IS NOT NULL AND episode_id IS NOT NULL AND shadow = 0
             AND (to_state = 'active_ack' OR (from_state = 'rtn_unack' AND to_state = 'normal'))
           GROUP BY episode_id) AS ack
       JOIN
         (SELECT episode_id, MIN(at) AS at FROM alarm_transitions
           WHERE to_state = 'active_unack' AND episode_id IS NOT NULL AND shadow = 0
           GROUP BY episode_id) AS raised
       USING (episode_id)
       WHERE ack.at >= ? AND ack.at < ?
       ORDER BY ms`,
    )
    .all(from, to) as { ms: number }[];
  return rows.map((r) => r.ms);
}

/** nearest-rank percentile of an ascending list */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? null;
}
