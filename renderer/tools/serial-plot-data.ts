/**
 * The serial plotter's data, like the Arduino IDE's: received bytes are split into lines,
 * numbers are taken from each line (`key=value` / `key:value` pairs, a JSON object's
 * numeric fields, or bare comma/space separated numbers as value1, value2…), and the
 * last `windowMs` of them are kept as columns for uPlot.
 */
const MAX_PARTIAL_LINE = 4096;
const MAX_FIELDS = 8;

/** Numeric fields of one line; an empty object when the line holds none. */
export function parseNumericFields(line: string): Record<string, number> {
  const text = line.trim();
  const out: Record<string, number> = {};
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [key, value] of Object.entries(parsed)) {
          if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
        }
      }
    } catch {
      // not JSON after all: fall through to the other forms
    }
    if (Object.keys(out).length > 0) return out;
  }
  const pairs = [...text.matchAll(/([A-Za-z_][\w.-]*)\s*[=:]\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/g)];
  if (pairs.length > 0) {
    for (const [, key, value] of pairs) if (key && value) out[key] = Number(value);
    return out;
  }
  if (/^-?[\d.eE+-]+(?:[\s,;\t]+-?[\d.eE+-]+)*$/.test(text)) {
    text.split(/[\s,;\t]+/).forEach((part, i) => {
      const n = Number(part);
      if (Number.isFinite(n)) out[`value${i + 1}`] = n;
    });
  }
  return out;
}

export class SerialPlotData {
  private partial = '';
  private readonly decoder = new TextDecoder();
  /** seconds, for uPlot's time axis */
  readonly ts: number[] = [];
  readonly series = new Map<string, (number | null)[]>();

  constructor(private readonly windowMs = 60_000) {}

  /** Feeds received bytes; returns true when a new point was added. */
  push(bytes: Uint8Array, ts: number): boolean {
    this.partial += this.decoder.decode(bytes, { stream: true });
    const lines = this.partial.split(/\r?\n/);
    this.partial = (lines.pop() ?? '').slice(-MAX_PARTIAL_LINE);
    let added = false;
    for (const line of lines) {
      const fields = parseNumericFields(line);
      const keys = Object.keys(fields);
      if (keys.length === 0) continue;
      for (const key of keys) {
        if (!this.series.has(key) && this.series.size < MAX_FIELDS) {
          this.series.set(
            key,
            this.ts.map(() => null),
          );
        }
      }
      this.ts.push(ts / 1000);
      for (const [key, column] of this.series) column.push(fields[key] ?? null);
      added = true;
    }
    this.trim(ts);
    return added;
  }

  private trim(now: number): void {
    const cutoff = (now - this.windowMs) / 1000;
    let drop = 0;
    while (drop < this.ts.length && (this.ts[drop] ?? 0) < cutoff) drop++;
    if (drop === 0) return;
    this.ts.splice(0, drop);
    for (const column of this.series.values()) column.splice(0, drop);
  }

  keys(): string[] {
    return [...this.series.keys()];
  }

  /** uPlot's AlignedData: [x, ...ys] */
  columns(): [number[], ...(number | null)[][]] {
    return [this.ts, ...this.series.values()];
  }
}
