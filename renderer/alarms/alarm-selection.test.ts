import { describe, expect, it } from 'vitest';
import { emptySelection, pruneSelection, selectionKey, toggleKey } from './alarm-selection';

const keys = ['a', 'b', 'c', 'd'];
const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }> = {}) => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  ...mods,
});

describe('alarm list selection', () => {
  it('moves the focus with the arrows and toggles with Space', () => {
    let sel = selectionKey(emptySelection, keys, key('ArrowDown'))!;
    expect(sel.focused).toBe('a');
    sel = selectionKey(sel, keys, key('ArrowDown'))!;
    sel = selectionKey(sel, keys, key(' '))!;
    expect([...sel.selected]).toEqual(['b']);
    sel = selectionKey(sel, keys, key(' '))!;
    expect(sel.selected.size).toBe(0);
    sel = selectionKey(sel, keys, key('End'))!;
    expect(sel.focused).toBe('d');
    expect(selectionKey(sel, keys, key('ArrowDown'))!.focused).toBe('d');
  });

  it('extends with Shift and takes all with Ctrl+A', () => {
    let sel = toggleKey(emptySelection, 'b');
    sel = selectionKey(sel, keys, key('ArrowDown', { shiftKey: true }))!;
    expect([...sel.selected].sort()).toEqual(['b', 'c']);
    expect(selectionKey(sel, keys, key('a'))).toBeNull();
    expect(selectionKey(sel, keys, key('a', { ctrlKey: true }))!.selected.size).toBe(4);
    expect(selectionKey(sel, keys, key('x'))).toBeNull();
  });

  it('keeps only rows still listed', () => {
    const sel = { focused: 'c', selected: new Set(['a', 'c']) };
    const pruned = pruneSelection(sel, ['a', 'b']);
    expect([...pruned.selected]).toEqual(['a']);
    expect(pruned.focused).toBe('a');
    const same = pruneSelection(sel, keys);
    expect(same).toBe(sel);
  });
});
