/**
 * Desktop notifications for alarms (the app's own channel): one per episode that becomes
 * active and unacknowledged while the app runs, never for shadow rules, never for what was
 * already active when the app opened (the banner says that). Off until the user turns it
 * on, which asks the browser's permission; the choice is remembered in localStorage.
 */
import { create } from 'zustand';
import type { AlarmInstance } from '../../common/alarm-contract';
import { formatValue } from '../format';
import { hrefFor } from '../router';
import { useAlarms } from './alarm-store';
import { severityWord } from './alarm-words';

export const DESKTOP_NOTICES_KEY = 'fieldline.alarms.desktop';

export type NoticePermission = 'default' | 'granted' | 'denied' | 'unsupported';

interface DesktopNoticesStore {
  enabled: boolean;
  permission: NoticePermission;
}

const supported = () => typeof Notification !== 'undefined';

function readEnabled(): boolean {
  try {
    return localStorage.getItem(DESKTOP_NOTICES_KEY) === 'on';
  } catch {
    return false;
  }
}

export const useDesktopNotices = create<DesktopNoticesStore>(() => ({
  enabled: readEnabled(),
  permission: supported() ? Notification.permission : 'unsupported',
}));

/** Turning on asks for permission first; a refusal leaves it off and says so. */
export async function setDesktopNotices(on: boolean): Promise<void> {
  let permission: NoticePermission = supported() ? Notification.permission : 'unsupported';
  if (on && permission === 'default') permission = await Notification.requestPermission();
  const enabled = on && permission === 'granted';
  useDesktopNotices.setState({ enabled, permission });
  try {
    if (enabled) localStorage.setItem(DESKTOP_NOTICES_KEY, 'on');
    else localStorage.removeItem(DESKTOP_NOTICES_KEY);
  } catch {
    // unremembered, still applied
  }
}

/**
 * The episodes to announce: active and unacknowledged, not shadow, and not among `seen`
 * (which it extends). The first list after opening is only remembered.
 */
export function episodesToAnnounce(alarms: readonly AlarmInstance[], seen: Set<string>): AlarmInstance[] {
  const fresh: AlarmInstance[] = [];
  for (const a of alarms) {
    const episode = a.episodeId ?? a.key;
    if (a.state !== 'active_unack' || a.shadow || seen.has(episode)) continue;
    seen.add(episode);
    fresh.push(a);
  }
  return fresh;
}

export function noticeText(a: AlarmInstance): { title: string; body: string } {
  const value = a.value === null ? '' : ` at ${formatValue(a.value)}`;
  return {
    title: `${severityWord(a.severity)}: ${a.ruleName}`,
    body: `${a.deviceId}${a.metric ? ` ${a.metric}` : ''}${value}`,
  };
}

export function startDesktopNotices(): () => void {
  const seen = new Set<string>();
  let primed = false;
  const look = (alarms: readonly AlarmInstance[], loaded: boolean) => {
    if (!loaded) return;
    const fresh = episodesToAnnounce(alarms, seen);
    if (!primed) {
      primed = true;
      return;
    }
    const { enabled } = useDesktopNotices.getState();
    if (!enabled || !supported() || Notification.permission !== 'granted') return;
    for (const a of fresh) {
      const { title, body } = noticeText(a);
      // the tag makes a repeat of the same episode replace its notification, not stack
      const notice = new Notification(title, { body, tag: a.episodeId ?? a.key });
      notice.onclick = () => {
        window.focus();
        window.location.hash = hrefFor({ name: 'alarms' });
      };
    }
  };
  look(useAlarms.getState().alarms, useAlarms.getState().loaded);
  return useAlarms.subscribe((s) => look(s.alarms, s.loaded));
}
