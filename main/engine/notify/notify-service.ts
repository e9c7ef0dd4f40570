/**
 * Notification delivery: reads alarm notices through its own cursor, turns them into
 * delivery rows in the same transaction (so nothing is lost, at worst sent twice), pages
 * the next escalation stage when an ack timeout passes, and sends what is due through each
 * channel within its rate limit. A channel that failed and comes back first gets the
 * episodes that began and ended meanwhile as one digest; still-active ones go as triggers
 * carrying the time they began.
 */
import type Database from 'better-sqlite3';
import type { DesktopNotice } from '../../../common/notify-contract';
import type { WebhookOutbox } from '../alarms/actions/webhook-action';
import type { AlarmNotice, AlarmNoticeSource } from '../alarms/alarm-notices';
import type { Logger } from '../log';
import type { SecretStore } from '../secrets/secret-store';
import { TokenBucket } from './backoff';
import { ChannelStore, type StoredChannel } from './channel-store';
import { EmailChannel } from './channels/email-channel';
import { MqttChannel, type MqttPublisher } from './channels/mqtt-channel';
import { PagerDutyChannel } from './channels/pagerduty-channel';
import { WebhookChannel } from './channels/webhook-channel';
import { DeliveryOutbox, type DeliveryRow } from './delivery-outbox';
import { alertOf, NoticeRouter, type RouterContext } from './notice-router';
import type { AlertItem, Channel, NotifyMessage, SendOutcome } from './notify-message';
import { PolicyStore } from './policy-store';

export const CONSUMER = 'notify';
const TICK_MS = 1000;
const NOTICE_BATCH = 500;
/** how far past a late raise the journal is searched for the end of its episode */
const LATE_LOOKAHEAD = 5000;

export interface NotifyOptions {
  db: Database.Database;
  secrets: SecretStore;
  source: AlarmNoticeSource;
  publishMqtt: MqttPublisher;
  log: Logger;
  now?: () => number;
  random?: () => number;
  /** extra trust anchors for SMTP relays (tests, a site CA) */
  smtpCa?: string;
}

export class NotifyService {
  readonly channels: ChannelStore;
  readonly policies: PolicyStore;
  readonly outbox: DeliveryOutbox;
  private readonly router: NoticeRouter;
  private readonly now: () => number;
  private readonly live = new Map<string, { key: string; channel: Channel }>();
  private readonly buckets = new Map<string, TokenBucket>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private readonly desktopListeners = new Set<(n: DesktopNotice) => void>();

  constructor(private readonly options: NotifyOptions) {
    this.now = options.now ?? Date.now;
    this.channels = new ChannelStore(options.db, options.secrets);
    this.policies = new PolicyStore(options.db);
    this.outbox = new DeliveryOutbox(options.db, options.random);
    this.router = new NoticeRouter(options.db, this.outbox);
  }

  start(): void {
    this.unsubscribe = this.options.source.onNotices(() => void this.tick());
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    void this.tick();
  }

  /** one round: new notices, due escalations, due deliveries; rounds never overlap */
  tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          this.consume();
          const ctx = this.context();
          try {
            this.options.db.transaction(() => {
              this.router.release(ctx, this.now());
              this.router.escalate(ctx, this.now());
              this.router.repeat(ctx, this.now());
            })();
          } catch (error) {
            this.router.takeDesktop();
            throw error;
          }
          this.emitDesktop();
          await this.dispatch();
        } catch (error) {
          this.options.log.error('notification round failed', { error: (error as Error).message });
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private context(): RouterContext {
    const channels = new Map(this.channels.list().map((c) => [c.id, c]));
    return {
      policy: this.policies.policy(),
      silences: this.policies.silences(),
      muteWindows: this.policies.muteWindows(),
      channel: (id) => {
        const c = channels.get(id);
        return c?.enabled ? { groups: c.config.kind !== 'pagerduty' } : undefined;
      },
    };
  }

  private consume(): void {
    const { db, source } = this.options;
    for (;;) {
      const notices = source.after(source.cursor(CONSUMER), NOTICE_BATCH);
      if (notices.length === 0) return;
      const ctx = { ...this.context(), endOf: endsAfterLateRaises(source, notices) };
      try {
        db.transaction(() => {
          const now = this.now();
          for (const n of notices) {
            // each notice in its own savepoint: one the router cannot read is skipped whole,
            // logged, and does not hold back the ones after it
            try {
              db.transaction(() => this.router.route(n, ctx, now))();
            } catch (error) {
              this.options.log.error('alarm notice skipped: it cannot be routed', {
                seq: n.seq,
                error: (error as Error).message,
              });
            }
          }
          source.advance(CONSUMER, notices.at(-1)?.seq ?? 0);
        })();
      } catch (error) {
        this.router.takeDesktop();
        throw error;
      }
      this.emitDesktop();
    }
  }

  /** shown only once the deliveries they go with are committed */
  private emitDesktop(): void {
    for (const n of this.router.takeDesktop()) for (const l of this.desktopListeners) l(n);
  }

  private async dispatch(): Promise<void> {
    const now = this.now();
    const stored = new Map(this.channels.list().map((c) => [c.id, c]));
    for (const c of stored.values()) if (c.lastResult && !c.lastResult.ok) this.collapseOffline(c.id, now);
    const batches = new Map<string, DeliveryRow[][]>();
    const taken = new Set<number>();
    const due = this.outbox.due(now);
    for (const head of due) {
      if (taken.has(head.id)) continue;
      const channel = stored.get(head.channelId);
      const groups = channel && channel.config.kind !== 'pagerduty';
      const batch = groups
        ? due.filter(
            (r) =>
              !taken.has(r.id) &&
              r.channelId === head.channelId &&
              r.groupKey === head.groupKey &&
              r.kind === head.kind,
          )
        : [head];
      for (const r of batch) taken.add(r.id);
      const list = batches.get(head.channelId) ?? [];
      list.push(batch);
      batches.set(head.channelId, list);
    }
    // channels in parallel, each one's messages in order
    await Promise.all(
      [...batches].map(async ([channelId, list]) => {
        for (const batch of list) {
          if (this.closed) return;
          const channel = stored.get(channelId);
          if (!channel?.enabled) {
            this.outbox.defer(batch, this.now() + 60_000);
            continue;
          }
          await this.deliver(channel, batch);
        }
      }),
    );
  }

  /** episodes that began and ended while the channel was failing: one digest, not a page and a resolve */
  private collapseOffline(channelId: string, now: number): void {
    const rows = this.outbox.endedWhileWaiting(channelId);
    if (rows.length === 0) return;
    const byKey = new Map<string, DeliveryRow[]>();
    for (const r of rows) byKey.set(r.dedupKey, [...(byKey.get(r.dedupKey) ?? []), r]);
    const alerts: AlertItem[] = [];
    for (const list of byKey.values()) {
      const first = list.find((r) => r.kind === 'trigger')?.alerts[0];
      const end = list.findLast((r) => r.kind === 'resolve')?.alerts[0];
      if (first) alerts.push({ ...first, endedAt: end?.at ?? null });
    }
    this.options.db.transaction(() => {
      this.outbox.markMerged(rows, now, 'sent in the digest of alarms that began and ended while offline');
      this.outbox.addToDigest(
        channelId,
        'offline',
        'Alarms that began and ended while notifications could not be delivered',
        alerts,
        now,
      );
    })();
  }

  private async deliver(stored: StoredChannel, batch: DeliveryRow[]): Promise<void> {
    const head = batch[0];
    if (!head) return;
    let channel: Channel;
    try {
      channel = this.channelFor(stored);
    } catch (error) {
      const outcome: SendOutcome = { ok: false, retry: true, detail: (error as Error).message };
      this.outbox.markFailed(batch, outcome, this.now());
      this.channels.recordResult(stored.id, this.now(), false, outcome.detail);
      return;
    }
    const bucket = this.bucketFor(channel);
    const token = bucket.take(this.now());
    if (!token.ok) {
      this.outbox.defer(batch, this.now() + token.waitMs);
      return;
    }
    const message: NotifyMessage = {
      kind: head.kind,
      dedupKey: head.dedupKey,
      id: `fieldline-delivery-${head.id}`,
      alerts: sortAlerts(batch.flatMap((r) => r.alerts)),
      title: head.title,
    };
    const outcome = await channel.send(message);
    const at = this.now();
    if (outcome.ok) this.outbox.markSent(batch, at);
    else {
      this.outbox.markFailed(batch, outcome, at);
      this.options.log.warn('notification not delivered', { channel: stored.id, detail: outcome.detail });
    }
    this.channels.recordResult(stored.id, at, outcome.ok, outcome.detail);
  }

  /** "Send a test": now, outside grouping, silences and the outbox; the endpoint's answer */
  async test(channelId: string): Promise<{ ok: boolean; detail: string }> {
    const stored = this.channels.get(channelId);
    if (!stored) return { ok: false, detail: `there is no channel "${channelId}"` };
    let outcome: SendOutcome;
    try {
      outcome = await this.channelFor(stored).send({
        kind: 'test',
        dedupKey: `fieldline-test-${channelId}-${this.now()}`,
        id: `fieldline-test-${this.now()}`,
        alerts: [],
      });
    } catch (error) {
      outcome = { ok: false, retry: false, detail: (error as Error).message };
    }
    this.channels.recordResult(channelId, this.now(), outcome.ok, outcome.detail);
    return { ok: outcome.ok, detail: outcome.detail };
  }

  private channelFor(stored: StoredChannel): Channel {
    const secret = this.channels.secret(stored.id);
    const key = JSON.stringify([stored.config, secret ?? null]);
    const cached = this.live.get(stored.id);
    if (cached?.key === key) return cached.channel;
    void cached?.channel.close?.();
    const c = stored.config;
    let channel: Channel;
    if (c.kind === 'pagerduty') channel = new PagerDutyChannel(c.endpoint, need(secret, 'routing key'));
    else if (c.kind === 'webhook')
      channel = new WebhookChannel(c.url, need(secret, 'signing secret'), this.now);
    else if (c.kind === 'email')
      channel = new EmailChannel({ ...c, password: secret, ca: this.options.smtpCa });
    else channel = new MqttChannel(c, this.options.publishMqtt);
    this.live.set(stored.id, { key, channel });
    return channel;
  }

  private bucketFor(channel: Channel): TokenBucket {
    let bucket = this.buckets.get(channel.rateKey);
    if (!bucket) {
      bucket = new TokenBucket(channel.perMinute, 60_000, this.now());
      this.buckets.set(channel.rateKey, bucket);
    }
    return bucket;
  }

  /**
   * Where rules' `webhook` edge actions queue their notices: straight into a webhook
   * channel's outbox, outside routing and silences, signed and retried like any message.
   */
  readonly webhookOutbox: WebhookOutbox = {
    refusal: (channelId) => {
      const channel = this.channels.get(channelId);
      if (!channel) return `no notification channel "${channelId}"`;
      if (channel.config.kind !== 'webhook') return `channel "${channelId}" is not a webhook channel`;
      if (!channel.enabled) return `channel "${channelId}" is disabled`;
      return undefined;
    },
    enqueue: (channelId: string, notice: AlarmNotice) => {
      const now = this.now();
      const resolves = notice.kind === 'cleared' || notice.kind === 'ended';
      this.outbox.enqueue(
        {
          channelId,
          dedupKey: notice.dedupKey,
          kind: resolves ? 'resolve' : 'trigger',
          groupKey: `action:${notice.seq}`,
          alerts: [alertOf(notice)],
          notBefore: now,
        },
        now,
      );
      // sent once the action's transaction has committed
      setImmediate(() => void this.tick());
    },
  };

  onDesktop(listener: (n: DesktopNotice) => void): () => void {
    this.desktopListeners.add(listener);
    return () => this.desktopListeners.delete(listener);
  }

  /** forgets a deleted or edited channel's connection */
  forget(channelId: string): void {
    void this.live.get(channelId)?.channel.close?.();
    this.live.delete(channelId);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.running;
    await Promise.all([...this.live.values()].map((l) => l.channel.close?.()));
    this.live.clear();
  }
}

/**
 * Back-filled data can hold a whole episode: its raise and its end are journaled together,
 * both late. Looking past the raise tells the router the episode is already over.
 */
function endsAfterLateRaises(
  source: AlarmNoticeSource,
  notices: readonly AlarmNotice[],
): (dedupKey: string) => AlarmNotice | undefined {
  const lateRaise = notices.find((n) => n.kind === 'raised' && n.transition?.late);
  if (!lateRaise) return () => undefined;
  const ends = new Map<string, AlarmNotice>();
  for (const n of source.after(lateRaise.seq, LATE_LOOKAHEAD)) {
    if ((n.kind === 'cleared' || n.kind === 'ended') && !ends.has(n.dedupKey)) ends.set(n.dedupKey, n);
  }
  return (dedupKey) => ends.get(dedupKey);
}

function need(secret: string | undefined, what: string): string {
  if (!secret) throw new Error(`the ${what} is missing: enter it in the channel's settings`);
  return secret;
}

/** the most severe first, so a stack light or a subject line shows the worst */
function sortAlerts(alerts: AlertItem[]): AlertItem[] {
  const rank = { critical: 3, high: 2, warning: 1, info: 0 } as const;
  return [...alerts].sort((a, b) => rank[b.severity ?? 'info'] - rank[a.severity ?? 'info']);
}
