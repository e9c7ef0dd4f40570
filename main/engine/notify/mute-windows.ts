/**
 * Recurring mute windows read in the site's local time. An instant is turned into the
 * site's weekday and wall-clock minute with Intl, so a window "Mon-Fri 22:00-06:00" means
 * the same local hours on both sides of a DST change. A window whose end is not after its
 * start runs past midnight: the weekday names the day it starts.
 */

export interface MuteWindow {
  weekdays: readonly number[];
  start: string;
  end: string;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** the site's weekday (0 = Sunday) and minute of the day at `at` */
export function localTime(at: number, timeZone: string): { weekday: number; minute: number } {
  const parts = formatFor(timeZone).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    weekday: WEEKDAYS[get('weekday')] ?? 0,
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function inMuteWindow(window: MuteWindow, at: number, timeZone: string): boolean {
  const { weekday, minute } = localTime(at, timeZone);
  const start = minuteOf(window.start);
  const end = minuteOf(window.end);
  if (end > start) return window.weekdays.includes(weekday) && minute >= start && minute < end;
  // past midnight: the evening part on a listed day, or the morning part on the day after one
  if (window.weekdays.includes(weekday) && minute >= start) return true;
  return window.weekdays.includes((weekday + 6) % 7) && minute < end;
}
