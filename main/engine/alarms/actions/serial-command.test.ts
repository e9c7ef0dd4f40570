/**
 * Serial command lines in the formats the devices print (decoders/json-line.ts and
 * decoders/key-value-line.ts document them: `{"dev":"th-101","temperature":4.1}` and
 * `dev=th-7 t=21.5`); formats with no text line a rule could write are refused.
 */
import { describe, expect, it } from 'vitest';
import { serialCommandLine } from './serial-command';

describe('serial command lines', () => {
  it('JSON lines and key=value lines carry the device and the metric', () => {
    expect(serialCommandLine('json-lines', 'th-101', 'setpoint', 4)).toEqual({
      line: '{"dev":"th-101","setpoint":4}\n',
    });
    expect(serialCommandLine('json-lines', 'th-101', 'run', true)).toEqual({
      line: '{"dev":"th-101","run":true}\n',
    });
    expect(serialCommandLine('key-value', 'th-7', 't', 21.5)).toEqual({ line: 'dev=th-7 t=21.5\n' });
  });

  it('refuses what the device would misread', () => {
    expect(serialCommandLine('key-value', 'th-7', 'mode', 'a b=c')).toHaveProperty('error');
    expect(serialCommandLine('json-lines', 'th-7', 'dev', 'other')).toEqual({
      error: '"dev" is part of the line\'s envelope, not a metric',
    });
    expect(serialCommandLine('csv', 'th-7', 't', 1)).toEqual({
      error: 'the port speaks csv, which has no command line a rule can write',
    });
    expect(serialCommandLine('cobs-crc', 'th-7', 't', 1)).toHaveProperty('error');
  });
});
