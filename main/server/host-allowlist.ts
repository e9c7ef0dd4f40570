/**
 * Which Host headers name this host. DNS rebinding points an attacker's name at 127.0.0.1:
 * the browser then treats this host's pages as the attacker's origin and sends
 * `Host: attacker.example`. Answering only the names the host really listens under keeps
 * those requests out (RFC 9110 §7.4: 421 Misdirected Request).
 */
import os from 'node:os';
import { HOST_AND_PORT } from './request-target';

export type HostCheck = 'ok' | 'missing' | 'bad' | 'refused';

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]', '']);

/** One spelling per host: lower case, IPv4 and IPv6 literals in their canonical form. */
function canonicalHost(host: string): string | null {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
}

function literal(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** The names a request may use: loopback, the bound address, and when bound to every
 * interface, each interface's address and this machine's name. */
export function allowedHostNames(bindHost: string): Set<string> {
  const names = ['localhost', '127.0.0.1', '[::1]', literal(bindHost)];
  if (WILDCARD_ADDRESSES.has(bindHost)) {
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const info of addresses ?? []) {
        // link-local IPv6 needs a zone id, which a Host header cannot carry
        if (!info.address.includes('%')) names.push(literal(info.address));
      }
    }
    const hostname = os.hostname();
    names.push(hostname, `${hostname.split('.')[0]}.local`);
  }
  const canonical = new Set<string>();
  for (const name of names) {
    const c = canonicalHost(name);
    if (c) canonical.add(c);
  }
  return canonical;
}

export function createHostAllowlist(bindHost: string, port: number): (host: string | undefined) => HostCheck {
  const names = allowedHostNames(bindHost);
  return (host) => {
    if (host === undefined || host === '') return 'missing';
    const match = HOST_AND_PORT.exec(host);
    if (!match?.[1]) return 'bad';
    const name = canonicalHost(match[1]);
    if (name === null) return 'bad';
    const givenPort = match[2] === undefined ? 80 : Number(match[2]);
    return names.has(name) && givenPort === port ? 'ok' : 'refused';
  };
}
