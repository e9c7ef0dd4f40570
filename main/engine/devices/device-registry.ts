/**
 * The engine's view of every device: identity, counters, last value per metric and
 * whether it is reporting. Summaries that changed are collected and sent to the UI at
 * most every 500 ms, so a fleet at 10 Hz does not become 10 Hz of UI updates.
 */
import type { DeviceState, DeviceSummary, MetricInfo } from '../../../common/contract';
import { qualityFromCode } from '../../../common/reading';
import type { DeviceDescriptor } from '../connectors/connector';
import { MAX_FUTURE_SKEW_MS, MAX_PAST_SKEW_MS } from '../ingest/validate';
import type { DeviceProfile } from '../profiles/profile';
import type { BatchResult, ReadingStore } from '../store/reading-store';

const ONLINE_MIN_MS = 5000;
const STALE_MS = 60_000;
/** recent clock offsets kept per device; the median ignores a few late or replayed readings */
const SKEW_SAMPLES = 31;

interface DeviceEntry {
  descriptor: DeviceDescriptor;
  lastSeen: number | null;
  readings: number;
  duplicates: number;
  flagged: number;
  last: Map<string, NonNullable<MetricInfo['last']>>;
  state: DeviceState;
  byReason: { nulls: number; outOfRange: number; suspect: number; invalid: number };
  skews: number[];
  skewAt: number;
}

function newEntry(descriptor: DeviceDescriptor): DeviceEntry {
  return {
    descriptor,
    lastSeen: null,
    readings: 0,
    duplicates: 0,
    flagged: 0,
    last: new Map(),
    state: 'offline',
    byReason: { nulls: 0, outOfRange: 0, suspect: 0, invalid: 0 },
    skews: [],
    skewAt: 0,
  };
}

export class DeviceRegistry {
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly dirty = new Set<string>();
  /** devices whose name, kind and profile a person set: a connector's announcement keeps them */
  private readonly pinned = new Set<string>();
  /** a person gave a device another profile */
  onProfileAssigned: ((id: string) => void) | undefined;
  /** called once for each device first seen by a connector (not loaded from the cache) */
  onDiscovered: ((id: string) => void) | undefined;
  /** a metric's unit from its connector's config, for metrics the device's profile has no unit for */
  connectorUnit: ((connectorId: string, deviceId: string, metric: string) => string | undefined) | undefined;

  constructor(
    private readonly store: ReadingStore,
    private readonly profiles: ReadonlyMap<string, DeviceProfile>,
  ) {}

  /** Loads what the cache knows, so devices and their last values show before any new data. */
  load(now = Date.now()): void {
    for (const d of this.store.devices()) {
      const { firstSeen: _f, lastSeen, readings, duplicates, flagged, ...descriptor } = d;
      this.devices.set(d.id, { ...newEntry(descriptor), lastSeen, readings, duplicates, flagged });
    }
    for (const r of this.store.lastReadings()) {
      this.devices
        .get(r.deviceId)
        ?.last.set(r.metric, { ts: r.ts, value: r.value, quality: qualityFromCode(r.quality) });
    }
    for (const entry of this.devices.values()) entry.state = this.stateOf(entry, now);
  }

  has(id: string): boolean {
    return this.devices.has(id);
  }

  profileOf(id: string): DeviceProfile | undefined {
    const profile = this.devices.get(id)?.descriptor.profile;
    return profile === undefined ? undefined : this.profiles.get(profile);
  }

  register(announced: DeviceDescriptor): void {
    const existing = this.devices.get(announced.id);
    const descriptor =
      existing && this.pinned.has(announced.id)
        ? {
            ...announced,
            name: existing.descriptor.name,
            kind: existing.descriptor.kind,
            profile: existing.descriptor.profile,
          }
        : announced;
    if (existing && JSON.stringify(existing.descriptor) === JSON.stringify(descriptor)) return;
    this.store.upsertDevice(descriptor);
    if (existing) existing.descriptor = descriptor;
    else this.devices.set(descriptor.id, newEntry(descriptor));
    this.dirty.add(descriptor.id);
    if (!existing) this.onDiscovered?.(descriptor.id);
  }

  /** Forgets a device (see ReadingStore.removeDevice); it comes back as new if it reports again. */
  remove(id: string, readings: 'keep' | 'purge'): { readingsDeleted: number } {
    const outcome = this.store.removeDevice(id, readings);
    this.devices.delete(id);
    this.dirty.delete(id);
    this.pinned.delete(id);
    return outcome;
  }

  /** A person named the device or gave it a profile: later announcements must not undo it. */
  pin(id: string, changes: Partial<Pick<DeviceDescriptor, 'name' | 'kind' | 'profile'>> = {}): void {
    this.pinned.add(id);
    const entry = this.devices.get(id);
    if (!entry) return;
    const descriptor = { ...entry.descriptor, ...changes };
    if (JSON.stringify(descriptor) === JSON.stringify(entry.descriptor)) return;
    const reprofiled = descriptor.profile !== entry.descriptor.profile;
    entry.descriptor = descriptor;
    this.store.upsertDevice(descriptor);
    this.dirty.add(id);
    if (reprofiled) this.onProfileAssigned?.(id);
  }

  /** Identity and last arrival without building a summary: for sorting and filtering thousands. */
  brief(id: string): { descriptor: DeviceDescriptor; lastSeen: number | null } | undefined {
    const entry = this.devices.get(id);
    return entry && { descriptor: entry.descriptor, lastSeen: entry.lastSeen };
  }

  ids(): IterableIterator<string> {
    return this.devices.keys();
  }

  /** The newest reading of one metric by device time, without building a summary (alarm conditions read it per reading). */
  lastOf(id: string, metric: string): NonNullable<MetricInfo['last']> | undefined {
    return this.devices.get(id)?.last?.get(metric);
  }

  /** Online, stale or offline as of the last update, without building a summary. */
  currentState(id: string): DeviceState | undefined {
    return this.devices.get(id)?.state;
  }

  /** Marks a device changed so its summary goes out with the next update. */
  touch(id: string): void {
    if (this.devices.has(id)) this.dirty.add(id);
  }

  applyBatch(result: BatchResult, now = Date.now()): void {
    for (const [deviceId, counts] of result.perDevice) {
      const entry = this.devices.get(deviceId);
      if (!entry) continue;
      entry.readings += counts.stored;
      entry.duplicates += counts.duplicates;
      entry.flagged += counts.flagged;
      entry.lastSeen = Math.max(entry.lastSeen ?? 0, counts.lastArrived);
      entry.state = this.stateOf(entry, now);
      this.dirty.add(deviceId);
    }
    for (const r of result.accepted) {
      const entry = this.devices.get(r.deviceId);
      if (!entry) continue;
      if (r.quality === 'null') entry.byReason.nulls++;
      else if (r.quality === 'out-of-range') entry.byReason.outOfRange++;
      else if (r.quality === 'suspect') entry.byReason.suspect++;
      else if (r.quality === 'invalid') entry.byReason.invalid++;
      if (r.arrivedAt !== undefined) {
        entry.skews[entry.skewAt] = r.ts - r.arrivedAt;
        entry.skewAt = (entry.skewAt + 1) % SKEW_SAMPLES;
      }
      const last = entry.last;
      const previous = last?.get(r.metric);
      // the last value by device time: a late reading must not replace a newer one
      if (last && (!previous || r.ts >= previous.ts)) {
        last.set(r.metric, { ts: r.ts, value: r.value, quality: r.quality });
      }
    }
  }

  /** Re-evaluates online/stale/offline and returns (and forgets) what changed since the last call. */
  takeChanged(now = Date.now()): DeviceSummary[] {
    for (const [id, entry] of this.devices) {
      const state = this.stateOf(entry, now);
      if (state !== entry.state) {
        entry.state = state;
        this.dirty.add(id);
      }
    }
    const changed = [...this.dirty].flatMap((id) => {
      const entry = this.devices.get(id);
      return entry ? [this.summarize(entry)] : [];
    });
    this.dirty.clear();
    return changed;
  }

  list(): DeviceSummary[] {
    return [...this.devices.values()].map((e) => this.summarize(e));
  }

  get(id: string): DeviceSummary | undefined {
    const entry = this.devices.get(id);
    return entry ? this.summarize(entry) : undefined;
  }

  /** Devices that have this profile. */
  withProfile(profileId: string): string[] {
    const ids: string[] = [];
    for (const [id, e] of this.devices) if (e.descriptor.profile === profileId) ids.push(id);
    return ids.sort();
  }

  countByConnector(connectorId: string): number {
    let n = 0;
    for (const e of this.devices.values()) if (e.descriptor.connectorId === connectorId) n++;
    return n;
  }

  private stateOf(entry: DeviceEntry, now: number): DeviceState {
    if (entry.lastSeen === null) return 'offline';
    const profile = this.profiles.get(entry.descriptor.profile);
    const intervals = Object.values(profile?.metrics ?? {}).map((m) => m.expectedIntervalMs ?? 1000);
    const expected = intervals.length > 0 ? Math.min(...intervals) : 1000;
    const age = now - entry.lastSeen;
    if (age <= Math.max(ONLINE_MIN_MS, expected * 3)) return 'online';
    return age <= STALE_MS ? 'stale' : 'offline';
  }

  private summarize(entry: DeviceEntry): DeviceSummary {
    const profile = this.profiles.get(entry.descriptor.profile);
    const order = Object.keys(profile?.metrics ?? {});
    const rank = (m: string) => (order.includes(m) ? order.indexOf(m) : order.length);
    const metrics = [...entry.last.keys()]
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
      .map((name) => {
        const p = profile?.metrics[name];
        return {
          name,
          unit:
            p?.unit ?? this.connectorUnit?.(entry.descriptor.connectorId, entry.descriptor.id, name) ?? '',
          min: p?.min ?? null,
          max: p?.max ?? null,
          last: entry.last.get(name) ?? null,
        };
      });
    const d = entry.descriptor;
    const skew = median(entry.skews);
    return {
      id: d.id,
      name: d.name,
      kind: d.kind,
      profile: d.profile,
      transport: d.transport,
      connectorId: d.connectorId,
      state: entry.state,
      lastSeen: entry.lastSeen,
      metrics,
      counters: {
        readings: entry.readings,
        duplicates: entry.duplicates,
        flagged: entry.flagged,
        ...entry.byReason,
      },
      clockSkewMs: skew,
      clockSuspect: skew !== null && (skew > MAX_FUTURE_SKEW_MS || skew < -MAX_PAST_SKEW_MS),
    };
  }
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}
