/**
 * The request-target of an HTTP/1.1 request (RFC 9112 §3.2), checked before anything else
 * looks at it. Node hands `req.url` over as sent: `new URL()` on it throws on
 * `//localhost:99999/rpc` and reads `//evil/x` as another authority, and a decoded path may
 * hold NUL, backslashes or `..`. Only what a browser sends for this app's pages passes; the
 * rest is a 4xx answer, never an exception.
 */

/** The app's own URLs are far shorter; anything longer is a probe. */
export const MAX_TARGET_LENGTH = 2048;

export type TargetCheck =
  | {
      ok: true;
      /** percent-decoded, no empty, `.` or `..` segments; a trailing `/` kept */
      path: string;
      /** the authority of an absolute-form target (it replaces Host, RFC 9112 §3.2.2), else null */
      authority: string | null;
    }
  | { ok: false; status: 400 | 414; message: string };

/** RFC 3986 §3.3 path characters: pchar and "/" (pchar = unreserved / pct-encoded / sub-delims / ":" / "@") */
const PATH_CHARS = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
/** RFC 3986 §3.4, plus what browsers leave unescaped in a query; never spaces or controls */
const QUERY_CHARS = /^[\x21-\x22\x24-\x7e]*$/;
/** RFC 9110 §7.2 Host = uri-host [ ":" port ], limited to IP-literal, IPv4 and DNS names */
export const HOST_AND_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;
const SCHEME_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

function refuse(message: string, status: 400 | 414 = 400): TargetCheck {
  return { ok: false, status, message };
}

function checkPath(rawPath: string, authority: string | null): TargetCheck {
  const query = rawPath.indexOf('?');
  const pathPart = query === -1 ? rawPath : rawPath.slice(0, query);
  if (query !== -1 && !QUERY_CHARS.test(rawPath.slice(query + 1)))
    return refuse('Bad characters in the query');
  if (!PATH_CHARS.test(pathPart)) return refuse('Bad characters in the path');
  if (pathPart === '/') return { ok: true, path: '/', authority };
  const trailingSlash = pathPart.endsWith('/');
  const rawSegments = pathPart.slice(1, trailingSlash ? -1 : undefined).split('/');
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let segment: string;
    try {
      // throws on bad or overlong UTF-8 (e.g. %C0%AE, the classic "." in disguise)
      segment = decodeURIComponent(raw);
    } catch {
      return refuse('Bad percent-encoding in the path');
    }
    if (segment === '') return refuse('Empty path segment');
    if (segment === '.' || segment === '..') return refuse('Dot segments are not allowed');
    for (const char of segment) {
      const code = char.charCodeAt(0);
      if (code < 0x20 || code === 0x7f || char === '/' || char === '\\') {
        return refuse('Encoded separators or control characters in the path');
      }
    }
    segments.push(segment);
  }
  return { ok: true, path: `/${segments.join('/')}${trailingSlash ? '/' : ''}`, authority };
}

export function parseRequestTarget(target: string | undefined): TargetCheck {
  if (!target) return refuse('Empty request-target');
  if (target.length > MAX_TARGET_LENGTH) return refuse('Request-target too long', 414);
  // origin-form (§3.2.1): the only form browsers send to an origin server
  if (target.startsWith('/')) return checkPath(target, null);
  // absolute-form (§3.2.2): servers must accept it; the authority takes the place of Host
  if (SCHEME_PREFIX.test(target)) {
    const schemeEnd = target.indexOf('://');
    if (target.slice(0, schemeEnd).toLowerCase() !== 'http') return refuse('Only http: targets are served');
    const rest = target.slice(schemeEnd + 3);
    const authorityEnd = rest.search(/[/?]/);
    const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
    if (!HOST_AND_PORT.test(authority)) return refuse('Bad authority in the request-target');
    const path = authorityEnd === -1 ? '/' : rest.slice(authorityEnd);
    return checkPath(path.startsWith('?') ? `/${path}` : path, authority);
  }
  // authority-form (§3.2.3) is for CONNECT, asterisk-form (§3.2.4) for OPTIONS: neither is served
  if (target === '*') return refuse('Asterisk-form is only for OPTIONS, which this host does not serve');
  return refuse('Malformed request-target');
}
