import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseHeadlessOptions, USAGE, UsageError } from './cli-options';

const parse = (...argv: string[]) => parseHeadlessOptions(argv, '/app/out/renderer');

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

  test('refuses a non-loopback address without a token, accepts it with one', () => {
    expect(() => parse('--host', '0.0.0.0')).toThrow(UsageError);
    expect(() => parse('--host', '192.168.1.20')).toThrow(/without --token or --token-file/);
    const o = parse('--host', '0.0.0.0', '--token', 'a-long-enough-token-123');
    expect(o !== 'help' && o.token).toBe('a-long-enough-token-123');
    expect(() => parse('--host', '::1')).not.toThrow();
    expect(() => parse('--host', 'localhost')).not.toThrow();
  });

  test('rejects bad input with a clear message', () => {
    expect(() => parse('--port', 'eighty')).toThrow(/--port must be a number/);
    expect(() => parse('--port', '70000')).toThrow(/--port/);
    expect(() => parse('--token', 'short')).toThrow(/at least 16/);
    expect(() => parse('--token', 'has spaces in the token')).toThrow(/only letters/);
    expect(() => parse('--bogus')).toThrow(UsageError);
    expect(() => parse('--token', 'aaaaaaaaaaaaaaaaaaaa', '--token-file', 'x')).toThrow(/not both/);
  });

  test('reads a token file and warns when others can read it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-token-'));
    const file = path.join(dir, 'token');
    writeFileSync(file, 'file-token-0123456789abcdef\nignored second line\n');
    chmodSync(file, 0o644);
    const loose = parse('--host', '0.0.0.0', '--token-file', file);
    if (loose === 'help') throw new Error('unexpected help');
    expect(loose.token).toBe('file-token-0123456789abcdef');
    expect(loose.warnings.join()).toMatch(/chmod 600/);
    chmodSync(file, 0o600);
    const tight = parse('--token-file', file);
    expect(tight !== 'help' && tight.warnings).toEqual([]);
    expect(() => parse('--token-file', path.join(dir, 'missing'))).toThrow(/cannot read the token file/);
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

  test('--help', () => {
    expect(parse('--help')).toBe('help');
  });
});
