/** What the SIGKILL test's parent and child agree on: the image and the device ids. */
import { createHash } from 'node:crypto';

export function killTestImage(): { sha256: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(24_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
}

export function killTestDevices(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `kill-${String(i).padStart(2, '0')}`);
}
