/**
 * The headless host's access token as an operator handles it: never on the command line
 * (--token is refused), never printed when the operator chose it (file or environment),
 * and the data folder private (0700, files 0600) from the first start.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { connectRpc, type RunningHost, repoRoot, startHost, tempDataDir } from './harness';

const serverJs = path.join(repoRoot, 'out/main/server.js');
/** `openssl rand -hex 32`, as the usage text suggests */
const TOKEN = '9c4e1f7a2b8d3e6f0a5c9b1d7e3f2a4c6b8d0e1f3a5c7e9b2d4f6a8c0e1b3d5f';

let host: RunningHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

const modeOf = (p: string) => (statSync(p).mode & 0o777).toString(8);

async function expectRpcWorks(h: RunningHost): Promise<void> {
  const rpc = await connectRpc(h, { token: TOKEN, origin: h.origin });
  expect((await rpc.call('engine.info')).result).toMatchObject({ host: 'node' });
  rpc.close();
}

describe('headless host token', () => {
  test('--token <value> is refused before anything starts, pointing to --token-file and FIELDLINE_TOKEN', () => {
    const result = spawnSync(process.execPath, [serverJs, '--port', '0', '--token', TOKEN], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--token shows the token to every user of this machine/);
    expect(result.stderr).toMatch(/--token-file <file>.*FIELDLINE_TOKEN/s);
    expect(result.stdout).not.toContain('Fieldline headless host');
  });

  test('a weak token in the environment is refused with exit code 2', () => {
    const result = spawnSync(process.execPath, [serverJs, '--port', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, FIELDLINE_TOKEN: 'fieldline-admin-2024' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/FIELDLINE_TOKEN: the token is too easy to guess/);
  });

  test('--token-file: the token is not printed, the file is; the data folder and its files are private', async () => {
    const dataDir = path.join(tempDataDir('token-file'), 'data');
    const file = path.join(tempDataDir('token-file-secret'), 'token');
    writeFileSync(file, `${TOKEN}\n`);
    chmodSync(file, 0o600);
    host = await startHost({ dataDir, args: ['--token-file', file] });
    await expectRpcWorks(host);
    const output = host.output();
    expect(output).not.toContain(TOKEN);
    expect(output).toMatch(/Fieldline headless host: http:\/\/127\.0\.0\.1:\d+\/\n/);
    expect(output).toContain(`token: not printed; it is the one in ${file}.`);

    // the data folder (the demo runs in data/demo) and everything the engine wrote in it
    expect(modeOf(dataDir)).toBe('700');
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? [full, ...walk(full)] : [full];
      });
    const entries = walk(dataDir);
    expect(entries.map((e) => path.relative(dataDir, e))).toEqual(
      expect.arrayContaining(['demo', 'demo/fieldline.sqlite', 'demo/master.key']),
    );
    for (const entry of entries) {
      expect(modeOf(entry), entry).toBe(statSync(entry).isDirectory() ? '700' : '600');
    }
  });

  test('FIELDLINE_TOKEN: not printed and not on the command line', async () => {
    host = await startHost({ dataDir: tempDataDir('token-env'), env: { FIELDLINE_TOKEN: TOKEN } });
    await expectRpcWorks(host);
    expect(host.output()).not.toContain(TOKEN);
    expect(host.output()).toContain(
      'token: not printed; it is the one in the FIELDLINE_TOKEN environment variable.',
    );
    const pid = host.process.pid!;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(TOKEN);
  });
});
