import { describe, expect, it } from 'vitest';
import { RouteSchema } from '../../common/notify-contract';
import { checkRoute, durationOf, emptyRoute, routeFieldsOf } from './route-form';

describe('route form', () => {
  it('turns typed fields in plain units into a route the contract accepts', () => {
    const checked = checkRoute(
      {
        ...emptyRoute(),
        name: ' boilers ',
        matchers: [
          { label: 'device', op: '=~', value: 'boiler-[0-9]+' },
          { label: 'site', op: '!=', value: 'lab' },
        ],
        channels: ['ops'],
        groupBy: 'rule, device,',
        groupWait: { amount: '45', unit: 's' },
        groupInterval: { amount: '10', unit: 'min' },
        repeatInterval: { amount: '2', unit: 'h' },
        minSeverity: 'high',
        continue: true,
        escalate: true,
        stages: [
          { channels: ['ops'], ackTimeout: { amount: '5', unit: 'min' } },
          { channels: ['manager'], ackTimeout: { amount: '0.5', unit: 'h' } },
        ],
        repeats: '2',
      },
      ['other'],
    );
    expect(checked.errors).toBeNull();
    expect(checked.route).toEqual({
      name: 'boilers',
      matchers: [
        { label: 'device', op: '=~', value: 'boiler-[0-9]+' },
        { label: 'site', op: '!=', value: 'lab' },
      ],
      channels: ['ops'],
      escalation: {
        stages: [
          { channels: ['ops'], ackTimeoutMs: 300_000 },
          { channels: ['manager'], ackTimeoutMs: 1_800_000 },
        ],
        repeats: 2,
      },
      groupBy: ['rule', 'device'],
      groupWaitMs: 45_000,
      groupIntervalMs: 600_000,
      repeatIntervalMs: 7_200_000,
      minSeverity: 'high',
      continue: true,
    });
  });

  it('round-trips a saved route, durations in the largest exact unit', () => {
    const route = RouteSchema.parse({
      name: 'night',
      channels: ['ops'],
      groupWaitMs: 90_000,
      escalation: { stages: [{ channels: ['ops'], ackTimeoutMs: 3_600_000 }] },
    });
    const fields = routeFieldsOf(route);
    expect(fields.groupWait).toEqual({ amount: '90', unit: 's' });
    expect(fields.groupInterval).toEqual({ amount: '5', unit: 'min' });
    expect(fields.repeatInterval).toEqual({ amount: '4', unit: 'h' });
    expect(fields.stages[0]?.ackTimeout).toEqual({ amount: '1', unit: 'h' });
    expect(checkRoute(fields, []).route).toEqual(route);
    expect(durationOf(0)).toEqual({ amount: '0', unit: 's' });
  });

  it('names each problem beside its field, in plain words', () => {
    const { errors } = checkRoute(
      {
        ...emptyRoute(),
        name: 'taken',
        matchers: [
          { label: '', op: '=', value: 'x' },
          { label: 'device', op: '=~', value: 'boiler-(' },
        ],
        channels: [],
        groupWait: { amount: 'soon', unit: 's' },
        repeatInterval: { amount: '31', unit: 'h' },
        escalate: true,
        stages: [
          { channels: [], ackTimeout: { amount: '30', unit: 's' } },
          { channels: ['ops'], ackTimeout: { amount: '1.5', unit: 's' } },
        ],
        repeats: '11',
      },
      ['taken'],
    );
    expect(errors).toEqual({
      name: 'another route has this name',
      'matchers.0.label': 'required',
      'matchers.1.value': 'not a valid pattern',
      groupWait: 'from 0 seconds to 30 days, in whole seconds',
      'stages.0.channels': 'pick at least one channel',
      'stages.0.ackTimeout': 'from 1 minute to 30 days, in whole seconds',
      'stages.1.ackTimeout': 'from 1 minute to 30 days, in whole seconds',
      repeats: 'a whole number from 0 to 10',
    });
  });

  it('asks for a channel when there is neither one nor an escalation', () => {
    const { errors } = checkRoute({ ...emptyRoute(), name: 'nowhere' }, []);
    expect(errors).toEqual({ channels: 'pick at least one channel, or add an escalation' });
  });
});
