import { describe, expect, test } from 'vitest';
import { numberAt, numericFields, parseJson, pathLabel, prettyJson } from './json-fields';
import { diffLines } from './line-diff';

describe('line diff', () => {
  test('unchanged, changed and added lines of two pretty JSON messages', () => {
    const before = '{\n  "ts": 1,\n  "value": 20.5,\n  "unit": "C"\n}';
    const after = '{\n  "ts": 2,\n  "value": 20.5,\n  "unit": "C",\n  "alarm": true\n}';
    expect(diffLines(before, after)).toEqual([
      { kind: 'same', text: '{' },
      { kind: 'removed', text: '  "ts": 1,' },
      { kind: 'added', text: '  "ts": 2,' },
      { kind: 'same', text: '  "value": 20.5,' },
      { kind: 'removed', text: '  "unit": "C"' },
      { kind: 'added', text: '  "unit": "C",' },
      { kind: 'added', text: '  "alarm": true' },
      { kind: 'same', text: '}' },
    ]);
  });

  test('identical text is all "same"; lines past the bound are one changed block', () => {
    expect(diffLines('a\nb', 'a\nb').every((l) => l.kind === 'same')).toBe(true);
    const big = Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n');
    const d = diffLines(big, big, 10);
    expect(d.filter((l) => l.kind === 'same')).toHaveLength(10);
    expect(d.filter((l) => l.kind === 'removed')).toHaveLength(20);
    expect(d.filter((l) => l.kind === 'added')).toHaveLength(20);
  });
});

describe('JSON fields', () => {
  test('numeric leaves by path, and their values', () => {
    const v = parseJson('{"ts":1,"value":20.5,"ok":true,"s":[{"t":1.5},{"t":"x"}],"n":null}');
    const fields = numericFields(v);
    expect(fields.map(pathLabel)).toEqual(['ts', 'value', 's[0].t']);
    expect(numberAt(v, ['s', 0, 't'])).toBe(1.5);
    expect(numberAt(v, ['s', 1, 't'])).toBeNull();
    expect(numberAt(v, ['missing', 'deep'])).toBeNull();
  });

  test('a bare number is a field of its own; text that is not JSON has none', () => {
    expect(numericFields(parseJson('12.5'))).toEqual([[]]);
    expect(numberAt(12.5, [])).toBe(12.5);
    expect(pathLabel([])).toBe('(value)');
    expect(parseJson('Online')).toBeUndefined();
    expect(prettyJson('Online')).toBeNull();
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(parseJson(null)).toBeUndefined();
  });
});

test('a payload nested deeper than JSON.stringify can go is not pretty-printed, and does not throw', () => {
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  expect(() => prettyJson(deep)).not.toThrow();
  const value = parseJson(deep);
  if (value !== undefined) expect(() => numericFields(value)).not.toThrow();
});
