/**
 * The chart area's keyboard: `+`/`-` zoom, `←`/`→` pan, `L` back to live. Kept as a pure
 * mapping so the bindings are tested without a DOM, and so a key typed into a text field
 * inside the chart area (none today) would not move the charts.
 */
export type ChartKeyAction = 'zoom-in' | 'zoom-out' | 'pan-back' | 'pan-forward' | 'live';

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}

function isTextEntry(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName)) return true;
  return target instanceof HTMLInputElement && !/^(checkbox|radio|button|submit)$/.test(target.type);
}

export function chartKeyAction(event: KeyLike): ChartKeyAction | null {
  // browser zoom (Ctrl +) and shortcuts stay the browser's
  if (event.ctrlKey || event.metaKey || event.altKey || isTextEntry(event.target)) return null;
  switch (event.key) {
    case '+':
    case '=': // the unshifted + key on US layouts
      return 'zoom-in';
    case '-':
    case '_':
      return 'zoom-out';
    case 'ArrowLeft':
      return 'pan-back';
    case 'ArrowRight':
      return 'pan-forward';
    case 'l':
    case 'L':
      return 'live';
    default:
      return null;
  }
}
