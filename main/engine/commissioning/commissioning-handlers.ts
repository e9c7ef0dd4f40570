/** The commissioning methods and stream of the RPC contract. */
import { RpcError } from '../../../common/protocol';
import type { RegistryService } from '../registry/registry-service';
import type { RequestHandlers, StreamSources } from '../rpc/rpc-server';
import { reportCsv, reportHtml } from './commissioning-report';
import type { CommissioningService } from './commissioning-service';
import type { CredentialsPort } from './ports';
import { sameFingerprint } from './ports';

type Methods =
  | 'commissioning.start'
  | 'commissioning.list'
  | 'commissioning.get'
  | 'commissioning.run'
  | 'commissioning.wifiScan'
  | 'commissioning.abandon'
  | 'commissioning.next'
  | 'commissioning.rotateCredentials'
  | 'commissioning.report';

export interface CommissioningHandlerDeps {
  service: CommissioningService;
  registry: RegistryService;
  credentials: () => Promise<CredentialsPort & { activeSerial(deviceId: string): string | null }>;
}

export function createCommissioningHandlers({
  service,
  registry,
  credentials,
}: CommissioningHandlerDeps): Pick<RequestHandlers, Methods> {
  return {
    'commissioning.start': (p) => service.start(p?.batchId),
    'commissioning.list': (p) => service.list(p ?? {}),
    'commissioning.get': ({ sessionId }) => service.get(sessionId),
    'commissioning.run': ({ sessionId, run }) => {
      // the step's outcome arrives on commissioning.changed; a refused start throws here
      void service.run(sessionId, run).catch(() => {});
      return service.get(sessionId);
    },
    'commissioning.wifiScan': ({ sessionId }) => service.wifiScan(sessionId),
    'commissioning.abandon': ({ sessionId }) => service.abandon(sessionId),
    'commissioning.next': ({ sessionId, link, run }) =>
      service.next(sessionId, { ...(link ? { link } : {}), run }),
    'commissioning.rotateCredentials': async ({ deviceId, link }) => {
      const device = registry.require(deviceId);
      if (device.lifecycle !== 'commissioned' && device.lifecycle !== 'active') {
        throw new RpcError(
          'INVALID_PARAMS',
          `${deviceId} is ${device.lifecycle}; only commissioned devices get new certificates`,
        );
      }
      const ca = await credentials();
      const old = ca.activeSerial(deviceId);
      const channel = await service.openLink(link).catch((error: unknown) => {
        throw new RpcError('UNAVAILABLE', `cannot open the link to ${deviceId}: ${(error as Error).message}`);
      });
      try {
        const info = await channel.config.info();
        if (device.serialNumber && info.serialNumber !== device.serialNumber) {
          throw new RpcError(
            'INVALID_PARAMS',
            `the device on this link is serial ${info.serialNumber}, not ${deviceId} (serial ${device.serialNumber})`,
          );
        }
        const issued = await ca.issueCertificate(deviceId, { validityDays: 825 });
        const stored = await channel.config
          .setCredentials({
            kind: 'x509',
            certificatePem: issued.certificatePem,
            privateKeyPem: issued.privateKeyPem,
            caPem: issued.caPem,
          })
          .catch(async (error: unknown) => {
            await ca.revoke(issued.serialHex, 'unspecified');
            throw new RpcError(
              'UNAVAILABLE',
              `the device did not take the new certificate: ${(error as Error).message}`,
            );
          });
        if (!sameFingerprint(stored.fingerprint, issued.fingerprint)) {
          await ca.revoke(issued.serialHex, 'unspecified');
          throw new RpcError(
            'UNAVAILABLE',
            'the device stored a different certificate than it was sent; the old one stays valid',
          );
        }
        // only now, with the new certificate on the device, may the old one stop working
        if (old && old !== issued.serialHex) await ca.revoke(old, 'superseded');
        registry.setCredential(deviceId, {
          kind: 'x509',
          fingerprint: issued.fingerprint,
          serial: issued.serialHex,
          expires: issued.notAfter,
        });
        return {
          deviceId,
          newSerialHex: issued.serialHex,
          newFingerprint: issued.fingerprint,
          revokedSerialHex: old,
        };
      } finally {
        await channel.close().catch(() => {});
      }
    },
    'commissioning.report': ({ sessionId, batchId, format }) => {
      const sessions = sessionId ? [service.get(sessionId)] : service.list({ batchId: batchId! });
      if (sessions.length === 0) throw new RpcError('NOT_FOUND', `no sessions in batch "${batchId}"`);
      const first = sessions[0]!;
      const label = sessionId
        ? (first.details?.deviceId ?? first.id.slice(0, 8))
        : `batch-${batchId!.slice(0, 8)}`;
      const stamp = new Date().toISOString().slice(0, 10);
      const title = sessionId
        ? `Commissioning report: ${first.details?.name ?? first.id}`
        : `Commissioning report: batch of ${sessions.length} device(s)`;
      return format === 'csv'
        ? { filename: `commissioning-${label}-${stamp}.csv`, mime: 'text/csv', content: reportCsv(sessions) }
        : {
            filename: `commissioning-${label}-${stamp}.html`,
            mime: 'text/html',
            content: reportHtml(sessions, title),
          };
    },
  };
}

export function createCommissioningStreams(
  service: CommissioningService,
): Pick<StreamSources, 'commissioning.changed'> {
  return {
    'commissioning.changed': ({ sessionId }, emit) => service.subscribe(sessionId, emit),
  };
}
