import { expect, test } from 'vitest';
import { configRows, flattenConfig, formatConfigValue } from './config-diff';

test('nested configuration flattens to dotted paths; arrays stay whole', () => {
  const flat = flattenConfig({ mqtt: { url: 'mqtts://b', qos: 1 }, tags: ['a'], empty: {} });
  expect([...flat.entries()]).toEqual([
    ['mqtt.url', 'mqtts://b'],
    ['mqtt.qos', 1],
    ['tags', ['a']],
    ['empty', {}],
  ]);
});

test('values read unambiguously: a missing key is not an empty string', () => {
  expect(formatConfigValue('')).toBe('""');
  expect(formatConfigValue(undefined, false)).toBe('—');
  expect(formatConfigValue(null)).toBe('null');
  expect(formatConfigValue(10)).toBe('10');
  expect(formatConfigValue('x'.repeat(500))).toHaveLength(120);
});

test('the engine’s diff decides the highlight, and differing rows come first', () => {
  const rows = configRows(
    { interval: 10, mqtt: { url: 'mqtts://new' }, led: true },
    { interval: 10, mqtt: { url: 'mqtts://old' }, extra: 1 },
    [
      { path: 'mqtt.url', desired: 'mqtts://new', reported: 'mqtts://old' },
      { path: 'led', desired: true, reported: undefined },
      { path: 'extra', desired: undefined, reported: 1 },
    ],
  );
  expect(rows).toEqual([
    { path: 'mqtt.url', desired: '"mqtts://new"', reported: '"mqtts://old"', kind: 'changed' },
    { path: 'led', desired: 'true', reported: '—', kind: 'not-reported' },
    { path: 'extra', desired: '—', reported: '1', kind: 'not-desired' },
    { path: 'interval', desired: '10', reported: '10', kind: 'same' },
  ]);
});

test('a diff path the objects do not spell out still shows', () => {
  const rows = configRows({}, {}, [{ path: 'a.b', desired: 1, reported: 2 }]);
  expect(rows).toEqual([{ path: 'a.b', desired: '—', reported: '—', kind: 'not-reported' }]);
  expect(configRows({}, {}, [])).toEqual([]);
});
