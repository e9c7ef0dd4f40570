/**
 * Alertmanager-style label matchers. `=~` patterns come from users and run against every
 * notice, so they are kept to what cannot backtrack catastrophically: anchored, bounded in
 * length, no back-references or look-arounds, no quantified group that itself holds a
 * quantifier (the `(a+)+` family), matched against a value cut to a bounded length.
 */

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~';
  value: string;
}

const MAX_PATTERN = 200;
const MAX_SUBJECT = 1024;

export class MatcherError extends Error {}

const compiled = new Map<string, RegExp>();

/** the pattern as a safe, anchored RegExp, or a MatcherError saying why not */
export function safeRegex(pattern: string): RegExp {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  if (pattern.length > MAX_PATTERN) throw new MatcherError(`a pattern is at most ${MAX_PATTERN} characters`);
  if (/\\[1-9]|\\k</.test(pattern)) throw new MatcherError('back-references are not allowed in a pattern');
  if (/\(\?[=!<]/.test(pattern)) throw new MatcherError('look-arounds are not allowed in a pattern');
  if (nestedQuantifier(pattern)) {
    throw new MatcherError('a repeated group may not contain a repetition (it can take forever to match)');
  }
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`, 'u');
  } catch (error) {
    throw new MatcherError(`not a valid pattern: ${(error as Error).message}`);
  }
  if (compiled.size > 500) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

/** true when a group that contains a quantifier is itself followed by a quantifier */
function nestedQuantifier(pattern: string): boolean {
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const inner = stack.pop() ?? false;
      const next = pattern[i + 1];
      const quantified = next === '*' || next === '+' || next === '?' || next === '{';
      if (inner && quantified) return true;
      if ((inner || quantified) && stack.length > 0) stack[stack.length - 1] = true;
    } else if ((c === '*' || c === '+' || c === '{' || c === '?') && stack.length > 0) {
      stack[stack.length - 1] = true;
    }
  }
  return false;
}

export function validateMatchers(matchers: readonly Matcher[]): void {
  for (const m of matchers) if (m.op === '=~') safeRegex(m.value);
}

export function matches(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) {
    const value = (labels[m.label] ?? '').slice(0, MAX_SUBJECT);
    if (m.op === '=' && value !== m.value) return false;
    if (m.op === '!=' && value === m.value) return false;
    if (m.op === '=~' && !safeRegex(m.value).test(value)) return false;
  }
  return true;
}
