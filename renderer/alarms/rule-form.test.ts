import { describe, expect, it } from 'vitest';
import { type RuleInput, RuleSchema } from '../../common/alarm-contract';
import {
  emptyLevel,
  emptyRuleFields,
  fieldOfPath,
  fieldsFromRule,
  type RuleFields,
  ruleFromFields,
} from './rule-form';

/** the example: alarm above 85 °C, clear below 80 °C */
function overheat(): RuleFields {
  const f = emptyRuleFields();
  f.id = 'boiler-overheat';
  f.name = 'Boiler overheat';
  f.site = 'plant-1';
  f.metric = 'temperature';
  f.levels = [{ ...emptyLevel('high'), above: { value: '85', deadband: '5', percent: false } }];
  f.onDelayS = '30';
  f.offDelayS = '10.5';
  f.labels = 'team=ops\narea = boiler house';
  return f;
}

describe('rule form', () => {
  it('builds the rule the contract expects, in milliseconds', () => {
    const result = ruleFromFields(overheat());
    expect(result.errors).toBeNull();
    expect(result.rule).toMatchObject({
      id: 'boiler-overheat',
      target: { site: 'plant-1', metric: 'temperature' },
      condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 85, deadband: 5 } }] },
      onDelayMs: 30_000,
      offDelayMs: 10_500,
      labels: { team: 'ops', area: 'boiler house' },
      mode: 'live',
    });
    expect(result.rule?.target.deviceIds).toBeUndefined();
    expect(result.rule?.confirm).toBeUndefined();
  });

  it('round-trips a saved rule through the fields, actions included', () => {
    const saved = RuleSchema.parse({
      id: 'flow-dev',
      name: 'Flow off setpoint',
      target: { deviceIds: ['pump-1', 'pump-2'], metric: 'flow' },
      condition: {
        kind: 'deviation',
        reference: { setpoint: 12.5 },
        levels: [
          { severity: 'warning', above: { value: 2, deadband: 10, deadbandPercent: true } },
          { severity: 'critical', above: { value: 5 } },
        ],
      },
      confirm: { n: 3, m: 5 },
      latching: true,
      mode: 'shadow',
      actions: [
        { kind: 'mqtt-publish', on: ['active'], connectorId: 'm1', topic: 'light/red', payload: 'on' },
      ],
    } satisfies RuleInput);
    const again = ruleFromFields(fieldsFromRule(saved));
    expect(again.rule).toEqual(saved);
  });

  it('puts each problem beside its field, in the units the form shows', () => {
    const f = overheat();
    f.id = 'bad id!';
    f.name = '  ';
    f.onDelayS = 'soon';
    f.offDelayS = '-1';
    f.levels = [
      { ...emptyLevel('high'), above: { value: '85', deadband: 'x', percent: false } },
      emptyLevel('critical'),
    ];
    f.confirm = true;
    f.confirmN = '6';
    f.confirmM = '5';
    f.labels = 'Team=ops\nno equals sign';
    const { errors } = ruleFromFields(f);
    expect(errors?.fields).toMatchObject({
      id: 'letters, digits, - and _ only',
      name: 'required',
      onDelayS: 'a number',
      offDelayS: 'seconds from 0 to 2592000',
      'levels.0.above.deadband': 'a number',
      'levels.1': 'a level needs a limit above or below',
      confirmN: 'n must not exceed m',
      labels: 'line 2: write name=value',
    });
  });

  it('asks for the metric except for an offline rule', () => {
    const f = overheat();
    f.metric = '';
    expect(ruleFromFields(f).errors?.fields.metric).toMatch(/required/);
    f.kind = 'offline';
    const offline = ruleFromFields(f);
    expect(offline.errors).toBeNull();
    expect(offline.rule?.condition).toEqual({ kind: 'offline', severity: 'warning' });
  });

  it('reports a label name the contract refuses beside the labels', () => {
    const f = overheat();
    f.labels = 'Team=ops';
    expect(ruleFromFields(f).errors?.fields.labels).toBeDefined();
  });

  it('maps contract paths to form fields', () => {
    expect(fieldOfPath('condition.levels.2.below.value')).toBe('levels.2.below.value');
    expect(fieldOfPath('condition.levels.1')).toBe('levels.1');
    expect(fieldOfPath('condition.windowMs')).toBe('windowS');
    expect(fieldOfPath('condition.reference.metric')).toBe('referenceMetric');
    expect(fieldOfPath('target.deviceIds.3')).toBe('deviceIds');
    expect(fieldOfPath('confirm')).toBe('confirmN');
    expect(fieldOfPath('actions.0.topic')).toBeNull();
  });
});

describe('rule preview', () => {
  it('says the rule in one sentence', async () => {
    const { ruleText } = await import('./rule-summary');
    const f = overheat();
    f.confirm = true;
    f.mode = 'shadow';
    const { rule } = ruleFromFields(f);
    expect(ruleText(rule!)).toBe(
      'On site plant-1: High when temperature above 85 (clears below 80); 3 of the last 5 samples, ' +
        'for 30 s before raising, clear for 10.5 s before returning. Shadow mode: evaluated and journaled, never notifies or acts.',
    );
  });
});
