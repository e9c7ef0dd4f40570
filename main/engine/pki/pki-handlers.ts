/**
 * The 'pki.*' RPC handlers. The CA is opened lazily (creating it on first use costs a key
 * generation and a write), so the handlers take a getter; `lazyCredentials` is one that
 * opens once, shares the open, and tries again after a failure instead of caching it.
 */
import { RpcError } from '../../../common/protocol';
import type { RequestHandlers } from '../rpc/rpc-server';
import type { DeviceCredentials, DeviceCredentialsOptions } from './device-credentials';
import { CredentialsError, ProjectCaError, UnknownCertificateError } from './pki-errors';

export type PkiHandlers = Pick<
  RequestHandlers,
  'pki.status' | 'pki.certificates' | 'pki.revoke' | 'pki.brokerConfig'
>;

export function lazyCredentials(options: DeviceCredentialsOptions): () => Promise<DeviceCredentials> {
  let opening: Promise<DeviceCredentials> | undefined;
  return () => {
    if (!opening) {
      // loaded here, not at start: @peculiar/x509 and its polyfills cost ~60 ms a start that may never need them
      opening = import('./device-credentials').then(({ DeviceCredentials }) =>
        DeviceCredentials.open(options),
      );
      opening.catch(() => {
        opening = undefined;
      });
    }
    return opening;
  };
}

export function createPkiHandlers(
  getCredentials: () => Promise<DeviceCredentials>,
  keyProtection: string,
): PkiHandlers {
  const credentials = async () => {
    try {
      return await getCredentials();
    } catch (error) {
      // a CA that cannot be opened (missing key, wrong master key) is a state to show, not a crash
      if (error instanceof ProjectCaError || error instanceof CredentialsError) {
        throw new RpcError('UNAVAILABLE', error.message);
      }
      throw error;
    }
  };
  return {
    'pki.status': async () => {
      const status = (await credentials()).status();
      return { ...status, ca: { ...status.ca, keyProtection } };
    },
    'pki.certificates': async (params) => (await credentials()).certificates(params?.deviceId),
    'pki.revoke': async ({ serialHex, reason }) => {
      const creds = await credentials();
      try {
        return creds.revoke(serialHex, reason);
      } catch (error) {
        if (error instanceof UnknownCertificateError) throw new RpcError('NOT_FOUND', error.message);
        throw error;
      }
    },
    'pki.brokerConfig': async (params) => {
      const creds = await credentials();
      const options = {
        port: params?.port ?? 8883,
        caFile: params?.caFile ?? '/etc/mosquitto/certs/fieldline-ca.pem',
        crlFile: params?.crlFile ?? '/etc/mosquitto/certs/fieldline-crl.pem',
        certFile: params?.certFile ?? '/etc/mosquitto/certs/server.pem',
        keyFile: params?.keyFile ?? '/etc/mosquitto/certs/server.key',
        ...(params?.bindAddress ? { bindAddress: params.bindAddress } : {}),
        ...(params?.pskPort !== undefined
          ? { pskPort: params.pskPort, pskFile: params.pskFile ?? '/etc/mosquitto/fieldline.psk' }
          : {}),
      };
      let mosquittoConf: string;
      try {
        mosquittoConf = creds.mosquittoConf(options);
      } catch (error) {
        throw new RpcError('INVALID_PARAMS', (error as Error).message);
      }
      return { caPem: creds.caPem, crlPem: await creds.crlPem(), mosquittoConf, pskFile: creds.pskFile() };
    },
  };
}
