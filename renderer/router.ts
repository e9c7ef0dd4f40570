/**
 * Routes live in the URL fragment: the headless host serves one index.html for every
 * path only at '/', and in the desktop app the page is a file, so only the hash can
 * change without a reload. A reload therefore lands on the same screen.
 */
import { useSyncExternalStore } from 'react';

export interface SeriesRef {
  deviceId: string;
  metric: string;
}

export type Route =
  | { name: 'fleet' }
  | { name: 'device'; deviceId: string }
  | { name: 'compare'; series: SeriesRef[] }
  | { name: 'connections' }
  | { name: 'storage' }
  /** a connector's own tool: serial monitor, MQTT topic browser, BLE explorer */
  | { name: 'serial' | 'mqtt' | 'ble'; connectorId: string }
  /** the commissioning wizard: its start page, one session, one batch */
  | { name: 'commission' }
  | { name: 'commission-session'; sessionId: string }
  | { name: 'commission-batch'; batchId: string }
  /** the device registry, with one device's detail panel open */
  | { name: 'registry'; deviceId: string | null }
  | { name: 'audit' }
  | { name: 'credentials' }
  | { name: 'sync' }
  /** device profiles, with one open in the editor */
  | { name: 'profiles'; profileId: string | null }
  | { name: 'firmware' }
  | { name: 'rollouts' }
  | { name: 'notifications' }
  /** the alarm list; the rule list with one rule open in the editor */
  | { name: 'alarms' }
  | { name: 'alarm-rules'; ruleId: string | null }
  | { name: 'alarm-kpis' }
  | { name: 'not-found'; hash: string };

const TOOL_ROUTES = ['serial', 'mqtt', 'ble'] as const;

/**
 * `s=<device>:<metric>,<device>:<metric>`: metric names are escaped whole, so the last
 * unescaped ':' of an item is the separator even for device ids like "ble:AA-BB".
 */
function parseSeriesList(query: string): SeriesRef[] | null {
  const value = query
    .split('&')
    .find((part) => part.startsWith('s='))
    ?.slice(2);
  if (!value) return [];
  const refs: SeriesRef[] = [];
  for (const item of value.split(',')) {
    const colon = item.lastIndexOf(':');
    if (colon <= 0 || colon === item.length - 1) return null;
    try {
      refs.push({
        deviceId: decodeURIComponent(item.slice(0, colon)),
        metric: decodeURIComponent(item.slice(colon + 1)),
      });
    } catch {
      return null;
    }
  }
  return refs;
}

export function parseRoute(hash: string): Route {
  const full = hash.replace(/^#/, '');
  const [path = '', query = ''] = full.split('?', 2);
  if (path === '' || path === '/') return { name: 'fleet' };
  if (path === '/connections') return { name: 'connections' };
  if (path === '/storage') return { name: 'storage' };
  if (path === '/commission' || path === '/commission/') return { name: 'commission' };
  if (path === '/registry' || path === '/registry/') return { name: 'registry', deviceId: null };
  if (path === '/audit') return { name: 'audit' };
  if (path === '/credentials') return { name: 'credentials' };
  if (path === '/sync') return { name: 'sync' };
  if (path === '/firmware') return { name: 'firmware' };
  if (path === '/rollouts') return { name: 'rollouts' };
  if (path === '/notifications') return { name: 'notifications' };
  if (path === '/alarms' || path === '/alarms/') return { name: 'alarms' };
  if (path === '/alarms/rules' || path === '/alarms/rules/') return { name: 'alarm-rules', ruleId: null };
  if (path === '/alarms/kpis' || path === '/alarms/kpis/') return { name: 'alarm-kpis' };
  if (path === '/profiles' || path === '/profiles/') return { name: 'profiles', profileId: null };
  const segment = (pattern: RegExp, make: (value: string) => Route): Route | null => {
    const match = pattern.exec(path);
    if (!match?.[1]) return null;
    try {
      return make(decodeURIComponent(match[1]));
    } catch {
      return { name: 'not-found', hash };
    }
  };
  const named =
    segment(/^\/commission\/batch\/([^/?#]+)\/?$/, (batchId) => ({ name: 'commission-batch', batchId })) ??
    segment(/^\/commission\/([^/?#]+)\/?$/, (sessionId) => ({ name: 'commission-session', sessionId })) ??
    segment(/^\/registry\/([^/?#]+)\/?$/, (deviceId) => ({ name: 'registry', deviceId })) ??
    segment(/^\/profiles\/([^/?#]+)\/?$/, (profileId) => ({ name: 'profiles', profileId })) ??
    segment(/^\/alarms\/rules\/([^/?#]+)\/?$/, (ruleId) => ({ name: 'alarm-rules', ruleId }));
  if (named) return named;
  if (path === '/compare') {
    const series = parseSeriesList(query);
    return series ? { name: 'compare', series } : { name: 'not-found', hash };
  }
  const tool = /^\/(serial|mqtt|ble)\/([^/?#]+)\/?$/.exec(path);
  const toolName = TOOL_ROUTES.find((t) => t === tool?.[1]);
  if (tool?.[2] && toolName) {
    try {
      return { name: toolName, connectorId: decodeURIComponent(tool[2]) };
    } catch {
      return { name: 'not-found', hash };
    }
  }
  const device = /^\/device\/([^/?#]+)\/?$/.exec(path);
  if (device?.[1]) {
    try {
      return { name: 'device', deviceId: decodeURIComponent(device[1]) };
    } catch {
      return { name: 'not-found', hash };
    }
  }
  return { name: 'not-found', hash };
}

/**
 * Device ids are escaped only as far as a fragment needs (':' '@' '-' stay readable), so
 * `#/device/<id>` reads the same as the id printed elsewhere.
 */
function escapeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (escaped) =>
    decodeURIComponent(escaped),
  );
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'fleet':
      return '#/';
    case 'connections':
      return '#/connections';
    case 'storage':
      return '#/storage';
    case 'commission':
      return '#/commission';
    case 'commission-session':
      return `#/commission/${escapeSegment(route.sessionId)}`;
    case 'commission-batch':
      return `#/commission/batch/${escapeSegment(route.batchId)}`;
    case 'registry':
      return route.deviceId === null ? '#/registry' : `#/registry/${escapeSegment(route.deviceId)}`;
    case 'audit':
      return '#/audit';
    case 'credentials':
      return '#/credentials';
    case 'sync':
      return '#/sync';
    case 'firmware':
      return '#/firmware';
    case 'rollouts':
      return '#/rollouts';
    case 'notifications':
      return '#/notifications';
    case 'alarms':
      return '#/alarms';
    case 'alarm-rules':
      return route.ruleId === null ? '#/alarms/rules' : `#/alarms/rules/${escapeSegment(route.ruleId)}`;
    case 'alarm-kpis':
      return '#/alarms/kpis';
    case 'profiles':
      return route.profileId === null ? '#/profiles' : `#/profiles/${escapeSegment(route.profileId)}`;
    case 'compare': {
      // ',' separates items and the last ':' splits one, so both are escaped in parts
      const device = (id: string) =>
        encodeURIComponent(id).replace(/%(3A|40)/gi, (e) => decodeURIComponent(e));
      const items = route.series.map((r) => `${device(r.deviceId)}:${encodeURIComponent(r.metric)}`);
      return `#/compare?s=${items.join(',')}`;
    }
    case 'device':
      return `#/device/${escapeSegment(route.deviceId)}`;
    case 'serial':
    case 'mqtt':
    case 'ble':
      return `#/${route.name}/${escapeSegment(route.connectorId)}`;
    case 'not-found':
      return route.hash;
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefFor(route);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const currentHash = () => window.location.hash;

/** The current route; re-renders on every hash change (links, back/forward, typing). */
export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, currentHash));
}
