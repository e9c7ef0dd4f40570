/**
 * A connector whose devices are simulated in process: it samples them on their own
 * schedules, puts the samples on its wire format, misbehaves the way real links do
 * (a duplicate, a reading held back and delivered late, an impossible value), and
 * decodes the result like a real connector would.
 */
import type { ConnectorStatus } from '../../../common/contract';
import type { Transport } from '../../../common/reading';
import type { Connector, ConnectorSink } from '../connectors/connector';
import type { DemoSite } from './demo-site-definition';
import { hashSeed, type Sample, SimulatedDevice, seededRandom } from './simulated-device';
import type { WireCodec } from './wire-codecs';

const TICK_MS = 50;
/** after a long stall (laptop asleep) catch up at most this many samples per device */
const MAX_CATCH_UP = 40;
const GLITCH_VALUES = [-999, 3276.7];

export interface SimulatedConnectorOptions<M> {
  id: string;
  kind: Transport;
  label: string;
  detail: string;
  devices: DemoSite['devices'];
  anomalies: DemoSite['anomalies'];
  codec: WireCodec<M>;
  sink: ConnectorSink;
  now?: () => number;
}

export class SimulatedConnector<M> implements Connector {
  readonly id: string;
  private readonly devices: SimulatedDevice[];
  private readonly random: () => number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  /** messages held back to arrive after later ones, as a retrying link delivers them */
  private held: { message: M; releaseAt: number }[] = [];
  private statusValue: ConnectorStatus;
  private readonly wireListeners = new Set<(messages: readonly M[], now: number) => void>();

  constructor(protected readonly options: SimulatedConnectorOptions<M>) {
    this.id = options.id;
    this.now = options.now ?? Date.now;
    this.random = seededRandom(hashSeed(options.id));
    const now = this.now();
    this.devices = options.devices.map((d) => new SimulatedDevice(d, now));
    this.statusValue = {
      id: options.id,
      kind: options.kind,
      label: options.label,
      state: 'disconnected',
      detail: options.detail,
      devices: this.devices.length,
      messagesIn: 0,
      readingsIn: 0,
      decodeErrors: 0,
      lastError: null,
      since: now,
    };
  }

  status(): ConnectorStatus {
    return { ...this.statusValue };
  }

  start(): void {
    if (this.timer) return;
    this.setState('connecting');
    for (const device of this.devices) {
      const d = device.definition;
      this.options.sink.deviceSeen({
        id: d.id,
        name: d.name,
        kind: d.kind,
        profile: d.profile,
        transport: this.options.kind,
        connectorId: this.id,
      });
    }
    this.setState('connected');
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.setState('disconnected');
  }

  /** The messages each tick puts on the wire, in delivery order: the demo's tool adapters tap them. */
  onWire(listener: (messages: readonly M[], now: number) => void): () => void {
    this.wireListeners.add(listener);
    return () => this.wireListeners.delete(listener);
  }

  /** One scheduling step; public so tests can drive time themselves. */
  tick(now = this.now()): void {
    const messages: M[] = [];
    const { anomalies, codec } = this.options;
    for (const device of this.devices) {
      let produced = 0;
      while (device.nextDue <= now) {
        if (produced < MAX_CATCH_UP) {
          const sample = device.sample(device.nextDue);
          if (this.random() < anomalies.impossible) this.glitch(sample);
          const encoded = codec.encode(sample);
          for (const message of encoded) {
            const r = this.random();
            if (r < anomalies.outOfOrder) {
              this.held.push({ message, releaseAt: now + device.intervalMs * (1.5 + this.random() * 2) });
            } else {
              messages.push(message);
              if (r < anomalies.outOfOrder + anomalies.duplicate) messages.push(message);
            }
          }
        }
        produced++;
        device.nextDue += device.intervalMs;
      }
      if (produced > MAX_CATCH_UP) device.nextDue = now + device.intervalMs;
    }
    const late = this.held.filter((h) => h.releaseAt <= now);
    if (late.length > 0) {
      this.held = this.held.filter((h) => h.releaseAt > now);
      for (const h of late) messages.push(h.message);
    }
    if (messages.length === 0) return;
    for (const listener of this.wireListeners) listener(messages, now);
    this.delivered(messages);
    const decoded = codec.decode(messages, now);
    const s = this.statusValue;
    s.messagesIn += decoded.messages;
    s.readingsIn += decoded.readings.length;
    if (decoded.invalid) s.invalidValues = (s.invalidValues ?? 0) + decoded.invalid;
    if (decoded.logLines) s.logLines = (s.logLines ?? 0) + decoded.logLines;
    if (decoded.errors.length > 0) {
      s.decodeErrors += decoded.errors.length;
      s.lastError = decoded.errors.at(-1) ?? null;
    }
    if (decoded.readings.length > 0) this.options.sink.readings(decoded.readings);
  }

  /** every message the link delivers, in order, before decoding (the demo's topic browser taps it) */
  protected delivered(_messages: M[]): void {}

  private glitch(sample: Sample): void {
    // battery levels are clamped by their 1-byte encoding, so glitch a process value
    const metrics = Object.keys(sample.values).filter((m) => m !== 'battery');
    const metric = metrics[Math.floor(this.random() * metrics.length)];
    if (metric) sample.values[metric] = GLITCH_VALUES[Math.floor(this.random() * GLITCH_VALUES.length)]!;
  }

  private setState(state: ConnectorStatus['state']): void {
    this.statusValue.state = state;
    this.statusValue.since = this.now();
    this.options.sink.statusChanged(this.status());
  }
}
