/**
 * Device offline: fed by the registry's online/offline state rather than by readings (the
 * runtime samples 1 when the device went offline, 0 when it came back), so an outage is one
 * alarm that also suppresses the device's own value alarms by design.
 */
import type { Condition } from '../../../../common/alarm-contract';
import type { ConditionEvaluator, Verdict } from '../condition-evaluator';

export function compileOffline(condition: Extract<Condition, { kind: 'offline' }>): ConditionEvaluator {
  return {
    sample(sample): Verdict {
      const offline = sample.value === 1;
      return {
        severity: offline ? condition.severity : null,
        value: sample.value,
        reason: offline ? 'device offline' : 'device online',
      };
    },
    save: () => null,
    restore: () => {},
  };
}
