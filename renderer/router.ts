/**
 * Routes live in the URL fragment: the headless host serves one index.html for every
 * path only at '/', and in the desktop app the page is a file, so only the hash can
 * change without a reload. A reload therefore lands on the same screen.
 */
import { useSyncExternalStore } from 'react';

export type Route =
  | { name: 'fleet' }
  | { name: 'device'; deviceId: string }
  | { name: 'connections' }
  | { name: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/') return { name: 'fleet' };
  if (path === '/connections') return { name: 'connections' };
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
    case 'device':
      return `#/device/${escapeSegment(route.deviceId)}`;
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
