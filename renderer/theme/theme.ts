/**
 * The colour theme: the user's choice (System, Light or Dark, remembered in localStorage)
 * resolved against the OS preference into the data-theme attribute on <html> that
 * styles.css keys its dark palette on. System follows the OS live, also while the app runs.
 */
import { create } from 'zustand';

export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];
export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'fieldline.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

/** Anything but a known choice (missing, edited by hand, from a newer version) means System. */
export function parseThemeChoice(stored: string | null | undefined): ThemeChoice {
  return THEME_CHOICES.find((c) => c === stored) ?? 'system';
}

export function resolveTheme(choice: ThemeChoice, osDark: boolean): Theme {
  if (choice === 'system') return osDark ? 'dark' : 'light';
  return choice;
}

// storage can throw (disabled, a sandboxed origin): the theme still works, unremembered
function readChoice(): ThemeChoice {
  try {
    return parseThemeChoice(localStorage.getItem(THEME_STORAGE_KEY));
  } catch {
    return 'system';
  }
}

function writeChoice(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
    else localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // unremembered, still applied
  }
}

interface ThemeStore {
  choice: ThemeChoice;
  theme: Theme;
}

export const useTheme = create<ThemeStore>(() => ({ choice: 'system', theme: 'light' }));

function apply(choice: ThemeChoice): void {
  const theme = resolveTheme(choice, matchMedia(DARK_QUERY).matches);
  document.documentElement.dataset.theme = theme;
  useTheme.setState({ choice, theme });
}

export function setThemeChoice(choice: ThemeChoice): void {
  writeChoice(choice);
  apply(choice);
}

/** Applies the remembered choice; called once, before the first render. */
export function startTheme(): void {
  apply(readChoice());
  matchMedia(DARK_QUERY).addEventListener('change', () => apply(useTheme.getState().choice));
  // another window of the app changed the choice
  window.addEventListener('storage', (event) => {
    if (event.key === THEME_STORAGE_KEY || event.key === null) apply(readChoice());
  });
}
