/**
 * System / Light / Dark, on the Storage page (the app's settings): a native select, so
 * keyboard and screen readers just work. Not in the nav bar: at 1024 px it has no room left.
 */
import { parseThemeChoice, setThemeChoice, THEME_CHOICES, type ThemeChoice, useTheme } from './theme';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

export function ThemePicker() {
  const choice = useTheme((s) => s.choice);
  const theme = useTheme((s) => s.theme);
  return (
    <div className="theme-picker">
      <label htmlFor="theme-picker">Theme</label>
      <select
        id="theme-picker"
        data-testid="theme-picker"
        value={choice}
        onChange={(e) => setThemeChoice(parseThemeChoice(e.target.value))}
      >
        {THEME_CHOICES.map((c) => (
          <option key={c} value={c}>
            {LABELS[c]}
          </option>
        ))}
      </select>
      <span className="muted small">
        {choice === 'system' ? `follows the operating system (now ${theme})` : 'remembered on this computer'}
      </span>
    </div>
  );
}
