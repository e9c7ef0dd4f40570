/**
 * MQTT topic filters for the topic browser, by the rules of MQTT 5.0 §4.7 (the same in
 * 3.1.1 §4.7): what a filter may look like, and whether a topic name matches one. Pure, so
 * the contract, the engine and the demo's simulated broker agree on both.
 */

/** A reason the filter is not valid, or null when it is. */
export function topicFilterProblem(filter: string): string | null {
  // §4.7.3: at least one character, at most 65,535 bytes of UTF-8, no U+0000
  if (filter.length === 0) return 'a topic filter has at least one character';
  if (new TextEncoder().encode(filter).length > 65_535) return 'a topic filter is at most 65,535 bytes';
  if (filter.includes('\u0000')) return 'a topic filter has no NUL character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    // §4.7.1.2: '#' alone in the last level; §4.7.1.3: '+' fills a whole level
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return "'#' must be the whole last level (like a/#)";
    }
    if (level.includes('+') && level !== '+') return "'+' must be a whole level (like a/+/c)";
  }
  // §4.8.2: a shared subscription would take messages away from the group's real consumers
  if (filter.startsWith('$share/')) return 'the browser does not join shared subscriptions ($share/...)';
  return null;
}

/** Whether `topic` (a topic name, no wildcards) matches `filter` (§4.7.1, §4.7.2). */
export function topicMatches(filter: string, topic: string): boolean {
  // §4.7.2: a filter starting with a wildcard does not match topics starting with '$'
  if (topic.startsWith('$') && (filter.startsWith('#') || filter.startsWith('+'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    // 'sport/#' also matches 'sport' itself (§4.7.1.2)
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
