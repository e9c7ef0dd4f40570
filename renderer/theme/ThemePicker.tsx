/** System / Light / Dark, in the nav bar: a native select, so keyboard and screen readers just work. */
import { parseThemeChoice, setThemeChoice, THEME_CHOICES, type ThemeChoice, useTheme } from './theme';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

export function ThemePicker() {
  const choice = useTheme((s) => s.choice);
  return (
    <label className="theme-picker" title="Colour theme; System follows the operating system">
      Theme
      <select
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
    </label>
  );
}
