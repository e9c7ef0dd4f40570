/**
 * Decodes CSV telemetry: the first line names the columns, every later line is one
 * sample. Columns named `ts`, `dev` (or `id`) and `seq` are the envelope; every other
 * column is a metric. A device that resets prints its header again; a line whose cells
 * are all names (no numbers) and that differs from the current header replaces it.
 *
 *   ts,dev,temperature,humidity
 *   1764000000000,th-1,21.5,40
 */
import type { Reading } from '../../../common/reading';
import { isSequenceNumber, isUsableDeviceTime } from './device-time';
import type { DecodeResult, LineContext } from './json-line';
import { MAX_METRICS_PER_LINE, METRIC_PATTERN, parseDecimal, validDeviceIds } from './text-values';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/;
const NULL_WORDS = new Set(['nan', 'null', 'none', 'na', 'n/a', 'err', 'error', 'inf', 'infinity', '']);
const MAX_COLUMNS = MAX_METRICS_PER_LINE + 3;

interface Header {
  text: string;
  columns: string[];
  dev: number;
  ts: number;
  seq: number;
  /** column index of each metric, and its name */
  metricAt: number[];
  metricName: string[];
}

function splitCells(text: string): string[] {
  const cells = text.split(',');
  for (let i = 0; i < cells.length; i++) {
    let cell = cells[i]!;
    const first = cell.charCodeAt(0);
    const last = cell.charCodeAt(cell.length - 1);
    if (first === 32 || first === 9 || last === 32 || last === 9) cell = cell.trim();
    if (cell.length >= 2 && cell.charCodeAt(0) === 34 && cell.charCodeAt(cell.length - 1) === 34)
      cell = cell.slice(1, -1).trim();
    cells[i] = cell;
  }
  return cells;
}

function looksLikeHeader(cells: string[]): boolean {
  return cells.every((c) => NAME.test(c) && !NULL_WORDS.has(c.toLowerCase()) && parseDecimal(c) === null);
}

function makeHeader(cells: string[]): Header {
  const header: Header = {
    text: cells.join(','),
    columns: cells,
    dev: cells.includes('dev') ? cells.indexOf('dev') : cells.indexOf('id'),
    ts: cells.indexOf('ts'),
    seq: cells.indexOf('seq'),
    metricAt: [],
    metricName: [],
  };
  cells.forEach((name, i) => {
    if (name === 'dev' || name === 'id' || name === 'ts' || name === 'seq' || !METRIC_PATTERN.test(name))
      return;
    header.metricAt.push(i);
    header.metricName.push(name);
  });
  return header;
}

export class CsvLineDecoder {
  private current: Header | null = null;

  /** the current header, if one has been read */
  header(): readonly string[] | null {
    return this.current?.columns ?? null;
  }

  decode(line: string, ctx: LineContext): DecodeResult {
    const text = line.trim();
    if (text.length === 0) return { readings: [] };
    if (text.length > 64 * 1024) return { error: 'line too long' };
    const cells = splitCells(text);
    if (cells.length > MAX_COLUMNS) return { error: `more than ${MAX_COLUMNS} columns` };
    const header = this.current;
    // a data line starts with a number (ts/seq/value) or a device id; only name-like
    // lines need the header test
    if (header === null || looksLikeHeader(cells)) {
      if (header !== null && cells.join(',') === header.text) return { readings: [] };
      if (!looksLikeHeader(cells)) return { error: 'expected a CSV header line' };
      if (new Set(cells).size !== cells.length) return { error: 'duplicate column names in header' };
      this.current = makeHeader(cells);
      return { readings: [] };
    }
    if (cells.length !== header.columns.length)
      return { error: `expected ${header.columns.length} cells, got ${cells.length}` };

    const deviceId = header.dev >= 0 ? cells[header.dev]! : ctx.defaultDeviceId;
    if (deviceId === undefined || !validDeviceIds.test(deviceId)) return { error: 'no valid device id' };
    let ts = ctx.now;
    if (header.ts >= 0) {
      const raw = cells[header.ts]!;
      const parsed = parseDecimal(raw);
      if (!isUsableDeviceTime(parsed)) return { error: `unusable timestamp ${raw.slice(0, 40)}` };
      ts = parsed;
    }
    let seq: number | undefined;
    if (header.seq >= 0) {
      const parsed = parseDecimal(cells[header.seq]!);
      if (!isSequenceNumber(parsed)) return { error: 'seq must be a non-negative integer' };
      seq = parsed;
    }
    const readings: Reading[] = [];
    const { metricAt, metricName } = header;
    for (let m = 0; m < metricAt.length; m++) {
      const value = parseDecimal(cells[metricAt[m]!]!);
      const reading: Reading = {
        deviceId,
        metric: metricName[m]!,
        ts,
        value,
        quality: value === null ? 'null' : 'good',
        source: ctx.source,
        arrivedAt: ctx.now,
      };
      if (seq !== undefined) reading.seq = seq;
      readings.push(reading);
    }
    return { readings };
  }
}
