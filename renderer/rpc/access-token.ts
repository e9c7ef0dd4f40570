/**
 * The headless host's access token. It arrives once in the URL fragment (fragments are
 * never sent to the server or in a Referer), is kept in sessionStorage so a reload still
 * connects, and is removed from the address bar so it does not end up in screenshots,
 * bookmarks or shoulder-surfing. Routes share the fragment, so whatever route came with
 * the token is kept.
 */

const STORAGE_KEY = 'fieldline.accessToken';

export interface TokenSplit {
  token: string | null;
  /** the fragment to show once the token is out, with its leading '#' */
  hash: string;
}

/**
 * Separates the token from a route in a fragment. Accepts `#token=T`,
 * `#token=T&route=/device/x`, `#/device/x?token=T` and `#/connections&token=T`.
 */
export function splitTokenFromHash(hash: string): TokenSplit {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  let route = '';
  let query = raw;
  if (raw.startsWith('/')) {
    const cut = raw.search(/[?&]/);
    route = cut === -1 ? raw : raw.slice(0, cut);
    query = cut === -1 ? '' : raw.slice(cut + 1);
  }
  const params = new URLSearchParams(query);
  const token = params.get('token');
  if (!token) return { token: null, hash: hash };
  const routeParam = params.get('route');
  if (!route && routeParam?.startsWith('/')) route = routeParam;
  return { token, hash: `#${route || '/'}` };
}

export interface TokenEnvironment {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
}

/** Takes the token out of the address bar if it is there; returns the token to use, if any. */
export function takeAccessToken(env: TokenEnvironment): string | null {
  const { token, hash } = splitTokenFromHash(env.location.hash);
  if (token) {
    try {
      env.storage?.setItem(STORAGE_KEY, token);
    } catch {
      // storage disabled: this page still works, a reload will need the URL again
    }
    env.history.replaceState(env.history.state, '', `${env.location.pathname}${env.location.search}${hash}`);
    return token;
  }
  try {
    return env.storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** sessionStorage, or null where the browser refuses it (some privacy modes throw). */
export function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
