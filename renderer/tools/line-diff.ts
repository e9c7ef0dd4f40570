/**
 * A line diff by longest common subsequence, for comparing a topic's message with the one
 * before it. Quadratic, so it is given bounded input: beyond `maxLines` lines on either
 * side the rest is compared as one changed block rather than freezing the page.
 */

export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

export function diffLines(before: string, after: string, maxLines = 2000): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const headA = a.slice(0, maxLines);
  const headB = b.slice(0, maxLines);
  const out = lcsDiff(headA, headB);
  for (const text of a.slice(maxLines)) out.push({ kind: 'removed', text });
  for (const text of b.slice(maxLines)) out.push({ kind: 'added', text });
  return out;
}

function lcsDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  // lengths[i][j]: LCS length of a[i..] and b[j..], flattened row by row
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? (lengths[(i + 1) * width + j + 1] as number) + 1
          : Math.max(lengths[(i + 1) * width + j] as number, lengths[i * width + j + 1] as number);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i] as string });
      i++;
      j++;
    } else if ((lengths[(i + 1) * width + j] as number) >= (lengths[i * width + j + 1] as number)) {
      out.push({ kind: 'removed', text: a[i++] as string });
    } else {
      out.push({ kind: 'added', text: b[j++] as string });
    }
  }
  while (i < n) out.push({ kind: 'removed', text: a[i++] as string });
  while (j < m) out.push({ kind: 'added', text: b[j++] as string });
  return out;
}
