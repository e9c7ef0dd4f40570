import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseHeadlessOptions, TOKEN_ENV, USAGE, UsageError } from './cli-options';
import { estimatedBits, tokenWeakness } from './token-strength';

const parse = (...argv: string[]) => parseHeadlessOptions(argv, '/app/out/renderer', {});
const parseEnv = (env: NodeJS.ProcessEnv, ...argv: string[]) =>
  parseHeadlessOptions(argv, '/app/out/renderer', env);
/** 32 random bytes as hex, what the usage text suggests (`openssl rand -hex 32`) */
const STRONG = '3f1c9a7be0d24c58a6e1f09b7d3c2e4a5b6c7d8e9f0a1b2c3d4e5f60718293a4';

function tokenFile(content: string, mode = 0o600): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-token-'));
  const file = path.join(dir, 'token');
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

describe('headless host options', () => {
  test('defaults: loopback, port 5170, a fresh random token, demo on', () => {
    const a = parse();
    const b = parse();
    if (a === 'help' || b === 'help') throw new Error('unexpected help');
    expect(a.host).toBe('127.0.0.1');
    expect(a.port).toBe(5170);
    expect(a.demo).toBe(true);
    expect(a.tokenSource).toBe('generated');
    expect(a.token).toMatch(/^[0-9a-f]{48}$/);
    expect(a.token).not.toBe(b.token);
  });

  test('--no-demo, --port 0 and --data-dir are honoured', () => {
    const o = parse('--no-demo', '--port', '0', '--data-dir', 'rel/dir');
    if (o === 'help') throw new Error('unexpected help');
    expect(o.demo).toBe(false);
    expect(o.port).toBe(0);
    expect(o.dataDir).toBe(path.resolve('rel/dir'));
  });

  test('--demo-site runs another demo site definition, and only with the demo on', () => {
    const o = parse('--demo-site', 'rel/site.json');
    if (o === 'help') throw new Error('unexpected help');
    expect(o.demoSiteFile).toBe(path.resolve('rel/site.json'));
    const plain = parse();
    expect(plain !== 'help' && plain.demoSiteFile).toBeUndefined();
    expect(() => parse('--demo-site', 'site.json', '--no-demo')).toThrow(/without --no-demo/);
  });

  test('the demo runs on a folder of its own inside the data folder; --no-demo uses the data folder', () => {
    const demo = parse('--data-dir', '/srv/fieldline');
    const site = parse('--data-dir', '/srv/fieldline', '--no-demo');
    if (demo === 'help' || site === 'help') throw new Error('unexpected help');
    expect(demo.engineDataDir).toBe(path.resolve('/srv/fieldline/demo'));
    expect(site.engineDataDir).toBe(path.resolve('/srv/fieldline'));
    expect(USAGE.replace(/\s+/g, ' ')).toContain('the demo runs on its own data in <data-dir>/demo');
  });

  test('refuses a non-loopback address without a token, accepts it with one from a file or the environment', () => {
    expect(() => parse('--host', '0.0.0.0')).toThrow(UsageError);
    expect(() => parse('--host', '192.168.1.20')).toThrow(/without --token-file or FIELDLINE_TOKEN/);
    const o = parse('--host', '0.0.0.0', '--token-file', tokenFile(`${STRONG}\n`));
    expect(o !== 'help' && o.token).toBe(STRONG);
    const e = parseEnv({ [TOKEN_ENV]: STRONG }, '--host', '0.0.0.0');
    expect(e !== 'help' && [e.token, e.tokenSource]).toEqual([STRONG, 'env']);
    expect(() => parse('--host', '::1')).not.toThrow();
    expect(() => parse('--host', 'localhost')).not.toThrow();
  });

  test('rejects bad input with a clear message', () => {
    expect(() => parse('--port', 'eighty')).toThrow(/--port must be a number/);
    expect(() => parse('--port', '70000')).toThrow(/--port/);
    expect(() => parseEnv({ [TOKEN_ENV]: 'short' })).toThrow(/at least 16/);
    expect(() => parseEnv({ [TOKEN_ENV]: 'has spaces in the token' })).toThrow(/only letters/);
    expect(() => parse('--bogus')).toThrow(UsageError);
    expect(() => parseEnv({ [TOKEN_ENV]: STRONG }, '--token-file', 'x')).toThrow(/not both/);
  });

  test('--token is refused: a command line is visible to every user (ps); the message says what to use', () => {
    for (const argv of [
      ['--token', STRONG],
      [`--token=${STRONG}`],
      ['--host', '0.0.0.0', '--token', STRONG],
    ]) {
      expect(() => parse(...argv)).toThrow(UsageError);
      expect(() => parse(...argv)).toThrow(
        /--token shows the token to every user of this machine.*--token-file <file>.*FIELDLINE_TOKEN/,
      );
    }
    expect(USAGE).not.toMatch(/--token </);
  });

  test('FIELDLINE_TOKEN is read once and removed from the environment children inherit', () => {
    const env: NodeJS.ProcessEnv = { [TOKEN_ENV]: `  ${STRONG}\n`, PATH: '/usr/bin' };
    const o = parseEnv(env);
    if (o === 'help') throw new Error('unexpected help');
    expect([o.token, o.tokenSource]).toEqual([STRONG, 'env']);
    expect(env).toEqual({ PATH: '/usr/bin' });
    // refused tokens are removed too
    const weak: NodeJS.ProcessEnv = { [TOKEN_ENV]: 'aaaaaaaaaaaaaaaaaaaaaaaa' };
    expect(() => parseEnv(weak)).toThrow(UsageError);
    expect(weak[TOKEN_ENV]).toBeUndefined();
  });

  test('user-chosen tokens need about 128 bits: short, one-class and repetitive ones are refused', () => {
    const refused: [string, RegExp][] = [
      ['a-long-enough-token-123', /too easy to guess \(about 122 bits, 128 needed\)/],
      ['password1234567890abc', /too easy to guess/],
      // 12 random bytes in hex: 96 bits really, about 124 by the estimate; refused either way
      ['f3a9c1e07b5d2846aa10c9e3', /too easy to guess \(about 124 bits/],
      ['abcdefghijklmnopqrstuvwxyzabcdefgh', /one kind of character/],
      ['12345678901234567890123456789012345678901', /one kind of character/],
      ['abcABCabcABCabcABCabcABCabc', /repeats a few characters \(6 different ones\)/],
      ['aaaaaaaaaaaa111111111111-----', /repeats a few characters/],
    ];
    for (const [token, message] of refused) {
      expect(tokenWeakness(token), token).toMatch(message);
      expect(() => parseEnv({ [TOKEN_ENV]: token }), token).toThrow(message);
      expect(() => parse('--token-file', tokenFile(`${token}\n`)), token).toThrow(message);
    }
    // what the advice produces, 22 random base64url characters, and the generated token pass
    for (const token of [STRONG, 'Vx3_kQ9-Lm2ZpA7tYc0Rbw']) {
      expect(tokenWeakness(token), token).toBeNull();
    }
    const generated = parse();
    expect(generated !== 'help' && tokenWeakness(generated.token)).toBeNull();
    expect(Math.floor(estimatedBits('Vx3_kQ9-Lm2ZpA7tYc0Rbw'))).toBe(132);
    expect(tokenWeakness('Vx3_kQ9-Lm2ZpA7tYc0Rb')).toMatch(/about 126 bits/);
  });

  test('reads a token file and warns when others can read it', () => {
    const file = tokenFile(`${STRONG}\nignored second line\n`, 0o644);
    const loose = parse('--host', '0.0.0.0', '--token-file', file);
    if (loose === 'help') throw new Error('unexpected help');
    expect(loose.token).toBe(STRONG);
    expect(loose.tokenSource).toBe('file');
    expect(loose.tokenFile).toBe(file);
    expect(loose.warnings.join()).toMatch(/chmod 600/);
    chmodSync(file, 0o600);
    const tight = parse('--token-file', file);
    expect(tight !== 'help' && tight.warnings).toEqual([]);
    expect(() => parse('--token-file', path.join(path.dirname(file), 'missing'))).toThrow(
      /cannot read the token file/,
    );
  });

  test('--simulated-ble is off unless asked for, and the usage text says what it is', () => {
    const plain = parse();
    const simulated = parse('--simulated-ble', '--no-demo');
    if (plain === 'help' || simulated === 'help') throw new Error('unexpected help');
    expect(plain.simulatedBle).toBe(false);
    expect(simulated.simulatedBle).toBe(true);
    expect(simulated.demo).toBe(false);
    expect(() => parse('--simulated-ble=yes')).toThrow(UsageError);
    expect(USAGE.replace(/\s+/g, ' ')).toContain(
      '--simulated-ble Bluetooth LE connectors use a simulated Bluetooth adapter with standard GATT sensors, for demos and tests; says so in the UI',
    );
  });

  test('--simulated-mcuboot adds the flashable device to the simulated adapter only', () => {
    const both = parse('--simulated-ble', '--simulated-mcuboot');
    const plain = parse('--simulated-ble');
    if (both === 'help' || plain === 'help') throw new Error('unexpected help');
    expect(both.simulatedMcuboot).toBe(true);
    expect(plain.simulatedMcuboot).toBe(false);
    expect(() => parse('--simulated-mcuboot')).toThrow(/needs --simulated-ble/);
  });

  test('--help', () => {
    expect(parse('--help')).toBe('help');
  });
});
