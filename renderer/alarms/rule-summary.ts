/**
 * A rule in one sentence, for the rule list and the editor's live preview: what it watches,
 * when it raises and clears, and what it then does. Written from the rule the contract
 * accepted, so the preview shows exactly what will be saved.
 */
import type { Condition, Rule } from '../../common/alarm-contract';
import { formatSpan } from '../format';
import { clearValue, formatLimit } from './alarm-marks';
import { severityWord } from './alarm-words';

/** formatSpan rounds; a delay of 10.5 s is said as typed */
const span = (ms: number) => (ms < 60_000 ? `${ms / 1000} s` : formatSpan(ms));

type Levels = Extract<Condition, { levels: unknown }>['levels'];

function levelsText(levels: Levels, of: string): string {
  return levels
    .map((l) => {
      const sides = (['above', 'below'] as const).flatMap((side) => {
        const limit = l[side];
        if (!limit) return [];
        const clear = clearValue(limit, side);
        const band =
          clear === null ? '' : ` (clears ${side === 'above' ? 'below' : 'above'} ${formatLimit(clear)})`;
        return [`${of} ${side} ${formatLimit(limit.value)}${band}`];
      });
      return `${severityWord(l.severity)} when ${sides.join(' or ')}`;
    })
    .join('; ');
}

export function conditionText(c: Condition, metric: string): string {
  switch (c.kind) {
    case 'threshold':
      return levelsText(c.levels, metric);
    case 'rate':
      return levelsText(c.levels, `${metric}'s change per minute over ${span(c.windowMs)}`);
    case 'deviation': {
      const ref =
        'setpoint' in c.reference
          ? formatLimit(c.reference.setpoint)
          : `${c.reference.deviceId} ${c.reference.metric}`;
      return levelsText(c.levels, `${metric}'s distance from ${ref}`);
    }
    case 'aggregate':
      return levelsText(c.levels, `${c.fn} of ${metric} over ${span(c.windowMs)}`);
    case 'stale':
      return `${severityWord(c.severity)} when ${metric} has no reading for ${span(c.afterMs)}`;
    case 'flatline':
      return `${severityWord(c.severity)} when ${metric} moves less than ${formatLimit(c.tolerance)} over ${span(c.windowMs)}`;
    case 'quality':
      return `${severityWord(c.severity)} when a ${metric} reading is flagged`;
    case 'offline':
      return `${severityWord(c.severity)} when the device is offline`;
    case 'expression':
      return `${severityWord(c.severity)} when ${c.expression}`;
  }
}

export function targetText(rule: Rule): string {
  const t = rule.target;
  const parts = [
    t.deviceIds ? `devices ${t.deviceIds.join(', ')}` : null,
    t.site ? `site ${t.site}` : null,
    t.profile ? `profile ${t.profile}` : null,
    t.tag ? `tag ${t.tag}` : null,
  ].filter((p) => p !== null);
  return parts.length === 0 ? 'every device' : parts.join(', ');
}

export function ruleText(rule: Rule): string {
  const timing = [
    rule.confirm ? `${rule.confirm.n} of the last ${rule.confirm.m} samples` : null,
    rule.onDelayMs > 0 ? `for ${span(rule.onDelayMs)} before raising` : null,
    rule.offDelayMs > 0 ? `clear for ${span(rule.offDelayMs)} before returning` : null,
    rule.latching ? 'latching until acknowledged' : null,
  ].filter((p) => p !== null);
  const mode = rule.mode === 'shadow' ? ' Shadow mode: evaluated and journaled, never notifies or acts.' : '';
  const off = rule.enabled ? '' : ' Disabled.';
  return `On ${targetText(rule)}: ${conditionText(rule.condition, rule.target.metric ?? 'the value')}${
    timing.length > 0 ? `; ${timing.join(', ')}` : ''
  }.${mode}${off}`;
}
