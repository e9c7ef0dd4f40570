/**
 * The mosquitto listener a plant's broker needs to trust commissioned devices: mutual TLS
 * against the project CA, the CA's CRL, and the certificate's CN (the device id) as the
 * MQTT username, so ACLs can say `pattern readwrite plant/+/%u/#`.
 */

export interface MosquittoConfOptions {
  port: number;
  caFile: string;
  crlFile: string;
  certFile: string;
  keyFile: string;
  /** bind to one address (tests: 127.0.0.1); all interfaces when left out */
  bindAddress?: string;
}

/** mosquitto reads a path up to the end of the line: a newline would inject directives. */
function confValue(name: string, value: string): string {
  if (value.length === 0 || /[\r\n\0]/.test(value)) {
    throw new Error(`${name} must be a non-empty path on one line`);
  }
  return value;
}

export function mosquittoListenerConf(options: MosquittoConfOptions): string {
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new Error(`port must be 1-65535, got ${options.port}`);
  }
  const listener = options.bindAddress
    ? `listener ${options.port} ${confValue('bindAddress', options.bindAddress)}`
    : `listener ${options.port}`;
  return [
    '# Fieldline: devices authenticate with certificates from the project CA (mutual TLS).',
    '# Refresh crlfile from Fieldline (Credentials > Broker config) after revoking a device,',
    '# and at least every few months: mosquitto refuses every client once the CRL expires.',
    listener,
    `cafile ${confValue('caFile', options.caFile)}`,
    `crlfile ${confValue('crlFile', options.crlFile)}`,
    `certfile ${confValue('certFile', options.certFile)}`,
    `keyfile ${confValue('keyFile', options.keyFile)}`,
    'require_certificate true',
    'use_identity_as_username true',
    '# the minimum version: TLS 1.3 clients are accepted too',
    'tls_version tlsv1.2',
    '',
  ].join('\n');
}
