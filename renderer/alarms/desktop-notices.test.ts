import { describe, expect, it } from 'vitest';
import { alarmFixture as alarm } from './alarm-fixture';
import { episodesToAnnounce, noticeText } from './desktop-notices';

describe('desktop notifications', () => {
  it('announces each new active, unacknowledged episode once, never a shadow rule', () => {
    const seen = new Set<string>();
    expect(episodesToAnnounce([alarm('a', { episodeId: 'e1' })], seen).map((a) => a.key)).toEqual(['a']);
    // the same episode again (its value changed, or it was acknowledged and is back): silent
    expect(episodesToAnnounce([alarm('a', { episodeId: 'e1', value: 99 })], seen)).toEqual([]);
    const next = episodesToAnnounce(
      [
        alarm('a', { episodeId: 'e2' }),
        alarm('b', { episodeId: 'e3', state: 'active_ack' }),
        alarm('c', { episodeId: 'e4', shadow: true }),
        alarm('d', { episodeId: 'e5', state: 'rtn_unack' }),
      ],
      seen,
    );
    expect(next.map((a) => a.episodeId)).toEqual(['e2']);
  });

  it('says what, where and how much', () => {
    expect(
      noticeText(
        alarm('a', { severity: 'critical', ruleName: 'Boiler overheat', deviceId: 'b-1', value: 88.44 }),
      ),
    ).toEqual({
      title: 'Critical: Boiler overheat',
      body: 'b-1 temp at 88.44',
    });
  });
});
