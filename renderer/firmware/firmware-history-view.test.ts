import { describe, expect, test } from 'vitest';
import { FIRMWARE_HISTORY_OUTCOMES } from '../../common/device-history-contract';
import { changeText, OUTCOME_CLASS, OUTCOME_TEXT, sourceText } from './firmware-history-view';

describe('firmware history wording', () => {
  test('from → to, with an unknown starting version said so', () => {
    expect(changeText({ fromVersion: '2.1.0', toVersion: '2.3.0' })).toBe('2.1.0 → 2.3.0');
    expect(changeText({ fromVersion: null, toVersion: '2.3.0' })).toBe('unknown → 2.3.0');
  });

  test('how: a local flash or the campaign that sent it', () => {
    expect(sourceText({ source: 'flash', campaignId: null, campaignName: null })).toBe('flashed over USB');
    expect(sourceText({ source: 'rollout', campaignId: 'c-1', campaignName: 'Spring release' })).toBe(
      'rollout “Spring release”',
    );
    // a campaign no longer kept is named by its id
    expect(sourceText({ source: 'rollout', campaignId: 'c-1', campaignName: null })).toBe('rollout c-1');
  });

  test('every outcome of the contract has words and a badge', () => {
    for (const outcome of FIRMWARE_HISTORY_OUTCOMES) {
      expect(OUTCOME_TEXT[outcome]).toMatch(/\w/);
      expect(OUTCOME_CLASS[outcome]).toMatch(/^badge state-/);
    }
  });
});
