/**
 * Runs the rules' edge actions (`mqtt-publish`, `device-write`, `webhook`) on alarm notices, with no
 * cloud: notices are read in order through the 'actions' cursor; each action whose `on`
 * matches the notice (raised → active, cleared or ended → cleared, escalated) is tried, and
 * its outcome logged (with an audit entry for device writes) before the cursor moves past.
 *
 * At least once, honestly: an action logged is never repeated and one not logged is never
 * skipped, but a crash after the send and before its log row commits sends it again on the
 * next start. Both actions write absolute values (a setpoint, a state message), so a repeat
 * is harmless. A link that is down holds the queue, in order, with backoff, until the
 * action is older than `expireMs`; then it is logged as failed and the queue moves on.
 * Shadow rules' notices are passed over.
 */

import type { ActionOutcome } from '../../../../common/actions-contract';
import type { Action } from '../../../../common/alarm-contract';
import type { AuditInput } from '../../audit/audit-log';
import type { Logger } from '../../log';
import type { Db } from '../../store/database';
import type { AlarmNotice, AlarmNoticeSource, NoticeKind } from '../alarm-notices';
import type { ActionLog } from './action-log';
import type { Attempt } from './attempt';

export const ACTIONS_CONSUMER = 'actions';

type Trigger = ActionOutcome['trigger'];
type EdgeAction = Extract<Action, { kind: 'mqtt-publish' | 'device-write' | 'webhook' }>;

const TRIGGERS: Partial<Record<NoticeKind, Trigger>> = {
  raised: 'active',
  cleared: 'cleared',
  ended: 'cleared',
  escalated: 'escalated',
};

export interface ActionRunnerOptions {
  db: Db;
  source: AlarmNoticeSource;
  log: ActionLog;
  /** the current actions of a rule (none for a rule deleted since) */
  ruleActions(ruleId: string): readonly Action[];
  perform(action: EdgeAction, notice: AlarmNotice): Promise<Attempt>;
  audit(entry: AuditInput): void;
  logger: Logger;
  now?: () => number;
  /** an action its link could not take for this long after the transition is given up */
  expireMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** notices from an alarm engine that does not call onNotices are found this often */
  pollMs?: number;
}

function isEdgeAction(a: Action): a is EdgeAction {
  return a.kind === 'mqtt-publish' || a.kind === 'device-write' || a.kind === 'webhook';
}

export class ActionRunner {
  private readonly now: () => number;
  private readonly expireMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;
  private poll: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  /** tries of the action at the head of the queue, for its log row */
  private attempts = new Map<string, number>();
  private readonly advanceTx: (seq: number) => void;
  private readonly settleTx: (
    outcome: ActionOutcome,
    audit: AuditInput | undefined,
    commit: (() => void) | undefined,
  ) => void;

  constructor(private readonly o: ActionRunnerOptions) {
    this.now = o.now ?? Date.now;
    this.expireMs = o.expireMs ?? 10 * 60_000;
    this.retryMinMs = o.retryMinMs ?? 1000;
    this.retryMaxMs = o.retryMaxMs ?? 60_000;
    this.retryDelay = this.retryMinMs;
    this.advanceTx = o.db.transaction((seq: number) => o.source.advance(ACTIONS_CONSUMER, seq));
    this.settleTx = o.db.transaction(
      (outcome: ActionOutcome, audit: AuditInput | undefined, commit: (() => void) | undefined) => {
        commit?.();
        o.log.record(outcome);
        if (audit) o.audit(audit);
      },
    );
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.o.source.onNotices(() => this.kick());
    this.poll = setInterval(() => this.kick(), this.o.pollMs ?? 1000);
    this.poll.unref?.();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.poll);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.running;
  }

  /** handles every notice there is now (or until one must wait for its link); for tests and shutdown */
  async drain(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.retryTimer) return; // waiting out a backoff: the queue is held in order
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop()
      .catch((error) => this.o.logger.error('edge actions stopped on an error', { error: String(error) }))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async loop(): Promise<void> {
    this.again = false;
    for (;;) {
      const batch = this.o.source.after(this.o.source.cursor(ACTIONS_CONSUMER), 100);
      if (batch.length === 0) return;
      for (const notice of batch) {
        if (this.stopped) return;
        if (!(await this.handle(notice))) {
          this.scheduleRetry();
          return;
        }
      }
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.retryMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delay);
    this.retryTimer.unref?.();
  }

  /** false: an action must wait for its link; the notice stays at the head of the queue */
  private async handle(notice: AlarmNotice): Promise<boolean> {
    const trigger = TRIGGERS[notice.kind];
    const t = notice.transition;
    if (trigger !== undefined && !notice.shadow) {
      const actions = this.o.ruleActions(t.ruleId);
      for (const [index, action] of actions.entries()) {
        if (!isEdgeAction(action) || !action.on.includes(trigger)) continue;
        if (this.o.log.has(notice.seq, index)) continue;
        // cleared then acknowledged is one clear: the end of the episode does not repeat it
        if (
          notice.kind === 'ended' &&
          t.episodeId !== null &&
          this.o.log.settledInEpisode(t.episodeId, t.ruleId, index, 'cleared')
        ) {
          continue;
        }
        if (!(await this.run(notice, trigger, index, action))) return false;
      }
    }
    this.advanceTx(notice.seq);
    this.retryDelay = this.retryMinMs;
    return true;
  }

  private async run(
    notice: AlarmNotice,
    trigger: Trigger,
    index: number,
    action: EdgeAction,
  ): Promise<boolean> {
    const key = `${notice.seq}:${index}`;
    const tries = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, tries);
    let attempt: Attempt;
    try {
      attempt = await this.o.perform(action, notice);
    } catch (error) {
      attempt = { outcome: 'retry', target: action.kind, detail: String((error as Error)?.message ?? error) };
    }
    const t = notice.transition;
    let outcome: ActionOutcome['outcome'];
    let detail = attempt.detail;
    if (attempt.outcome === 'retry') {
      if (this.now() - t.at < this.expireMs && !this.stopped) {
        if (tries === 1 || tries % 10 === 0) {
          this.o.logger.warn('edge action waiting for its link', {
            rule: t.ruleId,
            target: attempt.target,
            detail,
          });
        }
        return false;
      }
      if (this.stopped) return false;
      outcome = 'failed';
      detail = `gave up after ${tries} tries over ${Math.round((this.now() - t.at) / 1000)} s: ${detail}`;
    } else {
      outcome = attempt.outcome;
    }
    this.attempts.delete(key);
    const write = action.kind === 'device-write' ? action : undefined;
    const settled: ActionOutcome = {
      noticeSeq: notice.seq,
      actionIndex: index,
      ruleId: t.ruleId,
      episodeId: t.episodeId,
      trigger,
      kind: action.kind,
      deviceId: write ? write.deviceId : t.deviceId,
      metric: write ? write.metric : t.metric,
      target: attempt.target,
      outcome,
      detail,
      attempts: tries,
      at: this.now(),
    };
    const audit: AuditInput | undefined = write && {
      actor: `rule:${t.ruleId}`,
      action: outcome === 'done' ? 'device.write' : `device.write.${outcome}`,
      subject: write.deviceId,
      after: {
        metric: write.metric,
        value: write.value,
        target: attempt.target,
        detail,
        episodeId: t.episodeId,
        noticeSeq: notice.seq,
      },
    };
    this.settleTx(settled, audit, attempt.outcome === 'retry' ? undefined : attempt.commit);
    return true;
  }
}
