/** An alarm instance for tests, with only what a test cares about spelled out. Nothing in the app imports it. */
import type { AlarmInstance } from '../../common/alarm-contract';

export function alarmFixture(key: string, over: Partial<AlarmInstance> = {}): AlarmInstance {
  return {
    key,
    ruleId: 'r',
    ruleName: 'Rule',
    deviceId: 'd',
    metric: 'temp',
    state: 'active_unack',
    underlying: null,
    severity: 'warning',
    episodeId: `${key}-e1`,
    since: 1000,
    value: 90,
    late: false,
    shadow: false,
    shelvedUntil: null,
    shelveReason: null,
    ackedBy: null,
    comments: [],
    updatedAt: 1000,
    ...over,
  };
}
