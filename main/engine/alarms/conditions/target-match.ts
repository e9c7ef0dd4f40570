/** Does a rule's target take in this reading: every field the target gives must match. */

import type { z } from 'zod';
import type { RuleTargetSchema } from '../../../../common/alarm-contract';
import type { DeviceFacts } from '../condition-evaluator';

export function targetMatches(
  target: z.output<typeof RuleTargetSchema>,
  device: DeviceFacts,
  metric: string,
): boolean {
  return (
    (target.metric === undefined || target.metric === metric) &&
    (target.deviceIds === undefined || target.deviceIds.includes(device.id)) &&
    (target.site === undefined || target.site === device.site) &&
    (target.profile === undefined || target.profile === device.profile) &&
    (target.tag === undefined || device.tags.includes(target.tag))
  );
}
