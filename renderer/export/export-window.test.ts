import { expect, test } from 'vitest';
import type { RequestParams } from '../../common/contract';
import { CSV_HEADER } from './csv';
import { EXPORT_LIMIT, exportMessage, exportWindow, type RawRequest } from './export-window';

test('asks for each series’ raw readings in the window and reports the cut-short ones', async () => {
  const asked: RequestParams<'readings.raw'>[] = [];
  const request: RawRequest = async (params) => {
    asked.push(params);
    const many = params.deviceId === 'b';
    return {
      deviceId: params.deviceId,
      metric: params.metric,
      ts: [params.from],
      values: [1],
      quality: [0],
      truncated: many,
    };
  };
  const series = [
    { deviceId: 'a', metric: 'flow' },
    { deviceId: 'b', metric: 'flow' },
  ];
  const result = await exportWindow(request, series, 1000.4, 2000.6);
  expect(asked).toEqual([
    { deviceId: 'a', metric: 'flow', from: 1000, to: 2001, limit: EXPORT_LIMIT },
    { deviceId: 'b', metric: 'flow', from: 1000, to: 2001, limit: EXPORT_LIMIT },
  ]);
  expect(result.csv.startsWith(`${CSV_HEADER}\r\n`)).toBe(true);
  expect(result.rows).toBe(2);
  expect(result.truncated).toEqual([{ deviceId: 'b', metric: 'flow' }]);
  expect(exportMessage(result, 2)).toBe(
    'First 200,000 readings of b flow exported; narrow the window for the rest.',
  );
});

test('messages', () => {
  expect(exportMessage({ rows: 1234, truncated: [] }, 1)).toBe('Exported 1,234 readings.');
  expect(exportMessage({ rows: EXPORT_LIMIT, truncated: [{ deviceId: 'a', metric: 'm' }] }, 1)).toBe(
    'First 200,000 readings exported; narrow the window for the rest.',
  );
});
