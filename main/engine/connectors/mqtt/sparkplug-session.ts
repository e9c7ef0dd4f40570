/**
 * The MQTT connector's Sparkplug B side as a host application: node and device messages go
 * to the SparkplugTracker, STATE messages to HostStates, and a node in trouble (seq gap,
 * DATA before BIRTH, unknown alias) gets a reorder window before we ask it for a rebirth
 * with an NCMD `Node Control/Rebirth` = true ([tck-id-operational-behavior-host-reordering-start],
 * [tck-id-operational-behavior-host-reordering-rebirth]), at most once per rebirth interval.
 */
import type { Reading } from '../../../../common/reading';
import { parseSparkplugTopic, SPARKPLUG_NAMESPACE, SparkplugTracker, sparkplugCodec } from './sparkplug';
import { HostStates, parseStateTopic } from './sparkplug-state';

export interface SparkplugSessionOptions {
  /** connector id, the readings' source */
  source: string;
  /** how long a seq gap may wait for its missing messages ("Reorder Timeout") */
  reorderTimeoutMs: number;
  /** at most one rebirth request per node this often */
  rebirthIntervalMs: number;
}

export interface SparkplugHooks {
  /** publish a command (QoS 0, not retained: [tck-id-topics-ncmd-qos], [tck-id-topics-ncmd-retain]) */
  publish(topic: string, payload: Uint8Array): void;
  /** a decode or protocol error found outside a message (a reorder window that elapsed) */
  error(message: string): void;
  /** the summary changed outside a message */
  changed(): void;
}

export interface SparkplugResult {
  readings: Reading[];
  errors: string[];
  discovered: string[];
  /** online state or host state changed: refresh the status detail */
  changed: boolean;
}

export class SparkplugSession {
  readonly tracker: SparkplugTracker;
  readonly hosts = new HostStates();
  private readonly windows = new Map<string, NodeJS.Timeout>();
  private readonly lastAsk = new Map<string, number>();
  rebirthsAsked = 0;

  constructor(
    private readonly options: SparkplugSessionOptions,
    private readonly hooks: SparkplugHooks,
  ) {
    sparkplugCodec(); // fail at construction, not at the first rebirth, if the library is missing
    this.tracker = new SparkplugTracker(options.source);
  }

  handle(topic: string, payload: Uint8Array, now: number): SparkplugResult {
    const out: SparkplugResult = { readings: [], errors: [], discovered: [], changed: false };
    const host = parseStateTopic(topic);
    if (host !== null) {
      const { error } = this.hosts.update(host, payload);
      if (error) out.errors.push(`sparkplug host ${error}`);
      out.changed = true;
      return out;
    }
    const parsed = parseSparkplugTopic(topic);
    if (!parsed) {
      out.errors.push(`${topic}: not a Sparkplug B topic`);
      return out;
    }
    const event = this.tracker.handle(parsed, payload, now);
    out.readings = event.readings;
    out.errors = event.errors;
    out.discovered = event.discovered;
    out.changed = event.stateChanged;
    if (event.rebirth) this.openWindow(parsed.group, parsed.edge, this.options.reorderTimeoutMs);
    return out;
  }

  /**
   * "host scada online; sparkplug nodes 1 online / 0 offline, devices …": the host state
   * first, because the Connections table shows only the start of a long detail.
   */
  detail(): string {
    const s = this.tracker.summary();
    const parts = [
      `sparkplug nodes ${s.nodesOnline} online / ${s.nodesOffline} offline, ` +
        `devices ${s.devicesOnline} online / ${s.devicesOffline} offline`,
    ];
    const hosts = this.hosts.describe();
    if (hosts) parts.unshift(hosts);
    if (s.precisionLost > 0) parts.push(`${s.precisionLost} 64-bit values beyond 2^53 rounded (suspect)`);
    return parts.join('; ');
  }

  /** Clears the reorder windows (the connector stops; it may start again). */
  stop(): void {
    for (const t of this.windows.values()) clearTimeout(t);
    this.windows.clear();
  }

  /** One window per node: later trouble inside it waits for the same deadline. */
  private openWindow(group: string, edge: string, ms: number): void {
    const key = `${group}/${edge}`;
    if (this.windows.has(key)) return;
    if (this.windows.size >= 10_000) return;
    const timer = setTimeout(() => {
      this.windows.delete(key);
      this.windowElapsed(group, edge);
    }, ms);
    timer.unref?.();
    this.windows.set(key, timer);
  }

  private windowElapsed(group: string, edge: string): void {
    const key = `${group}/${edge}`;
    const now = Date.now();
    const last = this.lastAsk.get(key);
    if (last !== undefined && now - last < this.options.rebirthIntervalMs) {
      // asked recently: look again when the node may be asked again, if it is still in trouble
      this.openWindow(group, edge, last + this.options.rebirthIntervalMs - now);
      return;
    }
    const reason = this.tracker.rebirthReason(group, edge);
    if (reason === null) return;
    if (this.lastAsk.size >= 10_000) this.lastAsk.clear();
    this.lastAsk.set(key, now);
    this.hooks.error(
      `sparkplug ${key}: ${reason} within ${this.options.reorderTimeoutMs} ms; asked for a rebirth`,
    );
    try {
      const body = sparkplugCodec().encodePayload({
        timestamp: now,
        metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true, timestamp: now }],
      });
      this.hooks.publish(`${SPARKPLUG_NAMESPACE}/${group}/NCMD/${edge}`, body);
      this.rebirthsAsked++;
    } catch (error) {
      this.hooks.error(`could not ask ${key} for a rebirth: ${(error as Error).message}`);
    }
    this.hooks.changed();
  }
}
