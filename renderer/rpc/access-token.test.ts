import { describe, expect, test } from 'vitest';
import { splitTokenFromHash, type TokenEnvironment, takeAccessToken } from './access-token';

describe('splitTokenFromHash', () => {
  test.each([
    ['#token=abc123', 'abc123', '#/'],
    ['#token=abc123&route=/device/th-01', 'abc123', '#/device/th-01'],
    ['#/device/th-01?token=abc123', 'abc123', '#/device/th-01'],
    ['#/connections&token=abc123', 'abc123', '#/connections'],
  ])('%s gives the token and keeps the route', (hash, token, rest) => {
    expect(splitTokenFromHash(hash)).toEqual({ token, hash: rest });
  });

  test.each(['', '#', '#/', '#/device/th-01', '#token='])('%s has no token and is left alone', (hash) => {
    expect(splitTokenFromHash(hash)).toEqual({ token: null, hash });
  });
});

function environment(hash: string, stored: string | null = null) {
  const storage = new Map<string, string>();
  if (stored) storage.set('fieldline.accessToken', stored);
  const replaced: string[] = [];
  const env: TokenEnvironment = {
    location: { hash, pathname: '/', search: '' },
    history: { state: null, replaceState: (_state, _title, url) => replaced.push(String(url)) },
    storage: {
      getItem: (key) => storage.get(key) ?? null,
      setItem: (key, value) => storage.set(key, value),
    },
  };
  return { env, storage, replaced };
}

describe('takeAccessToken', () => {
  test('takes the token from the fragment, keeps it for reloads and clears the address bar', () => {
    const { env, storage, replaced } = environment('#token=secret-1', 'older-token');
    expect(takeAccessToken(env)).toBe('secret-1');
    expect(storage.get('fieldline.accessToken')).toBe('secret-1');
    expect(replaced).toEqual(['/#/']);
  });

  test('after a reload the token comes from storage and the route is untouched', () => {
    const { env, replaced } = environment('#/device/th-01', 'secret-1');
    expect(takeAccessToken(env)).toBe('secret-1');
    expect(replaced).toEqual([]);
  });

  test('no token anywhere: null (the desktop app asks the preload for a port instead)', () => {
    expect(takeAccessToken(environment('#/').env)).toBeNull();
  });
});
