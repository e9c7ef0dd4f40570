import { describe, expect, test } from 'vitest';
import { maskSecrets, SECRET_FIELDS, STORED_MARKER, splitSecrets } from './connector-secrets';

const urlPassword = SECRET_FIELDS.mqtt?.find((f) => f.name === 'url-password');

describe('connector secrets', () => {
  test('a URL password comes out and goes back exactly, special characters included', () => {
    const url = 'mqtts://user:p%40ss%3Aw0rd@broker.example:8883';
    const { config, secrets } = splitSecrets('mqtt', { id: 'b', url });
    expect(config.url).toBe('mqtts://user@broker.example:8883');
    expect([...secrets.values()]).toEqual(['p%40ss%3Aw0rd']);
    expect(urlPassword?.write(config, 'p%40ss%3Aw0rd').url).toBe(url);
  });

  test('a URL without a password is left exactly as typed', () => {
    const config = { id: 'b', url: 'ws://broker:9001' };
    expect(splitSecrets('mqtt', config)).toEqual({ config, secrets: new Map() });
    expect(maskSecrets('mqtt', config)).toBe(config);
  });

  test('masking: set secrets read as the marker, in a URL too; empty ones stay empty', () => {
    const masked = maskSecrets('mqtt', { id: 'b', url: 'mqtt://u:x@h:1883', password: 'pw', key: '' });
    expect(masked).toEqual({
      id: 'b',
      url: 'mqtt://u:%3Cstored%3E@h:1883',
      password: STORED_MARKER,
      key: '',
    });
    expect(urlPassword?.read(masked)).toBe(STORED_MARKER);
  });

  test('kinds without secrets pass through', () => {
    const config = { id: 's', path: '/dev/ttyUSB0', password: 'not a field of serial' };
    expect(splitSecrets('serial', config).config).toBe(config);
  });
});
