import { describe, expect, test } from 'vitest';
import { filterLines, monitorLines } from './serial-lines';
import type { LogChunk } from './serial-log';

const rx = (seq: number, text: string): LogChunk => ({
  seq,
  direction: 'rx',
  ts: seq * 10,
  bytes: new TextEncoder().encode(text),
});

describe('serial monitor lines', () => {
  // ESPHome logger.cpp "%s[%s][%s:%03u]: " with colour codes; ESP-IDF esp_log.h LOG_FORMAT
  const log = [
    rx(1, '\x1b[0;32m[I][boot:1'),
    rx(2, '23]: Running\x1b[0m\r\n{"dev":"a","t":1}\n\x1b[0;33mW (45) sensor: slow'),
    rx(3, '\x1b[0m\r\n\x1b[0;31mE (46) sensor: failed\x1b[0m\n{"dev":"a"'),
    { seq: 4, direction: 'tx', ts: 40, bytes: new TextEncoder().encode('status\n') } as LogChunk,
  ];

  test('chunks join into whole lines; log lines carry their level, colour codes are gone', () => {
    const lines = monitorLines(log);
    expect(lines.map((l) => [l.direction, l.text, l.log?.level ?? null])).toEqual([
      ['rx', '[I][boot:123]: Running', 'info'],
      ['rx', '{"dev":"a","t":1}', null],
      ['rx', 'W (45) sensor: slow', 'warn'],
      ['rx', 'E (46) sensor: failed', 'error'],
      ['tx', 'status', null],
      ['rx', '{"dev":"a"', null],
    ]);
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
  });

  test('filters: data, log lines, warnings and errors', () => {
    const lines = monitorLines(log);
    expect(filterLines(lines, 'all')).toHaveLength(6);
    expect(filterLines(lines, 'data').map((l) => l.text)).toEqual([
      '{"dev":"a","t":1}',
      'status',
      '{"dev":"a"',
    ]);
    expect(filterLines(lines, 'logs')).toHaveLength(3);
    expect(filterLines(lines, 'problems').map((l) => l.log!.level)).toEqual(['warn', 'error']);
  });
});
