import { describe, expect, it } from 'vitest';
import { alarmFixture } from './alarm-fixture';
import { bannerSummary, mergeAlarms, sortAlarms } from './alarm-order';
import { stateWithUnderlying, stateWords } from './alarm-words';

const alarm = alarmFixture;

describe('alarm list order', () => {
  it('puts unacknowledged first, then the more severe, then the newer', () => {
    const list = [
      alarm('ack-critical', { state: 'active_ack', severity: 'critical', since: 9000 }),
      alarm('unack-warning-old', { severity: 'warning', since: 1000 }),
      alarm('returned-high', { state: 'rtn_unack', severity: 'high', since: 500 }),
      alarm('unack-warning-new', { severity: 'warning', since: 5000 }),
      alarm('shelved-critical', { state: 'shelved', severity: 'critical', since: 8000 }),
    ];
    expect(sortAlarms(list).map((a) => a.key)).toEqual([
      'returned-high',
      'unack-warning-new',
      'unack-warning-old',
      'ack-critical',
      'shelved-critical',
    ]);
  });

  it('merges stream changes by key and drops instances back in normal', () => {
    const current = [alarm('a', { severity: 'high' }), alarm('b', { severity: 'warning' })];
    const next = mergeAlarms(current, [
      alarm('a', { state: 'normal' }),
      alarm('c', { severity: 'critical', since: 2000 }),
      alarm('b', { state: 'active_ack' }),
    ]);
    expect(next.map((a) => [a.key, a.state])).toEqual([
      ['c', 'active_unack'],
      ['b', 'active_ack'],
    ]);
    // no change: the same array, so the list does not re-render
    expect(mergeAlarms(next, [])).toBe(next);
  });
});

describe('banner summary', () => {
  it('counts unacknowledged active alarms by severity and names the newest, leaving shadow rules out', () => {
    const s = bannerSummary([
      alarm('a', { severity: 'critical', since: 1000 }),
      alarm('b', { severity: 'warning', since: 3000 }),
      alarm('c', { severity: 'warning', since: 2000 }),
      alarm('acked', { state: 'active_ack', severity: 'critical', since: 9000 }),
      alarm('returned', { state: 'rtn_unack', severity: 'high', since: 9500 }),
      alarm('shadow', { severity: 'critical', since: 9900, shadow: true }),
    ]);
    expect(s.active).toEqual({ info: 0, warning: 2, high: 0, critical: 1 });
    expect(s.activeTotal).toBe(3);
    expect(s.returned).toBe(1);
    // an active one outranks a newer returned one
    expect(s.newest?.key).toBe('b');
  });

  it('is empty with nothing unacknowledged', () => {
    const s = bannerSummary([alarm('x', { state: 'active_ack' })]);
    expect(s.activeTotal).toBe(0);
    expect(s.returned).toBe(0);
    expect(s.newest).toBeNull();
  });
});

describe('state words', () => {
  it('uses the ISA-18.2 names', () => {
    expect(stateWords('active_unack')).toBe('Active, unacknowledged');
    expect(stateWords('active_ack')).toBe('Active, acknowledged');
    expect(stateWords('rtn_unack')).toBe('Returned, unacknowledged');
    expect(stateWords('suppressed')).toBe('Suppressed by design');
    expect(stateWords('out_of_service')).toBe('Out of service');
  });

  it('says what lies beneath a shelved alarm', () => {
    expect(stateWithUnderlying('shelved', 'active_unack')).toBe('Shelved (active, unacknowledged)');
    expect(stateWithUnderlying('active_ack', 'normal')).toBe('Active, acknowledged');
  });
});
