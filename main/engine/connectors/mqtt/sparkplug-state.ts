/**
 * Sparkplug 3.0 Host Application STATE (spec §6.4.27 / §4.2.3): `spBv1.0/STATE/<host_id>`,
 * retained JSON `{"online":true|false,"timestamp":<ms>}` ([tck-id-host-topic-phid-birth-payload],
 * [tck-id-operational-behavior-host-application-death-payload]; later drafts add `bdSeq`, which
 * is accepted and ignored). It is not a protobuf payload and never a decode error when well
 * formed; an empty payload is a cleared retained message and forgets the host.
 */
import { SPARKPLUG_NAMESPACE } from './sparkplug';

/** A STATE payload is a few dozen bytes; anything far larger is not one. */
const MAX_STATE_PAYLOAD = 4096;
const MAX_HOSTS = 100;
const MAX_HOST_ID = 200;

export function stateTopicFilter(): string {
  return `${SPARKPLUG_NAMESPACE}/STATE/+`;
}

/** The host id of a `spBv1.0/STATE/<host_id>` topic, or null. */
export function parseStateTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== SPARKPLUG_NAMESPACE || parts[1] !== 'STATE') return null;
  const host = parts[2]!;
  return host.length > 0 && host.length <= MAX_HOST_ID ? host : null;
}

export interface HostState {
  online: boolean;
  /** the host's own time of the change, ms; null when it sent none */
  timestamp: number | null;
}

export function decodeStatePayload(bytes: Uint8Array): HostState | { error: string } {
  if (bytes.length > MAX_STATE_PAYLOAD) return { error: 'STATE payload larger than 4 KiB' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { error: 'STATE payload is not UTF-8 JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { error: 'STATE payload is not a JSON object' };
  }
  const { online, timestamp } = parsed as Record<string, unknown>;
  if (typeof online !== 'boolean') return { error: 'STATE payload has no boolean "online"' };
  if (timestamp !== undefined && !(typeof timestamp === 'number' && Number.isFinite(timestamp))) {
    return { error: 'STATE payload "timestamp" is not a number' };
  }
  return { online, timestamp: typeof timestamp === 'number' ? timestamp : null };
}

/** The last STATE of every host application seen on the broker. */
export class HostStates {
  private readonly hosts = new Map<string, HostState>();

  /** Applies one STATE message; returns an error for a malformed one. */
  update(host: string, bytes: Uint8Array): { error?: string } {
    if (bytes.length === 0) {
      this.hosts.delete(host);
      return {};
    }
    const state = decodeStatePayload(bytes);
    if ('error' in state) return { error: `${host}: ${state.error}` };
    const before = this.hosts.get(host);
    // a STATE older than the one we hold is a stale retained or reordered message
    if (before?.timestamp != null && state.timestamp !== null && state.timestamp < before.timestamp)
      return {};
    if (!before && this.hosts.size >= MAX_HOSTS) return { error: 'too many sparkplug host applications' };
    this.hosts.set(host, state);
    return {};
  }

  get(host: string): HostState | undefined {
    return this.hosts.get(host);
  }

  /** e.g. "host scada online" or "hosts a online, b offline"; empty with no host seen. */
  describe(): string {
    if (this.hosts.size === 0) return '';
    const all = [...this.hosts].map(([id, s]) => `${id} ${s.online ? 'online' : 'offline'}`);
    const shown = all.slice(0, 3).join(', ');
    const more = all.length > 3 ? ` and ${all.length - 3} more` : '';
    return `${all.length === 1 ? 'host' : 'hosts'} ${shown}${more}`;
  }
}
