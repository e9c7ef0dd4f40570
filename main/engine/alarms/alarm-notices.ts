/**
 * The seam between the alarm engine and what reacts to it (notification routing, edge
 * actions, cloud sync). The engine writes one notice per journaled transition into
 * `alarm_notices` in the same SQLite transaction as the transition; each consumer reads them
 * in order through its own cursor in `alarm_cursors` and advances it in the same transaction
 * as whatever it derives (a delivery row, an action log row), so a crash anywhere loses
 * nothing and a notice is handled at least once, never skipped.
 */
import type { AlarmState, AlarmTransition, Severity } from '../../../common/alarm-contract';

/** what a transition means to someone who is told about it */
export type NoticeKind =
  /** normal/pending → active: page */
  | 'raised'
  /** the ladder stepped up (warning → critical) while active */
  | 'escalated'
  /** the ladder stepped down while still active */
  | 'deescalated'
  /** an operator acknowledged it (from any channel) */
  | 'acknowledged'
  /** the condition cleared (active → rtn_unack or → normal) */
  | 'cleared'
  /** back to normal with nothing left to acknowledge: the episode is over */
  | 'ended'
  | 'shelved'
  | 'unshelved'
  /** suppressed by design (device offline) or out of service; no page */
  | 'suppressed'
  | 'unsuppressed';

export interface AlarmNotice {
  /** alarm_notices.seq: strictly increasing; consumers' cursors point here */
  seq: number;
  kind: NoticeKind;
  transition: AlarmTransition;
  ruleName: string;
  /**
   * the labels routing matches on: the rule's own labels plus `rule`, `device`, `metric`,
   * `severity`, `site`, `profile` (the device's, '' if unknown)
   */
  labels: Record<string, string>;
  /** SHA-256 hex of site, rule, instance key, episode: PagerDuty's dedup_key, stable per episode */
  dedupKey: string;
  /** human summary: "Boiler 3 temperature 91.2 °C above 85 °C (high)" */
  summary: string;
  /** shadow rules journal notices too; consumers must not notify or act on them */
  shadow: boolean;
  /** device time the episode began (for triggers sent late, after an outage) */
  episodeStart: number | null;
}

export interface AlarmNoticeSource {
  /** notices with seq > afterSeq, oldest first, at most `limit` */
  after(afterSeq: number, limit: number): AlarmNotice[];
  /** called after each commit that added notices; returns an unsubscribe */
  onNotices(listener: () => void): () => void;
  /** a consumer's cursor (0 when it never read) */
  cursor(consumer: string): number;
  /** call inside the consumer's own db.transaction, with what it derived from the notices */
  advance(consumer: string, seq: number): void;
  /** current states, for consumers that start late (the banner, flood detection) */
  states(): ReadonlyMap<string, { state: AlarmState; severity: Severity | null }>;
}

/** operator actions arriving from outside the app (a PagerDuty ack, an e-mailed ack link) */
export interface AlarmOperator {
  acknowledge(keys: string[], actor: string, comment?: string): void;
}
