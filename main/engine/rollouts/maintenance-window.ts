/**
 * A daily UTC window in which a rollout may start a new wave. "22:00"–"04:00" wraps past
 * midnight; equal start and end means the whole day.
 */
export interface MaintenanceWindow {
  start: string;
  end: string;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function inMaintenanceWindow(now: number, window: MaintenanceWindow | null): boolean {
  if (!window) return true;
  const date = new Date(now);
  const t = date.getUTCHours() * 60 + date.getUTCMinutes();
  const start = minutes(window.start);
  const end = minutes(window.end);
  if (start === end) return true;
  return start < end ? t >= start && t < end : t >= start || t < end;
}
