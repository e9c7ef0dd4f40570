/**
 * The profiles a rule's target can reach, so its expressions are type-checked against the
 * metrics each of them has when the rule is saved, not when a device first reports.
 */
import type { Rule } from '../../../common/alarm-contract';
import type { DeviceProfile } from '../profiles/profile';

export function profilesReached(
  rule: Pick<Rule, 'target'>,
  profiles: ReadonlyMap<string, DeviceProfile>,
  profileOfDevice: (deviceId: string) => string | undefined,
): { id: string; metrics: string[] }[] {
  const ids = new Set<string>();
  if (rule.target.profile !== undefined) ids.add(rule.target.profile);
  else if (rule.target.deviceIds) {
    for (const d of rule.target.deviceIds) {
      const p = profileOfDevice(d);
      if (p) ids.add(p);
    }
  } else for (const id of profiles.keys()) ids.add(id);
  return [...ids].flatMap((id) => {
    const p = profiles.get(id);
    return p ? [{ id, metrics: Object.keys(p.metrics) }] : [];
  });
}
