/**
 * CSV cells per RFC 4180 (quote when a cell holds a quote, comma, CR or LF; double the
 * quotes; CRLF between records), made safe to open in a spreadsheet: a text cell that
 * starts with = + - @ TAB or CR would be run as a formula (CSV injection), so it gets a
 * leading apostrophe. Numbers are written as numbers and are never guarded.
 */
export const CSV_EOL = '\r\n';

const FORMULA_START = /^[=+\-@\t\r]/;

export interface CsvCellOptions {
  /**
   * Also guard cells that already start with an apostrophe, so that stripping exactly one
   * leading apostrophe always gives the original text back (for exports that must
   * round-trip, such as the audit log, whose hashes are computed over the original).
   */
  reversible?: boolean;
}

export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue, options: CsvCellOptions = {}): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (
    typeof value === 'string' &&
    (FORMULA_START.test(text) || (options.reversible && text.startsWith("'")))
  ) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[], options: CsvCellOptions = {}): string {
  return values.map((v) => csvCell(v, options)).join(',') + CSV_EOL;
}

/** Undoes csvCell({ reversible: true }) on one already-unquoted cell. */
export function unguardCsvText(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}

/** Splits RFC 4180 text into records of unquoted cells (used to check exports round-trip). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else cell += ch;
    i++;
  }
  if (cell !== '' || record.length > 0) {
    record.push(cell);
    records.push(record);
  }
  return records;
}
