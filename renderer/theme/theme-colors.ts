/**
 * Chart colours for canvas drawing, read from the CSS variables of the current theme:
 * a canvas cannot use var(--x), so charts rebuild with these when the theme changes.
 */
import { useMemo } from 'react';
import { useTheme } from './theme';

export interface ChartColors {
  axis: string;
  grid: string;
  flagged: string;
  series: readonly string[];
}

const SERIES_VARS = 8;

export function readChartColors(root: Element = document.documentElement): ChartColors {
  const style = getComputedStyle(root);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    axis: read('--chart-axis'),
    grid: read('--chart-grid'),
    flagged: read('--chart-flagged'),
    series: Array.from({ length: SERIES_VARS }, (_, i) => read(`--chart-${i + 1}`)),
  };
}

export const seriesColor = (colors: ChartColors, i: number): string =>
  colors.series[i % colors.series.length] ?? colors.axis;

/** The current theme's chart colours; a new object exactly when the theme changes. */
export function useChartColors(): ChartColors {
  const theme = useTheme((s) => s.theme);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the theme changes what the CSS variables hold
  return useMemo(() => readChartColors(), [theme]);
}
