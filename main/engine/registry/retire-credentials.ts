/**
 * A decommissioned device must not be able to reach the broker any more: every
 * certificate it still holds is revoked (cessationOfOperation, so the next CRL carries it)
 * and its PSK leaves the psk_file. The registry forgets the credential, and the audit log
 * says what was retired.
 */
import type { IssuedCertificateView } from '../../../common/credentials-contract';
import type { RegistryService } from './registry-service';

export interface RetiringCa {
  certificates(deviceId?: string): IssuedCertificateView[];
  revoke(serialHex: string, reason: 'cessationOfOperation'): unknown;
  removePsk(deviceId: string): boolean;
}

export async function retireCredentials(
  deviceId: string,
  ca: () => Promise<RetiringCa>,
  registry: RegistryService,
): Promise<{ revoked: string[]; pskRemoved: boolean }> {
  const credentials = await ca();
  const revoked: string[] = [];
  for (const c of credentials.certificates(deviceId)) {
    if (c.revokedAt !== null || c.deviceId !== deviceId) continue;
    credentials.revoke(c.serialHex, 'cessationOfOperation');
    revoked.push(c.serialHex);
  }
  const pskRemoved = credentials.removePsk(deviceId);
  if (revoked.length > 0 || pskRemoved || registry.get(deviceId)?.credential) {
    registry.setCredential(deviceId, null);
  }
  return { revoked, pskRemoved };
}
