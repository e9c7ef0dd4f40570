/** Binary search over ascending device times (heads, decoded blocks). */
export function lowerBound(ts: ArrayLike<number>, t: number, length = ts.length): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function sortedHas(ts: ArrayLike<number>, t: number, length = ts.length): boolean {
  const i = lowerBound(ts, t, length);
  return i < length && ts[i] === t;
}
