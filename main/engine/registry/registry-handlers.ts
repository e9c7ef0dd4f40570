/** The registry, audit and operator methods of the RPC contract. */
import { RpcError } from '../../../common/protocol';
import type { AuditLog } from '../audit/audit-log';
import type { RequestHandlers } from '../rpc/rpc-server';
import type { Operator } from './operator';
import type { RegistryService } from './registry-service';

type RegistryMethods =
  | 'registry.list'
  | 'registry.get'
  | 'registry.facets'
  | 'registry.update'
  | 'registry.setLifecycle'
  | 'registry.remove'
  | 'audit.list'
  | 'audit.verify'
  | 'audit.export'
  | 'operator.get'
  | 'operator.set';

/** An export larger than this would not fit one RPC message comfortably; page with audit.list instead. */
const MAX_EXPORT_BYTES = 64 * 1024 * 1024;

export function createRegistryHandlers(
  registry: RegistryService,
  audit: AuditLog,
  operator: Operator,
  /** after a device is decommissioned: its credentials stop working (retire-credentials.ts) */
  onDecommissioned?: (deviceId: string) => Promise<unknown>,
  /** around a removal: `before` lets queued readings land first, `after` tells the live lists */
  removal?: { before(): void; after(deviceId: string): void },
): Pick<RequestHandlers, RegistryMethods> {
  return {
    'registry.list': (q) => registry.list(q),
    'registry.get': ({ deviceId }) => registry.require(deviceId),
    'registry.facets': () => registry.facets(),
    'registry.update': ({ deviceId, ...change }) => registry.update(deviceId, change),
    'registry.setLifecycle': async ({ deviceId, lifecycle, reason }) => {
      const before = registry.require(deviceId).lifecycle;
      const after = registry.setLifecycle(deviceId, lifecycle, reason);
      if (lifecycle === 'decommissioned' && before !== 'decommissioned' && onDecommissioned) {
        await onDecommissioned(deviceId);
        return registry.require(deviceId);
      }
      return after;
    },
    'registry.remove': ({ deviceId, readings }) => {
      registry.require(deviceId);
      removal?.before();
      const outcome = registry.remove(deviceId, readings);
      removal?.after(deviceId);
      return outcome;
    },
    'audit.list': (q) => audit.list(q),
    'audit.verify': () => ({ ...audit.verify(), headHash: audit.head().hash }),
    'audit.export': ({ format }) => {
      const parts: string[] = [];
      let size = 0;
      for (const line of audit.export(format)) {
        size += line.length;
        if (size > MAX_EXPORT_BYTES) {
          // an RpcError: the INTERNAL path would hide this plain-words reason behind a log reference
          throw new RpcError('UNAVAILABLE', 'the audit log is too large to export in one piece');
        }
        parts.push(line);
      }
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return {
        filename: `fieldline-audit-${stamp}.${format}`,
        mime: format === 'csv' ? 'text/csv' : 'application/x-ndjson',
        content: parts.join(''),
      };
    },
    'operator.get': () => ({ name: operator.get() }),
    'operator.set': ({ name }) => ({ name: operator.set(name) }),
  };
}
