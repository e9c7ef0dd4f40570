/**
 * What an alarm expression may be. CEL is not Turing complete, but it is not free either:
 * a comprehension inside a comprehension costs the product of both lists, `matches` runs
 * a JavaScript RegExp (backtracking, not the RE2 the CEL spec asks for) and `cel.bind`
 * lets a list double at each level. The parser's own limits (cel-js `limits`:
 * maxAstNodes, maxDepth, maxListElements, maxMapEntries, maxCallArguments, checked at
 * parse time) bound the size; the guard here bounds the cost, before anything runs.
 */

export const MAX_SOURCE_CHARS = 2000;

/** cel-js Environment `limits` (README "Environment Options"), far below its defaults */
export const PARSER_LIMITS = {
  maxAstNodes: 256,
  maxDepth: 24,
  maxListElements: 32,
  maxMapEntries: 32,
  maxCallArguments: 8,
} as const;

/** node visits an evaluation may make, loops counted at their worst case */
export const MAX_COST = 4000;

/** `device.tags` is cut to this many for an evaluation, so a loop over it is bounded */
export const MAX_TAGS = 64;

/** loops over a list whose length is unknown before it runs count this many turns */
export const UNKNOWN_RANGE = 64;

/** the macros that loop over a list or map (CEL spec "Macros") */
export const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** global functions allowed: conversions, size and the `has` macro */
export const FUNCTIONS = new Set(['has', 'size', 'dyn', 'bool', 'double', 'int', 'uint', 'string']);

/** receiver methods allowed (string functions without regular expressions) */
export const METHODS = new Set([
  'size',
  'startsWith',
  'endsWith',
  'contains',
  'lowerAscii',
  'upperAscii',
  'trim',
  'indexOf',
  'lastIndexOf',
  'substring',
]);

/** why a function is refused, when there is more to say than "not allowed" */
export const REFUSED: Record<string, string> = {
  matches: 'regular expressions can take exponential time here',
  bind: 'cel.bind can double a value at each level',
  split: 'split can build lists of any length',
  join: 'join can build strings of any length',
};
