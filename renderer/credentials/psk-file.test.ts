import { expect, test } from 'vitest';
import { maskPskFile, pskFileCount } from './psk-file';

test('hides every key and keeps the identities; counts the devices', () => {
  const key = 'ab'.repeat(32);
  const file = `pump-1:${key}\nenv.2:${'01'.repeat(16)}\n`;
  const masked = maskPskFile(file);
  expect(masked).toBe('pump-1:••••••••••••••••\nenv.2:••••••••••••••••\n');
  expect(masked).not.toContain(key);
  expect(masked).not.toMatch(/[0-9a-f]{8}/);
  expect(pskFileCount(file)).toBe(2);
  expect(pskFileCount('')).toBe(0);
  expect(maskPskFile('')).toBe('');
});
