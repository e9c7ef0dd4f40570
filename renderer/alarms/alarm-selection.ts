/**
 * Row selection in the alarm list, for mouse and keyboard alike: one focused row (the
 * arrow keys move it), a set of selected keys (Space toggles the focused row, Shift+arrow
 * extends, Ctrl+A takes all). Rows come and go with the stream, so the selection keeps
 * only keys still listed. Actions apply to the selected rows only: acknowledging a row
 * because it happened to have the focus would be an acknowledgement nobody meant.
 */

export interface Selection {
  focused: string | null;
  selected: ReadonlySet<string>;
}

export const emptySelection: Selection = { focused: null, selected: new Set() };

/** drops keys that left the list; the focus falls to the first row if its row left */
export function pruneSelection(sel: Selection, keys: readonly string[]): Selection {
  const listed = new Set(keys);
  const selected = new Set([...sel.selected].filter((k) => listed.has(k)));
  const focused = sel.focused !== null && listed.has(sel.focused) ? sel.focused : (keys[0] ?? null);
  if (focused === sel.focused && selected.size === sel.selected.size) return sel;
  return { focused, selected };
}

export function toggleKey(sel: Selection, key: string): Selection {
  const selected = new Set(sel.selected);
  if (selected.has(key)) selected.delete(key);
  else selected.add(key);
  return { focused: key, selected };
}

/** ArrowUp/Down (extend: with Shift), Home/End, Space, Ctrl/Cmd+A; null: not a selection key */
export function selectionKey(
  sel: Selection,
  keys: readonly string[],
  event: { key: string; shiftKey: boolean; ctrlKey: boolean; metaKey: boolean },
): Selection | null {
  if (keys.length === 0) return null;
  const at = sel.focused === null ? -1 : keys.indexOf(sel.focused);
  const moveTo = (index: number): Selection => {
    const focused = keys[Math.max(0, Math.min(keys.length - 1, index))]!;
    if (!event.shiftKey) return { focused, selected: sel.selected };
    const selected = new Set(sel.selected);
    if (sel.focused !== null) selected.add(sel.focused);
    selected.add(focused);
    return { focused, selected };
  };
  switch (event.key) {
    case 'ArrowDown':
      return moveTo(at + 1);
    case 'ArrowUp':
      return moveTo(at <= 0 ? 0 : at - 1);
    case 'Home':
      return moveTo(0);
    case 'End':
      return moveTo(keys.length - 1);
    case ' ':
      return sel.focused === null ? null : toggleKey(sel, sel.focused);
    case 'a':
    case 'A':
      if (!event.ctrlKey && !event.metaKey) return null;
      return { focused: sel.focused ?? keys[0]!, selected: new Set(keys) };
    default:
      return null;
  }
}
