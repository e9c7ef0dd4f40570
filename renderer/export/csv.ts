/**
 * Readings as CSV (RFC 4180: comma separated, CRLF line ends, fields with a comma, quote
 * or line break in double quotes, quotes doubled).
 *
 * Device ids and metric names come from devices, so they are hostile text: a field a
 * spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return
 * that some of them skip first) gets a leading apostrophe, which spreadsheets show as
 * text. Numbers are written as numbers, so a negative value stays a value.
 */
import { qualityFromCode } from '../../common/reading';

export interface CsvSeries {
  deviceId: string;
  metric: string;
  ts: readonly number[];
  values: readonly (number | null)[];
  quality: readonly number[];
}

export const CSV_HEADER = 'time_iso,ts_ms,device,metric,value,quality';
const EOL = '\r\n';

/** A text field, safe for spreadsheets and quoted as RFC 4180 needs. */
export function csvText(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvNumber(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '' : String(value);
}

/** One file for every series, rows in time order (series order among equal times). */
export function buildCsv(series: readonly CsvSeries[]): string {
  const lines: string[] = [CSV_HEADER];
  const prefixes = series.map((s) => `${csvText(s.deviceId)},${csvText(s.metric)},`);
  const next = series.map(() => 0);
  for (;;) {
    // k-way merge: each series is already sorted, and there are only a handful
    let pick = -1;
    let earliest = Infinity;
    for (let k = 0; k < series.length; k++) {
      const s = series[k] as CsvSeries;
      const i = next[k] as number;
      if (i < s.ts.length && (s.ts[i] as number) < earliest) {
        earliest = s.ts[i] as number;
        pick = k;
      }
    }
    if (pick < 0) break;
    const s = series[pick] as CsvSeries;
    const i = next[pick] as number;
    next[pick] = i + 1;
    const value = csvNumber(s.values[i] ?? null);
    const quality = qualityFromCode(s.quality[i] ?? 0);
    lines.push(`${new Date(earliest).toISOString()},${earliest},${prefixes[pick]}${value},${quality}`);
  }
  return lines.join(EOL) + EOL;
}

/** A file name that is safe on every OS: "fieldline_th-01_temperature_20240501-140322.csv". */
export function csvFileName(series: readonly { deviceId: string; metric: string }[], from: number): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  const stamp = new Date(from).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const what =
    series.length === 1
      ? `${clean(series[0]?.deviceId ?? '')}_${clean(series[0]?.metric ?? '')}`
      : `compare-${series.length}-series`;
  return `fieldline_${what}_${stamp}.csv`;
}
