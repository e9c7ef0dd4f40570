/**
 * How hard a user-chosen access token is to guess. The token is all that stands between
 * the network and an RPC that reconfigures and flashes devices, so it needs what a random
 * 128-bit key has: the estimate is length × log2(size of the character classes used),
 * which is generous to a chosen word, so patterns (few distinct characters, one class
 * only) are refused on top of it.
 */

export const MIN_TOKEN_BITS = 128;
/** a random token of 22+ characters shows far more; "abcabcabc…" or "aaaa1111…" far fewer */
const MIN_DISTINCT = 8;

const CLASSES: readonly { test: RegExp; size: number }[] = [
  { test: /[a-z]/, size: 26 },
  { test: /[A-Z]/, size: 26 },
  { test: /[0-9]/, size: 10 },
  { test: /[^A-Za-z0-9]/, size: 4 }, // . _ ~ - : the rest are refused before this
];

/** Estimated bits of entropy: an upper bound for a token a person chose. */
export function estimatedBits(token: string): number {
  const alphabet = CLASSES.reduce((n, c) => (c.test.test(token) ? n + c.size : n), 0);
  return alphabet === 0 ? 0 : token.length * Math.log2(alphabet);
}

/** Why the token is too weak, in plain words, or null when it is strong enough. */
export function tokenWeakness(token: string): string | null {
  const advice = 'use 22 or more random characters, e.g. `openssl rand -hex 32`';
  const bits = Math.floor(estimatedBits(token));
  if (bits < MIN_TOKEN_BITS) {
    return `the token is too easy to guess (about ${bits} bits, ${MIN_TOKEN_BITS} needed): ${advice}`;
  }
  if (CLASSES.filter((c) => c.test.test(token)).length < 2) {
    return `the token uses one kind of character only (all letters of one case, or all digits): ${advice}`;
  }
  if (new Set(token).size < MIN_DISTINCT) {
    return `the token repeats a few characters (${new Set(token).size} different ones): ${advice}`;
  }
  return null;
}
