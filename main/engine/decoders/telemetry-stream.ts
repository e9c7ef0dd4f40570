/**
 * Turns a byte stream in one of the serial wire formats into Readings: framing (lines,
 * COBS or SLIP frames), checksum, and decoding. Pure; the serial connector feeds it the
 * chunks its port delivers, the bench feeds it random-sized chunks, and the fuzz tests
 * feed it anything. Every message is either readings or one counted error.
 */
import { parseFirmwareLogLine } from '../../../common/firmware-log-line';
import type { Reading } from '../../../common/reading';
import { CobsFramer } from './cobs';
import { checkCrc16 } from './crc';
import { CsvLineDecoder } from './csv-line';
import { decodeJsonLineFast } from './flat-json-line';
import type { DecodeResult, LineContext } from './json-line';
import { decodeKeyValueLine } from './key-value-line';
import { SlipFramer } from './slip';
import { TextLineFramer } from './text-line-framer';

export const WIRE_FORMATS = ['json-lines', 'csv', 'key-value', 'cobs-crc', 'slip-crc'] as const;
export type WireFormat = (typeof WIRE_FORMATS)[number];

export interface StreamOptions {
  source: string;
  defaultDeviceId?: string;
  /** longest line (text formats) or frame (binary formats) kept; longer ones are errors */
  maxMessageBytes?: number;
}

export interface StreamResult {
  readings: Reading[];
  /** messages (lines or frames) seen, good or bad, empty lines and log lines excluded */
  messages: number;
  errors: number;
  /** firmware log lines ("[I][boot:12]: ...") on a text port: not telemetry, not errors */
  logLines: number;
  /** the last error's description, if any */
  lastError: string | null;
}

export interface TelemetryStream {
  push(chunk: Uint8Array, now: number): StreamResult;
  /** forget partial input (the link dropped); a CSV header is kept */
  resetFraming(): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createTelemetryStream(format: WireFormat, options: StreamOptions): TelemetryStream {
  const max = options.maxMessageBytes ?? (format === 'cobs-crc' || format === 'slip-crc' ? 4096 : 64 * 1024);
  const ctx: LineContext = { source: options.source, now: 0 };
  if (options.defaultDeviceId !== undefined) ctx.defaultDeviceId = options.defaultDeviceId;

  if (format === 'cobs-crc' || format === 'slip-crc') {
    const makeFramer = () => (format === 'cobs-crc' ? new CobsFramer(max + 2) : new SlipFramer(max + 2));
    let framer = makeFramer();
    return {
      resetFraming: () => {
        framer = makeFramer();
      },
      push(chunk, now) {
        ctx.now = now;
        const framed = framer.push(chunk);
        const result: StreamResult = {
          readings: [],
          messages: framed.frames.length + framed.errors,
          errors: framed.errors,
          logLines: 0,
          lastError: framed.errors > 0 ? `malformed or over-long ${format} frame` : null,
        };
        for (const frame of framed.frames) {
          const payload = checkCrc16(frame);
          if (!payload) {
            result.errors++;
            result.lastError = 'frame CRC mismatch';
            continue;
          }
          let text: string;
          try {
            text = utf8.decode(payload);
          } catch {
            result.errors++;
            result.lastError = 'frame payload is not UTF-8';
            continue;
          }
          collect(decodeJsonLineFast(text, ctx), result);
        }
        return result;
      },
    };
  }

  let decodeLine: (line: string, ctx: LineContext) => DecodeResult;
  if (format === 'json-lines') decodeLine = decodeJsonLineFast;
  else if (format === 'key-value') decodeLine = decodeKeyValueLine;
  else {
    const csv = new CsvLineDecoder();
    decodeLine = (line, c) => csv.decode(line, c);
  }
  let framer = new TextLineFramer(max);
  return {
    resetFraming: () => {
      framer = new TextLineFramer(max);
    },
    push(chunk, now) {
      ctx.now = now;
      const framed = framer.push(chunk);
      const result: StreamResult = {
        readings: [],
        messages: framed.overlong,
        errors: framed.overlong,
        logLines: 0,
        lastError: framed.overlong > 0 ? `line longer than ${max} bytes dropped` : null,
      };
      for (const line of framed.lines) {
        if (line.length === 0) continue;
        // before the decoder: a CSV decoder waiting for its header must not take a log line for it
        if (parseFirmwareLogLine(line) !== null) {
          result.logLines++;
          continue;
        }
        result.messages++;
        collect(decodeLine(line, ctx), result);
      }
      return result;
    },
  };
}

function collect(decoded: DecodeResult, result: StreamResult): void {
  if ('error' in decoded) {
    result.errors++;
    result.lastError = decoded.error;
  } else {
    for (const r of decoded.readings) result.readings.push(r);
  }
}
