/**
 * From one alarm notice to the delivery rows it causes: the routes whose matchers and
 * minimum severity fit its labels (first match, or every match marked `continue`), minus
 * silences and mute windows active now, with flood control and escalation. Each episode
 * remembers which channels were told it began, so an acknowledgement or a resolve goes to
 * exactly those and a silenced raise is not followed by a lone resolve. Runs inside the
 * caller's transaction, together with the notice cursor.
 */
import type Database from 'better-sqlite3';
import { SEVERITIES } from '../../../common/alarm-contract';
import type { DesktopNotice, Policy } from '../../../common/notify-contract';
import type { AlarmNotice } from '../alarms/alarm-notices';
import type { DeliveryOutbox } from './delivery-outbox';
import { FloodDetector } from './flood-detector';
import { matches } from './label-matchers';
import { inMuteWindow } from './mute-windows';
import type { AlertItem, DeliveryKind } from './notify-message';
import type { SavedMuteWindow, Silence } from './policy-store';

type Route = Policy['routes'][number];

const FLOOD_TITLE = 'Alarm flood: more alarms than anyone can act on; only critical ones were paged';
const LATE_TITLE = 'Alarms found in back-filled data that began and ended before they were reported';
/** notify_episodes.stage of an alarm raised while silenced or muted: held, sent when that ends */
const HELD = -1;

export interface RouterContext {
  policy: Policy;
  silences: readonly Silence[];
  muteWindows: readonly SavedMuteWindow[];
  /** whether the channel exists, is enabled and groups alerts */
  channel(id: string): { groups: boolean } | undefined;
  /** the journaled end (cleared or ended) of an episode, if the alarm engine already wrote it */
  endOf?(dedupKey: string): AlarmNotice | undefined;
}

interface EpisodeRow {
  dedup_key: string;
  channels: string;
  notice: string;
  route: string | null;
  stage: number;
  round: number;
  escalate_at: number | null;
  repeat_at: number | null;
}

function desktopOf(notice: AlarmNotice): DesktopNotice {
  return {
    dedupKey: notice.dedupKey,
    title: `${notice.transition.severity ?? 'alarm'}: ${notice.ruleName}`,
    body: notice.summary,
    severity: notice.transition.severity,
    at: notice.transition.deviceTime,
  };
}

export function alertOf(notice: AlarmNotice): AlertItem {
  const t = notice.transition;
  return {
    dedupKey: notice.dedupKey,
    ruleName: notice.ruleName,
    summary: notice.summary,
    severity: t.severity,
    deviceId: t.deviceId,
    labels: notice.labels,
    state: t.to,
    value: t.value,
    at: t.deviceTime,
    episodeStart: notice.episodeStart,
  };
}

export class NoticeRouter {
  /** the app's own desktop notifications for the notices routed since the last take */
  private desktop: DesktopNotice[] = [];
  private readonly s;
  private readonly flood: FloodDetector;

  constructor(
    db: Database.Database,
    private readonly outbox: DeliveryOutbox,
  ) {
    this.flood = new FloodDetector(db);
    this.s = {
      episode: db.prepare<[string], EpisodeRow>('SELECT * FROM notify_episodes WHERE dedup_key = ?'),
      putEpisode: db.prepare(
        `INSERT INTO notify_episodes (dedup_key, channels, notice, route, stage, round, escalate_at, repeat_at, updated_at)
         VALUES (@dedup_key, @channels, @notice, @route, @stage, @round, @escalate_at, @repeat_at, @updated_at)
         ON CONFLICT (dedup_key) DO UPDATE SET channels = excluded.channels, notice = excluded.notice,
         route = excluded.route, stage = excluded.stage, round = excluded.round,
         escalate_at = excluded.escalate_at, repeat_at = excluded.repeat_at, updated_at = excluded.updated_at`,
      ),
      stopEscalation: db.prepare('UPDATE notify_episodes SET escalate_at = NULL WHERE dedup_key = ?'),
      // acknowledged, shelved or suppressed: someone knows; no more stages, no more reminders
      quiet: db.prepare(
        'UPDATE notify_episodes SET escalate_at = NULL, repeat_at = NULL WHERE dedup_key = ?',
      ),
      setRepeat: db.prepare('UPDATE notify_episodes SET repeat_at = ? WHERE dedup_key = ?'),
      dueRepeats: db.prepare<[number], EpisodeRow>(
        'SELECT * FROM notify_episodes WHERE repeat_at IS NOT NULL AND repeat_at <= ? ORDER BY repeat_at',
      ),
      deleteEpisode: db.prepare('DELETE FROM notify_episodes WHERE dedup_key = ?'),
      dueEscalations: db.prepare<[number], EpisodeRow>(
        'SELECT * FROM notify_episodes WHERE escalate_at IS NOT NULL AND escalate_at <= ? ORDER BY escalate_at',
      ),
      held: db.prepare<[], EpisodeRow>(
        `SELECT * FROM notify_episodes WHERE stage = ${HELD} ORDER BY updated_at, dedup_key`,
      ),
    };
  }

  /** what the notice means to the people on the policy's routes */
  route(notice: AlarmNotice, ctx: RouterContext, now: number): void {
    if (notice.shadow) return;
    const episode = this.s.episode.get(notice.dedupKey);
    switch (notice.kind) {
      case 'raised':
        this.raise(notice, ctx, now);
        return;
      case 'escalated':
      case 'deescalated':
        // still held: it will be sent with the severity it has when the silence ends
        if (episode?.stage === HELD) this.hold(notice, now);
        // the same dedup key re-triggered: PagerDuty updates the incident's severity
        else if (episode) this.send(notice, JSON.parse(episode.channels), 'trigger', ctx, now, episode.route);
        else if (notice.kind === 'escalated') this.raise(notice, ctx, now);
        return;
      case 'acknowledged':
        if (!episode) return;
        // someone knows already: nothing to send when the silence ends
        if (episode.stage === HELD) {
          this.s.deleteEpisode.run(notice.dedupKey);
          return;
        }
        this.s.quiet.run(notice.dedupKey);
        this.send(notice, JSON.parse(episode.channels), 'acknowledge', ctx, now, episode.route);
        return;
      case 'cleared':
      case 'ended':
        if (!episode) return;
        this.s.deleteEpisode.run(notice.dedupKey);
        this.send(notice, JSON.parse(episode.channels), 'resolve', ctx, now, episode.route);
        return;
      case 'shelved':
      case 'suppressed':
        // an operator or the design took it out of view: nobody else is paged about it
        if (episode?.stage === HELD) this.s.deleteEpisode.run(notice.dedupKey);
        else if (episode) this.s.quiet.run(notice.dedupKey);
        return;
      default:
        return;
    }
  }

  private raise(notice: AlarmNotice, ctx: RouterContext, now: number): void {
    const end = notice.transition.late ? ctx.endOf?.(notice.dedupKey) : undefined;
    if (quieted(notice, ctx, now)) {
      // Alertmanager's rule: still firing when the silence or mute window ends, it is sent then
      if (!end) this.hold(notice, now);
      return;
    }
    const routes = this.matchingRoutes(notice, ctx.policy);
    const route = routes[0];
    const channels = new Set<string>();
    for (const r of routes) {
      for (const c of r.channels) channels.add(c);
      for (const c of r.escalation?.stages[0]?.channels ?? []) channels.add(c);
    }
    if (routes.length === 0) for (const c of ctx.policy.defaultChannels) channels.add(c);
    const live = [...channels].filter((c) => ctx.channel(c));
    if (end) {
      // back-filled and already over: told in one digest, never paged
      const alert = { ...alertOf(notice), endedAt: end.transition.deviceTime };
      for (const c of live) this.outbox.addToDigest(c, 'late', LATE_TITLE, [alert], now);
      return;
    }
    const pages = this.flood.raise(notice.transition.severity, now, ctx.policy.flood);
    if (pages) this.desktop.push(desktopOf(notice));
    if (live.length === 0) return;
    if (!pages) {
      // one digest per channel for the whole flood, sent a minute after it began
      for (const c of live) {
        this.outbox.addToDigest(c, 'flood', FLOOD_TITLE, [alertOf(notice)], now, now + 60_000);
      }
      return;
    }
    const stage0 = route?.escalation?.stages[0];
    this.s.putEpisode.run({
      dedup_key: notice.dedupKey,
      channels: JSON.stringify(live),
      notice: JSON.stringify(notice),
      route: route?.name ?? null,
      stage: 0,
      round: 0,
      escalate_at: stage0 ? now + stage0.ackTimeoutMs : null,
      repeat_at: route ? now + route.repeatIntervalMs : null,
      updated_at: now,
    });
    this.send(notice, live, 'trigger', ctx, now, route?.name ?? null);
  }

  private hold(notice: AlarmNotice, now: number): void {
    this.s.putEpisode.run({
      dedup_key: notice.dedupKey,
      channels: '[]',
      notice: JSON.stringify(notice),
      route: null,
      stage: HELD,
      round: 0,
      escalate_at: null,
      repeat_at: null,
      updated_at: now,
    });
  }

  /** alarms held by a silence or mute window that has ended since: raised now, with their start time */
  release(ctx: RouterContext, now: number): void {
    for (const ep of this.s.held.all()) {
      const notice = JSON.parse(ep.notice) as AlarmNotice;
      if (quieted(notice, ctx, now)) continue;
      this.s.deleteEpisode.run(ep.dedup_key);
      this.raise(notice, ctx, now);
    }
  }

  takeDesktop(): DesktopNotice[] {
    const out = this.desktop;
    this.desktop = [];
    return out;
  }

  /** alarms still firing and unacknowledged: told again every repeat interval */
  repeat(ctx: RouterContext, now: number): void {
    for (const ep of this.s.dueRepeats.all(now)) {
      const route = ctx.policy.routes.find((r) => r.name === ep.route);
      if (!route) {
        this.s.setRepeat.run(null, ep.dedup_key);
        continue;
      }
      this.s.setRepeat.run(now + route.repeatIntervalMs, ep.dedup_key);
      const notice = JSON.parse(ep.notice) as AlarmNotice;
      this.send(notice, JSON.parse(ep.channels), 'trigger', ctx, now, ep.route);
    }
  }

  /** stages whose ack timeout passed: the next stage's channels are paged too */
  escalate(ctx: RouterContext, now: number): void {
    for (const ep of this.s.dueEscalations.all(now)) {
      const route = ctx.policy.routes.find((r) => r.name === ep.route);
      const stages = route?.escalation?.stages;
      if (!route?.escalation || !stages) {
        this.s.stopEscalation.run(ep.dedup_key);
        continue;
      }
      let stage = ep.stage + 1;
      let round = ep.round;
      if (stage >= stages.length) {
        if (round >= route.escalation.repeats) {
          this.s.stopEscalation.run(ep.dedup_key);
          continue;
        }
        stage = 0;
        round += 1;
      }
      const next = stages[stage];
      if (!next) continue;
      const notice = JSON.parse(ep.notice) as AlarmNotice;
      const targets = next.channels.filter((c) => ctx.channel(c));
      const told = new Set<string>([...(JSON.parse(ep.channels) as string[]), ...targets]);
      this.s.putEpisode.run({
        dedup_key: ep.dedup_key,
        channels: JSON.stringify([...told]),
        notice: ep.notice,
        route: ep.route,
        stage,
        round,
        escalate_at: now + next.ackTimeoutMs,
        repeat_at: ep.repeat_at,
        updated_at: now,
      });
      this.send(notice, targets, 'trigger', ctx, now, ep.route);
    }
  }

  private matchingRoutes(notice: AlarmNotice, policy: Policy): Route[] {
    const rank = SEVERITIES.indexOf(notice.transition.severity ?? 'info');
    const out: Route[] = [];
    for (const r of policy.routes) {
      if (rank < SEVERITIES.indexOf(r.minSeverity) || !matches(r.matchers, notice.labels)) continue;
      out.push(r);
      if (!r.continue) break;
    }
    return out;
  }

  private send(
    notice: AlarmNotice,
    channels: readonly string[],
    kind: DeliveryKind,
    ctx: RouterContext,
    now: number,
    routeName: string | null,
  ): void {
    const route = ctx.policy.routes.find((r) => r.name === routeName);
    for (const channelId of channels) {
      const channel = ctx.channel(channelId);
      if (!channel) continue;
      const groupKey = channel.groups && route ? groupKeyOf(route, notice) : notice.dedupKey;
      const notBefore =
        channel.groups && route
          ? this.outbox.groupTime(channelId, groupKey, kind, now, route.groupWaitMs, route.groupIntervalMs)
          : now;
      this.outbox.enqueue(
        { channelId, dedupKey: notice.dedupKey, kind, groupKey, alerts: [alertOf(notice)], notBefore },
        now,
      );
    }
  }
}

function quieted(notice: AlarmNotice, ctx: RouterContext, now: number): boolean {
  const labels = notice.labels;
  if (ctx.silences.some((s) => s.startsAt <= now && now < s.endsAt && matches(s.matchers, labels)))
    return true;
  const tz = ctx.policy.siteTimeZone;
  return ctx.muteWindows.some((w) => matches(w.matchers, labels) && inMuteWindow(w, now, tz));
}

function groupKeyOf(route: Route, notice: AlarmNotice): string {
  return JSON.stringify([route.name, ...route.groupBy.map((l) => notice.labels[l] ?? '')]);
}
