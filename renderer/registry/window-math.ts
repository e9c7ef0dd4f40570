/**
 * Windowed rendering arithmetic for a list of fixed-height rows: which rows are in the
 * DOM for a scroll position, how tall the spacers around them are, which pages of the
 * server-side list those rows live on, and where to scroll to bring a row into view.
 * A fixed row height is what makes all of it O(1) for 10,000 rows.
 */

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  total: number;
  /** extra rows rendered above and below the viewport so a fast scroll shows no gap */
  overscan: number;
}

export interface RowWindow {
  /** first row in the DOM */
  first: number;
  /** one past the last row in the DOM */
  end: number;
  /** height of the spacer above the rendered rows */
  padTop: number;
  /** height of the spacer below the rendered rows */
  padBottom: number;
  totalHeight: number;
}

export function rowWindow({ scrollTop, viewportHeight, rowHeight, total, overscan }: WindowInput): RowWindow {
  const count = Math.max(0, Math.floor(total));
  const height = rowHeight > 0 ? rowHeight : 1;
  const totalHeight = count * height;
  if (count === 0) return { first: 0, end: 0, padTop: 0, padBottom: 0, totalHeight: 0 };
  // a scroll position past the end (the list just shrank) shows the last screenful
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalHeight - viewportHeight));
  const visibleFirst = Math.floor(top / height);
  const visibleEnd = Math.ceil((top + Math.max(0, viewportHeight)) / height);
  const first = Math.max(0, visibleFirst - overscan);
  const end = Math.min(count, Math.max(visibleEnd, visibleFirst + 1) + overscan);
  return { first, end, padTop: first * height, padBottom: (count - end) * height, totalHeight };
}

/** The page numbers (pageSize rows each) that hold rows first..end-1. */
export function pagesCovering(first: number, end: number, pageSize: number): number[] {
  if (end <= first || pageSize <= 0) return [];
  const pages: number[] = [];
  for (let page = Math.floor(first / pageSize); page <= Math.floor((end - 1) / pageSize); page++)
    pages.push(page);
  return pages;
}

/**
 * The scrollTop that shows row `index` whole, moving as little as possible: unchanged
 * when it is already visible, else aligned to the nearer edge.
 */
export function scrollToReveal(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number {
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  if (rowTop < scrollTop) return rowTop;
  // a viewport shorter than a row shows the row's top
  if (rowBottom > scrollTop + viewportHeight)
    return Math.max(0, Math.min(rowTop, rowBottom - viewportHeight));
  return scrollTop;
}

/** Keyboard movement in a list: arrows, page keys, Home/End; null for other keys. */
export function moveSelection(
  key: string,
  current: number | null,
  total: number,
  pageRows: number,
): number | null {
  if (total <= 0) return null;
  const at = current ?? -1;
  const clamp = (n: number) => Math.min(total - 1, Math.max(0, n));
  switch (key) {
    case 'ArrowDown':
      return clamp(at + 1);
    case 'ArrowUp':
      return clamp(current === null ? 0 : at - 1);
    case 'PageDown':
      return clamp(at + Math.max(1, pageRows));
    case 'PageUp':
      return clamp(at - Math.max(1, pageRows));
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    default:
      return null;
  }
}
