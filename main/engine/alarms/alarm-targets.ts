/** Which devices a rule applies to: every field the target gives must match. */
import type { Rule } from '../../../common/alarm-contract';
import type { DeviceFacts } from './condition-evaluator';

export interface DeviceTarget {
  /** what targeting needs to know about a device; undefined: not a device we know */
  facts(deviceId: string): DeviceFacts | undefined;
}

export function targetMatches(target: Rule['target'], device: DeviceFacts): boolean {
  if (target.deviceIds && !target.deviceIds.includes(device.id)) return false;
  if (target.site !== undefined && target.site !== device.site) return false;
  if (target.profile !== undefined && target.profile !== device.profile) return false;
  if (target.tag !== undefined && !device.tags.includes(target.tag)) return false;
  return true;
}
