/**
 * Both palettes in styles.css keep their text readable: WCAG 2.x contrast ratios
 * (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio, relative luminance per
 * https://www.w3.org/TR/WCAG21/#dfn-relative-luminance), AA 4.5:1 for text and 3:1 for
 * chart lines and markers (non-text contrast, WCAG 2.1 SC 1.4.11). The palette is parsed
 * from the stylesheet itself, so an edited colour is checked as shipped.
 */
import { describe, expect, test } from 'vitest';

// The renderer's tsconfig has no Node types and vitest empties imported CSS (even ?raw),
// so the stylesheet is read through the one Node call this test needs, typed here.
interface NodeFs {
  readFileSync(file: URL, encoding: 'utf8'): string;
}
const node = globalThis as unknown as { process: { getBuiltinModule(id: 'node:fs'): NodeFs } };
const css = node.process
  .getBuiltinModule('node:fs')
  .readFileSync(new URL('../styles.css', import.meta.url), 'utf8');

function block(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`styles.css has no "${selector}" block`);
  const body = css.slice(start + selector.length + 2, css.indexOf('}', start));
  const vars: Record<string, string> = {};
  for (const m of body.matchAll(/--([\w-]+):\s*([^;]+);/g)) vars[m[1] as string] = (m[2] as string).trim();
  return vars;
}

const light = block('\n:root');
// the dark block overrides only what differs (the nav bar and console are dark in both)
const dark = { ...light, ...block(':root[data-theme="dark"]') };

function channels(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not an opaque #rrggbb colour: ${hex}`);
  const n = Number.parseInt(m[1] as string, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT_PAIRS: [string, string][] = [
  ['ink', 'bg'],
  ['ink', 'panel'],
  ['muted', 'bg'],
  ['muted', 'panel'],
  ['accent', 'panel'],
  ['accent', 'bg'],
  ['accent', 'accent-soft'],
  ['ok', 'panel'],
  ['ok', 'ok-soft'],
  ['warn', 'panel'],
  ['warn', 'warn-soft'],
  ['bad', 'panel'],
  ['bad', 'bad-soft'],
  ['idle', 'idle-soft'],
  ['head-ink', 'head'],
  ['ink', 'row-hover'],
  ['bad-ink', 'bad-soft'],
  ['warn-ink', 'warn-soft'],
  ['on-accent', 'accent'],
  ['on-accent', 'bad'],
  ['nav-ink', 'nav'],
  ['nav-link', 'nav'],
  ['nav-demo', 'nav'],
  ['console-ink', 'console-bg'],
  ['console-tx', 'console-bg'],
  ['console-muted', 'console-bg'],
  ['chart-axis', 'panel'],
];

const CHART_MARKS = ['chart-flagged', ...Array.from({ length: 8 }, (_, i) => `chart-${i + 1}`)];

describe.each([
  ['light', light],
  ['dark', dark],
])('the %s palette', (_name, palette) => {
  const color = (name: string) => {
    const value = palette[name];
    if (!value) throw new Error(`--${name} is not defined`);
    return value;
  };

  test.each(TEXT_PAIRS)('--%s on --%s reaches 4.5:1', (fg, bg) => {
    expect(contrast(color(fg), color(bg))).toBeGreaterThanOrEqual(4.5);
  });

  test.each(CHART_MARKS)('--%s stands out from the chart panel at 3:1', (mark) => {
    expect(contrast(color(mark), color('panel'))).toBeGreaterThanOrEqual(3);
  });
});

describe('the palettes', () => {
  test('dark is a dark theme: light text on dark panels', () => {
    expect(luminance(dark.bg as string)).toBeLessThan(0.05);
    expect(luminance(dark.ink as string)).toBeGreaterThan(0.6);
    expect(luminance(light.bg as string)).toBeGreaterThan(0.8);
  });

  test('the contrast formula matches WCAG: black on white is 21:1, a colour on itself 1:1', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#1d5fbf', '#1d5fbf')).toBe(1);
    // #767676 on white is the well-known lightest grey that passes AA (4.54:1)
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  test('styles.css keeps colours in variables: no hex or rgb() outside the palette blocks', () => {
    const rules = css.replace(/\n:root(\[data-theme="dark"\])? \{[^}]*\}/g, '');
    const stray = rules
      .split('\n')
      .filter((line: string) => /#[0-9a-f]{3,8}\b|rgba?\(/i.test(line) && !line.trim().startsWith('--'));
    expect(stray).toEqual([]);
  });
});
