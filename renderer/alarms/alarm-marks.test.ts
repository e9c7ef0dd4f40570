import { describe, expect, it } from 'vitest';
import { type AlarmTransition, type RuleInput, RuleSchema } from '../../common/alarm-contract';
import { episodesIn, episodesOf, limitLines, marksText } from './alarm-marks';

const rule = (over: Partial<RuleInput> = {}) =>
  RuleSchema.parse({
    id: 'hot',
    name: 'Hot',
    target: { metric: 'temp' },
    condition: {
      kind: 'threshold',
      levels: [
        { severity: 'high', above: { value: 85, deadband: 5 } },
        { severity: 'warning', below: { value: 10, deadband: 10, deadbandPercent: true } },
      ],
    },
    ...over,
  } satisfies RuleInput);

let seq = 0;
function t(
  episodeId: string | null,
  from: AlarmTransition['from'],
  to: AlarmTransition['to'],
  deviceTime: number,
  over: Partial<AlarmTransition> = {},
): AlarmTransition {
  return {
    seq: ++seq,
    key: 'hot|d|temp',
    ruleId: 'hot',
    ruleVersion: 1,
    deviceId: 'd',
    metric: 'temp',
    episodeId,
    from,
    to,
    severity: 'high',
    value: 90,
    deviceTime,
    at: deviceTime + 5,
    late: false,
    shadow: false,
    actor: null,
    reason: null,
    ...over,
  };
}

describe('chart alarm marks', () => {
  it('draws each limit and where it clears', () => {
    expect(limitLines([rule()], 'temp')).toEqual([
      { kind: 'limit', value: 85, side: 'above', severity: 'high', ruleName: 'Hot' },
      { kind: 'clear', value: 80, side: 'above', severity: 'high', ruleName: 'Hot' },
      { kind: 'limit', value: 10, side: 'below', severity: 'warning', ruleName: 'Hot' },
      { kind: 'clear', value: 11, side: 'below', severity: 'warning', ruleName: 'Hot' },
    ]);
    expect(limitLines([rule()], 'pressure')).toEqual([]);
    expect(limitLines([rule({ enabled: false })], 'temp')).toEqual([]);
  });

  it('turns the journal (newest first) into episodes, ongoing ones open-ended', () => {
    seq = 0;
    const journal = [
      t('e1', 'normal', 'pending', 1000),
      t('e1', 'pending', 'active_unack', 2000),
      t('e1', 'active_unack', 'active_ack', 2500, { actor: 'ana' }),
      t('e1', 'active_ack', 'active_ack', 2600, { severity: 'critical' }),
      t('e1', 'active_ack', 'normal', 4000),
      t('e2', 'normal', 'active_unack', 6000, { late: true }),
      t('e2', 'active_unack', 'rtn_unack', 7000),
      t('e2', 'rtn_unack', 'normal', 9000),
      t('e3', 'normal', 'active_unack', 10_000),
      t('x', 'normal', 'active_unack', 500, { metric: 'pressure' }),
      t('off', 'normal', 'active_unack', 8000, { metric: null, ruleId: 'offline' }),
    ].reverse();
    const episodes = episodesOf(journal, 'temp');
    expect(episodes).toEqual([
      { episodeId: 'e1', ruleId: 'hot', start: 2000, end: 4000, severity: 'critical', late: false },
      { episodeId: 'e2', ruleId: 'hot', start: 6000, end: 7000, severity: 'high', late: true },
      { episodeId: 'off', ruleId: 'offline', start: 8000, end: null, severity: 'high', late: false },
      { episodeId: 'e3', ruleId: 'hot', start: 10_000, end: null, severity: 'high', late: false },
    ]);
    expect(episodesIn(episodes, 4500, 6500).map((e) => e.episodeId)).toEqual(['e2']);
    expect(episodesIn(episodes, 20_000, 30_000).map((e) => e.episodeId)).toEqual(['off', 'e3']);
  });

  it('says the same in words', () => {
    const text = marksText(limitLines([rule()], 'temp'), [], '°C');
    expect(text).toContain('High above 85 °C, clears below 80 °C (Hot)');
    expect(text).toContain('Warning below 10 °C, clears above 11 °C (Hot)');
    expect(text).toContain('No alarm episodes in view.');
    // limits read as typed, and a deadband's float error does not show
    const typed = rule({
      condition: {
        kind: 'threshold',
        levels: [{ severity: 'warning', above: { value: 31.6, deadband: 0.6 } }],
      },
    });
    expect(marksText(limitLines([typed], 'temp'), [], '°C')).toContain(
      'Warning above 31.6 °C, clears below 31 °C',
    );
    const withEpisode = marksText(
      [],
      [{ episodeId: 'e', ruleId: 'hot', start: 0, end: null, severity: 'critical', late: true }],
      '',
    );
    expect(withEpisode).toMatch(/^Alarm episodes in view: Critical from .* still active \(late data\)\.$/);
  });
});

describe('y range with limits', () => {
  it('takes in near limits and leaves far ones to the caption', async () => {
    const { spanWithLimits } = await import('./alarm-marks');
    expect(spanWithLimits(60, 90, [85, 80], 'near')).toEqual([60, 90]);
    expect(spanWithLimits(60, 90, [110], 'near')).toEqual([60, 110]);
    expect(spanWithLimits(60, 90, [1000, -500], 'near')).toEqual([60, 90]);
    expect(spanWithLimits(60, 90, [1000, -500], 'all')).toEqual([-500, 1000]);
    expect(spanWithLimits(null, null, [5, 3], 'near')).toEqual([3, 5]);
    expect(spanWithLimits(null, null, [], 'all')).toBeNull();
    // a flat trace at 20 still reaches a limit at 21
    expect(spanWithLimits(20, 20, [21], 'near')).toEqual([20, 21]);
  });
});
