/** What the Credentials panel shows of a psk_file while its keys are hidden. */

export const PSK_LISTENER_PORT = 8884;

/** `identity:hexkey` lines with the keys blanked out; anything else in the text is shown as it is. */
export function maskPskFile(text: string): string {
  return text.replace(/^([^:\n]*):[^\n]*$/gm, '$1:••••••••••••••••');
}

/** How many devices the psk_file holds keys for. */
export function pskFileCount(text: string): number {
  return text.split('\n').filter((line) => line.includes(':')).length;
}
