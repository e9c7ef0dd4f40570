/**
 * Recognises the log lines device firmware prints on the same UART as its telemetry, so
 * a structured port can show them as logs instead of counting them as decode errors.
 * Pure (no Node or DOM): the engine counts them, the serial monitor colours them.
 *
 *   ESPHome   [I][boot:123]: msg        logger.cpp "%s[%s][%s:%03u]: " (colour, level, tag, line),
 *                                       the `esphome logs` CLI may prefix "[12:00:01]"
 *   ESP-IDF   I (123) tag: msg          esp_log.h LOG_FORMAT: #letter " (%" PRIu32 ") %s: ",
 *                                       LOG_SYSTEM_TIME_FORMAT: #letter " (%s) %s: "
 *   Zephyr    [00:00:01.234,567] <inf> module: msg
 *                                       log_output.c "[%02u:%02u:%02u.%03u,%03u] " or "[%08lu] ",
 *                                       then "<%s> " with err/wrn/inf/dbg, then "%s: "
 * All three may wrap the line in ANSI colour codes (ESC [ ... m).
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'config' | 'debug' | 'verbose';
export type LogFormat = 'esphome' | 'esp-idf' | 'zephyr';

export interface FirmwareLogLine {
  format: LogFormat;
  level: LogLevel;
  tag: string;
  message: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are the point
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

const ESPHOME =
  /^(?:\[\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?\])?\[(E|W|I|C|D|V|VV)\]\[([^\]:\s]{1,64})(?::\d{1,6})?\](?:\[[^\]]{1,32}\])?: ?(.*)$/s;
const ESP_IDF = /^([EWIDV]) \((\d{1,10}|\d{2}:\d{2}:\d{2}\.\d{3})\) ([^:\s][^:]{0,63}): ?(.*)$/s;
const ZEPHYR =
  /^(?:\[(?:\d{2}:\d{2}:\d{2}\.\d{3},\d{3}|\d{8,10}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2},\d{6}Z)\] )?<(err|wrn|inf|dbg)> ([^:\s][^:]{0,63}): ?(.*)$/s;

const ESPHOME_LEVELS: Record<string, LogLevel> = {
  E: 'error',
  W: 'warn',
  I: 'info',
  C: 'config',
  D: 'debug',
  V: 'verbose',
  VV: 'verbose',
};
const ESP_IDF_LEVELS: Record<string, LogLevel> = {
  E: 'error',
  W: 'warn',
  I: 'info',
  D: 'debug',
  V: 'verbose',
};
const ZEPHYR_LEVELS: Record<string, LogLevel> = { err: 'error', wrn: 'warn', inf: 'info', dbg: 'debug' };

/** cheap gate so telemetry lines ("{...}", "t=1", "1,2") cost one character test */
function mayBeLog(c: number): boolean {
  // ESC, '[', '<', or an ESP-IDF level letter
  return (
    c === 0x1b ||
    c === 0x5b ||
    c === 0x3c ||
    c === 0x45 ||
    c === 0x57 ||
    c === 0x49 ||
    c === 0x44 ||
    c === 0x56
  );
}

/** The line as a firmware log line, or null when it is something else (telemetry, noise). */
export function parseFirmwareLogLine(line: string): FirmwareLogLine | null {
  if (line.length === 0 || !mayBeLog(line.charCodeAt(0))) return null;
  const text = (line.includes('\u001b') ? line.replace(ANSI, '') : line).trimEnd();
  let m = ESPHOME.exec(text);
  if (m) return { format: 'esphome', level: ESPHOME_LEVELS[m[1]!]!, tag: m[2]!, message: m[3]! };
  m = ESP_IDF.exec(text);
  if (m) return { format: 'esp-idf', level: ESP_IDF_LEVELS[m[1]!]!, tag: m[3]!, message: m[4]! };
  m = ZEPHYR.exec(text);
  if (m) return { format: 'zephyr', level: ZEPHYR_LEVELS[m[1]!]!, tag: m[2]!, message: m[3]! };
  return null;
}
