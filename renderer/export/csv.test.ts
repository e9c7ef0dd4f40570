import { describe, expect, test } from 'vitest';
import { buildCsv, CSV_HEADER, csvFileName, csvText } from './csv';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('csvText', () => {
  test.each([
    ['th-01', 'th-01'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\rlf', '"cr\rlf"'],
    ['=HYPERLINK("http://evil")', '"\'=HYPERLINK(""http://evil"")"'],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['=1,2', `"'=1,2"`],
    ['mid=dle', 'mid=dle'],
    ['', ''],
  ])('%j → %j', (input, output) => {
    expect(csvText(input)).toBe(output);
  });
});

describe('buildCsv', () => {
  test('header, one row per reading, null values empty, quality by name, CRLF', () => {
    const csv = buildCsv([
      {
        deviceId: 'th-01',
        metric: 'temperature',
        ts: [T0, T0 + 1000],
        values: [-3.25, null],
        quality: [0, 1],
      },
    ]);
    expect(csv).toBe(
      `${CSV_HEADER}\r\n` +
        '2024-05-01T12:00:00.000Z,1714564800000,th-01,temperature,-3.25,good\r\n' +
        '2024-05-01T12:00:01.000Z,1714564801000,th-01,temperature,,null\r\n',
    );
  });

  test('several series interleave in time order', () => {
    const csv = buildCsv([
      { deviceId: 'a', metric: 'm', ts: [T0, T0 + 2000], values: [1, 3], quality: [0, 2] },
      { deviceId: 'b', metric: 'm', ts: [T0 + 1000, T0 + 2000], values: [2, 4], quality: [3, 0] },
    ]);
    const rows = csv.trimEnd().split('\r\n').slice(1);
    expect(rows.map((r) => r.split(',').slice(2).join(','))).toEqual([
      'a,m,1,good',
      'b,m,2,suspect',
      'a,m,3,out-of-range',
      'b,m,4,good',
    ]);
  });

  test('a hostile device id stays one field and never a formula', () => {
    const csv = buildCsv([
      { deviceId: '=cmd|" /C calc"!A0,\r\nx', metric: '+m', ts: [T0], values: [1], quality: [0] },
    ]);
    expect(csv).toBe(
      `${CSV_HEADER}\r\n2024-05-01T12:00:00.000Z,1714564800000,"'=cmd|"" /C calc""!A0,\r\nx",'+m,1,good\r\n`,
    );
    // a strict parser reads it back as exactly six fields
    expect(parseCsvRow(csv.slice(CSV_HEADER.length + 2))).toEqual([
      '2024-05-01T12:00:00.000Z',
      '1714564800000',
      `'=cmd|" /C calc"!A0,\r\nx`,
      "'+m",
      '1',
      'good',
    ]);
  });

  test('no readings: just the header', () => {
    expect(buildCsv([])).toBe(`${CSV_HEADER}\r\n`);
  });
});

test('csvFileName is safe on every OS', () => {
  expect(csvFileName([{ deviceId: 'mqtt:plant/pump 3', metric: 'flow' }], T0)).toBe(
    'fieldline_mqtt_plant_pump_3_flow_20240501-120000.csv',
  );
  expect(
    csvFileName(
      [
        { deviceId: 'a', metric: 'b' },
        { deviceId: 'c', metric: 'd' },
      ],
      T0,
    ),
  ).toBe('fieldline_compare-2-series_20240501-120000.csv');
});

/** RFC 4180 reader for one record, to prove the writer's output parses back. */
function parseCsvRow(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') field += text[i++];
    }
    fields.push(field);
    if (text[i] === ',') i++;
    else return fields;
  }
}
