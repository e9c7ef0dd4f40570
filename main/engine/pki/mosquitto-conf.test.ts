import { describe, expect, it } from 'vitest';
import { mosquittoListenerConf, mosquittoPskFile, mosquittoPskListenerConf } from './mosquitto-conf';

const base = {
  port: 8883,
  caFile: '/etc/mosquitto/certs/ca.pem',
  crlFile: '/etc/mosquitto/certs/crl.pem',
  certFile: '/etc/mosquitto/certs/server.pem',
  keyFile: '/etc/mosquitto/certs/server.key',
};
const directives = (conf: string) => conf.split('\n').filter((l) => l && !l.startsWith('#'));

describe('mosquitto snippet with a TLS-PSK listener', () => {
  it('keeps the mutual-TLS listener as it was and adds the PSK listener after it only when asked', () => {
    const mtlsOnly = directives(mosquittoListenerConf(base));
    expect(mtlsOnly).not.toContain('psk_hint fieldline');
    const both = directives(
      mosquittoListenerConf({ ...base, pskPort: 8884, pskFile: '/etc/mosquitto/fieldline.psk' }),
    );
    expect(both.slice(0, mtlsOnly.length)).toEqual(mtlsOnly);
    expect(both.slice(mtlsOnly.length)).toEqual([
      'listener 8884',
      'psk_hint fieldline',
      'psk_file /etc/mosquitto/fieldline.psk',
      'use_identity_as_username true',
      'tls_version tlsv1.2',
    ]);
    expect(
      directives(mosquittoPskListenerConf({ pskPort: 9884, pskFile: '/p', bindAddress: '127.0.0.1' }))[0],
    ).toBe('listener 9884 127.0.0.1');
  });

  it('refuses a psk_file path that would inject a directive, a clashing or bad port and a missing path', () => {
    expect(() =>
      mosquittoListenerConf({ ...base, pskPort: 8884, pskFile: '/p\nallow_anonymous true' }),
    ).toThrow(/one line/);
    expect(() => mosquittoListenerConf({ ...base, pskPort: 8883, pskFile: '/p' })).toThrow(/differ/);
    expect(() => mosquittoListenerConf({ ...base, pskPort: 70000, pskFile: '/p' })).toThrow(/pskPort/);
    expect(() => mosquittoListenerConf({ ...base, pskPort: 8884 })).toThrow(/pskFile/);
  });
});

describe('psk_file', () => {
  it('writes identity:hexkey lines, keys in lowercase, and nothing at all for no devices', () => {
    expect(mosquittoPskFile([])).toBe('');
    expect(
      mosquittoPskFile([
        { identity: 'pump-1', keyHex: 'AB'.repeat(32) },
        { identity: 'env.2', keyHex: '01'.repeat(16) },
      ]),
    ).toBe(`pump-1:${'ab'.repeat(32)}\nenv.2:${'01'.repeat(16)}\n`);
  });

  it('refuses what mosquitto would split or misread: a colon or whitespace in the identity, a bad key', () => {
    const keyHex = 'ab'.repeat(32);
    expect(() => mosquittoPskFile([{ identity: 'a:b', keyHex }])).toThrow(/cannot go in a psk_file/);
    expect(() => mosquittoPskFile([{ identity: 'a\nevil:00', keyHex }])).toThrow(/cannot go/);
    expect(() => mosquittoPskFile([{ identity: '', keyHex }])).toThrow(/cannot go/);
    expect(() => mosquittoPskFile([{ identity: 'a', keyHex: 'xyz' }])).toThrow(/hex/);
    expect(() => mosquittoPskFile([{ identity: 'a', keyHex: 'ab' }])).toThrow(/16-64 bytes/);
    expect(() => mosquittoPskFile([{ identity: 'a', keyHex: `${keyHex}\nb:00` }])).toThrow(/hex/);
  });
});
