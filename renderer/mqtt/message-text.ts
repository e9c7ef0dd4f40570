/** A browsed message's payload as text (when it is printable UTF-8) or hex. */
import type { BrowsedMessage } from '../../common/mqtt-browse-contract';
import { decodeBase64, toHex } from '../tools/serial-log';

const strict = new TextDecoder('utf-8', { fatal: true });

export interface PayloadText {
  /** null when the bytes are not printable UTF-8 */
  text: string | null;
  hex: string;
}

/** control bytes other than tab and line ends mean binary */
function hasControlBytes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x0b || c === 0x0c) return true;
  }
  return false;
}

const cache = new WeakMap<BrowsedMessage, PayloadText>();

export function payloadText(m: BrowsedMessage): PayloadText {
  const known = cache.get(m);
  if (known) return known;
  const bytes = decodeBase64(m.payload);
  let text: string | null;
  try {
    text = strict.decode(bytes);
    if (hasControlBytes(text)) text = null;
  } catch {
    text = null;
  }
  const result = { text, hex: toHex(bytes) };
  cache.set(m, result);
  return result;
}
