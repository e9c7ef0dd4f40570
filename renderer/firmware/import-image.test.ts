import { describe, expect, test } from 'vitest';
import type { RpcClient } from '../rpc/client';
import { importImage, toBase64 } from './import-image';

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

describe('firmware import from the page', () => {
  test('base64: the RFC 4648 §10 test vectors, and a round trip around the slice boundary', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of vectors) expect(toBase64(new TextEncoder().encode(text))).toBe(encoded);
    for (const n of [0x8000 - 1, 0x8000, 0x8000 + 1, 100_000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    }
  });

  test('sends chunks of the size the engine names, from the offset it acknowledges, then finishes', async () => {
    const bytes = Uint8Array.from({ length: 10 }, (_, i) => i);
    const calls: [string, unknown][] = [];
    let got: number[] = [];
    const client = {
      request: async (method: string, params: Record<string, unknown>) => {
        calls.push([method, params]);
        if (method === 'firmware.import.begin') return { uploadId: 'u1', chunkBytes: 4 };
        if (method === 'firmware.import.chunk') {
          got = [...got, ...fromBase64(params.dataBase64 as string)];
          return { received: got.length };
        }
        return { existed: false, image: { sha256: 'x' } };
      },
    } as unknown as Pick<RpcClient, 'request'>;
    const progress: number[] = [];
    const result = await importImage(client, 'a.bin', bytes, (sent) => progress.push(sent));
    expect(result).toEqual({ existed: false, image: { sha256: 'x' } });
    expect(calls.map(([m, p]) => [m, (p as { offset?: number }).offset])).toEqual([
      ['firmware.import.begin', undefined],
      ['firmware.import.chunk', 0],
      ['firmware.import.chunk', 4],
      ['firmware.import.chunk', 8],
      ['firmware.import.finish', undefined],
    ]);
    expect(got).toEqual([...bytes]);
    expect(progress).toEqual([0, 4, 8, 10]);
  });
});
