/**
 * The mosquitto listeners a plant's broker needs to trust commissioned devices: mutual TLS
 * against the project CA, the CA's CRL, and the certificate's CN (the device id) as the
 * MQTT username, so ACLs can say `pattern readwrite plant/+/%u/#`; and, for devices given
 * a pre-shared key instead, a TLS-PSK listener whose psk_file Fieldline exports, with the
 * PSK identity (also the device id) as the username.
 */

export interface MosquittoConfOptions {
  port: number;
  caFile: string;
  crlFile: string;
  certFile: string;
  keyFile: string;
  /** bind to one address (tests: 127.0.0.1); all interfaces when left out */
  bindAddress?: string;
  /** a second listener for TLS-PSK devices on this port; none when left out */
  pskPort?: number;
  /** where the broker reads the exported psk_file (needed with pskPort) */
  pskFile?: string;
}

/** The `psk_hint` the listener sends; devices ignore it (their identity is their device id). */
export const PSK_HINT = 'fieldline';

/** mosquitto reads a path up to the end of the line: a newline would inject directives. */
function confValue(name: string, value: string): string {
  if (value.length === 0 || /[\r\n\0]/.test(value)) {
    throw new Error(`${name} must be a non-empty path on one line`);
  }
  return value;
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be 1-65535, got ${port}`);
  }
  return port;
}

function listenerLine(port: number, bindAddress: string | undefined): string {
  return bindAddress ? `listener ${port} ${confValue('bindAddress', bindAddress)}` : `listener ${port}`;
}

export function mosquittoListenerConf(options: MosquittoConfOptions): string {
  checkPort('port', options.port);
  const lines = [
    '# Fieldline: devices authenticate with certificates from the project CA (mutual TLS).',
    '# Refresh crlfile from Fieldline (Credentials > Broker config) after revoking a device,',
    '# and at least every few months: mosquitto refuses every client once the CRL expires.',
    listenerLine(options.port, options.bindAddress),
    `cafile ${confValue('caFile', options.caFile)}`,
    `crlfile ${confValue('crlFile', options.crlFile)}`,
    `certfile ${confValue('certFile', options.certFile)}`,
    `keyfile ${confValue('keyFile', options.keyFile)}`,
    'require_certificate true',
    'use_identity_as_username true',
    '# the minimum version: TLS 1.3 clients are accepted too',
    'tls_version tlsv1.2',
    '',
  ];
  if (options.pskPort !== undefined) lines.push(mosquittoPskListenerConf(options));
  return lines.join('\n');
}

/** The TLS-PSK listener alone: no certificates, the key itself authenticates both ends. */
export function mosquittoPskListenerConf(
  options: Pick<MosquittoConfOptions, 'pskPort' | 'pskFile' | 'bindAddress'> & { port?: number },
): string {
  const pskPort = checkPort('pskPort', options.pskPort ?? Number.NaN);
  if (pskPort === options.port) throw new Error('pskPort must differ from the mutual-TLS port');
  if (options.pskFile === undefined) throw new Error('pskFile is needed with pskPort');
  return [
    '# Fieldline: devices with a pre-shared key (TLS-PSK; TLS 1.2 PSK cipher suites, no certificates).',
    '# The PSK identity (the device id) becomes the MQTT username. psk_file is secret: keep it',
    '# 0600 and owned by mosquitto; export it again after commissioning or re-keying a PSK device',
    '# and reload mosquitto (SIGHUP): a device whose key is not in the file is refused.',
    listenerLine(pskPort, options.bindAddress),
    `psk_hint ${PSK_HINT}`,
    `psk_file ${confValue('pskFile', options.pskFile)}`,
    'use_identity_as_username true',
    'tls_version tlsv1.2',
    '',
  ].join('\n');
}

/**
 * mosquitto's psk_file: one `identity:hexkey` line each. mosquitto splits a line at its
 * first `:`, so an identity holding one (or a line break) cannot be written and is refused.
 */
export function mosquittoPskFile(entries: { identity: string; keyHex: string }[]): string {
  const lines: string[] = [];
  for (const { identity, keyHex } of entries) {
    if (identity.length === 0 || /[:\s\0]/.test(identity)) {
      throw new Error(`PSK identity "${identity.slice(0, 80)}" cannot go in a psk_file`);
    }
    if (!/^([0-9a-fA-F]{2}){16,64}$/.test(keyHex)) {
      throw new Error(`the key of PSK identity "${identity}" is not 16-64 bytes of hex`);
    }
    lines.push(`${identity}:${keyHex.toLowerCase()}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
