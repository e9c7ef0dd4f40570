import { describe, expect, test } from 'vitest';
import { parseThemeChoice, resolveTheme } from './theme';

describe('theme choice', () => {
  test('a stored choice is read back; anything else (missing, hand-edited) means System', () => {
    expect(parseThemeChoice('dark')).toBe('dark');
    expect(parseThemeChoice('light')).toBe('light');
    expect(parseThemeChoice('system')).toBe('system');
    for (const stored of [null, undefined, '', 'Dark', 'solarized', '{"theme":"dark"}']) {
      expect(parseThemeChoice(stored)).toBe('system');
    }
  });

  test('System follows the OS; Light and Dark ignore it', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });
});
