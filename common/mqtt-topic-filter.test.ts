import { describe, expect, test } from 'vitest';
import { topicFilterProblem, topicMatches } from './mqtt-topic-filter';

describe('topic filter validation (MQTT 5.0 §4.7)', () => {
  // the valid and invalid examples are the ones the specification gives in §4.7.1.2 and §4.7.1.3
  test.each([
    '#',
    'sport/#',
    'sport/tennis/player1/#',
    '+',
    '+/tennis/#',
    'sport/+/player1',
    '/+',
    '+/+',
    '$SYS/#',
    '$SYS/monitor/+',
    'a//b',
    '/',
  ])('%s is valid', (filter) => {
    expect(topicFilterProblem(filter)).toBeNull();
  });

  test.each([
    ['sport/tennis#', "'#'"],
    ['sport/tennis/#/ranking', "'#'"],
    ['sport+', "'+'"],
    ['sport/+x/a', "'+'"],
    ['', 'at least one'],
    ['a\u0000b', 'NUL'],
    ['$share/group/a/#', 'shared'],
  ])('%j is refused', (filter, words) => {
    expect(topicFilterProblem(filter)).toContain(words);
  });

  test('a filter longer than 65,535 bytes of UTF-8 is refused', () => {
    expect(topicFilterProblem('é'.repeat(32_768))).toContain('65,535');
    expect(topicFilterProblem('a'.repeat(65_535))).toBeNull();
  });
});

describe('topic matching (MQTT 5.0 §4.7.1, §4.7.2)', () => {
  test.each([
    // §4.7.1.2 non-normative comment: "sport/tennis/player1/#" matches these three
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    // "sport/#" also matches the singular "sport"
    ['sport/#', 'sport', true],
    // §4.7.1.3: "sport/tennis/+" matches "sport/tennis/player1" but not "sport/tennis/player1/ranking"
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    // "sport/+" does not match "sport" but does match "sport/"
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    // "+/+" and "/+" match "/finance"; "+" does not
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    // §4.7.2: wildcards at the start do not match $-topics; "$SYS/#" does
    ['#', '$SYS/broker/uptime', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['#', 'plant/north/pump-1/flow', true],
    ['plant/+/+/flow', 'plant/north/pump-1/flow', true],
    ['plant/+/+/flow', 'plant/north/pump-1/level', false],
  ])('%s against %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
