/**
 * One log format for every host: JSON lines on stderr, so the Electron main process,
 * a systemd journal and a test can all read the same thing. Stdout stays free for the
 * headless host's one human line (its URL).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  scope?: string;
  write?: (line: string) => void;
}

function levelFromEnv(): LogLevel {
  const value = process.env.FIELDLINE_LOG_LEVEL;
  return value && value in ORDER ? (value as LogLevel) : 'info';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnv();
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const make = (scope: string | undefined): Logger => {
    const emit = (at: LogLevel, message: string, fields?: LogFields) => {
      if (ORDER[at] < ORDER[level]) return;
      const entry: LogFields = { t: new Date().toISOString(), level: at, msg: message };
      if (scope) entry.scope = scope;
      write(`${JSON.stringify(fields ? { ...entry, ...fields } : entry)}\n`);
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (name) => make(scope ? `${scope}.${name}` : name),
    };
  };
  return make(options.scope);
}
