/**
 * The firmware library end to end at 1024×700: the built headless host (no demo) and a real
 * Chromium. A signing key is pinned from its PEM, a signed image bigger than one RPC
 * message is imported through the file picker (chunks, progress) and listed; a tampered
 * copy and an image signed with another key are refused with the reason in plain words
 * and not listed; the down-synced catalog marks which releases are here; an image is
 * removed after confirmation. Light and dark screenshots go to test-results/.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signMcubootImage } from '../main/engine/firmware/imgtool-sign';
import { createLogger } from '../main/engine/log';
import { openDatabase } from '../main/engine/store/database';
import { type AppInBrowser, ensureArtifactsDir, openAppInBrowser, tempDataDir } from './harness';

let app: AppInBrowser | undefined;
let page: Page;
const pageErrors: string[] = [];
const files = tempDataDir('firmware-files');

const fleet = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ed25519');
const fleetPem = fleet.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function signed(key: typeof fleet.privateKey, minor: number, size: number): Buffer {
  return Buffer.from(
    signMcubootImage({
      payload: Uint8Array.from({ length: size }, (_, i) => (i * 17 + minor) & 0xff),
      version: { major: 2, minor, revision: 0, build: 5 },
      securityCounter: 2,
      key,
    }),
  );
}

// 700 KB: more than two 256 KiB chunks, so the page sends it in three messages
const good = signed(fleet.privateKey, 4, 700_000);
const goodSha = createHash('sha256').update(good).digest('hex');
const tampered = Buffer.from(good);
tampered[0x200 + 1000] = (tampered[0x200 + 1000] ?? 0) ^ 0x40;
const foreign = signed(other.privateKey, 5, 2000);
const missingSha = 'ee'.repeat(32);

function file(name: string, bytes: Buffer): string {
  const at = path.join(files, name);
  writeFileSync(at, bytes);
  return at;
}

beforeAll(async () => {
  const dataDir = tempDataDir('e2e-firmware');
  // the cloud's firmware catalog as down-sync leaves it: one release we will import, one we will not
  const { db } = openDatabase({ dataDir, log: createLogger({ level: 'warn' }) });
  db.prepare('INSERT INTO sync_down (kind, version, data, applied_at) VALUES (?, ?, ?, ?)').run(
    'firmware',
    '"c1"',
    JSON.stringify([
      { version: '2.4.0+5', sha256: goodSha, url: 'https://fw.example.com/2.4.0.bin', notes: 'pump fix' },
      { version: '2.5.0', sha256: missingSha },
    ]),
    Date.now(),
  );
  db.close();
  app = await openAppInBrowser({
    dataDir,
    args: ['--no-demo'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
    hash: '#/firmware',
  });
  ({ page } = app);
}, 60_000);

afterAll(() => app?.close());

const statusText = () => page.getByTestId('firmware-status').textContent();

/** Every status line names the file, so waiting for the name waits for this import's outcome. */
async function importFile(name: string, bytes: Buffer): Promise<string> {
  await page.getByTestId('firmware-import-file').setInputFiles(file(name, bytes));
  await page.getByTestId('firmware-status').filter({ hasText: name }).waitFor();
  await page.waitForSelector('[data-testid="firmware-import"]:not([disabled])');
  return (await statusText()) ?? '';
}

describe('firmware library in the browser', () => {
  test('the nav leads to the Firmware view; with no key pinned, a signed image is refused and says why', async () => {
    await page.evaluate(`location.hash = '#/connections'`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Firmware' }).click();
    await page.waitForSelector('[data-testid="firmware-empty"]');
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe('Firmware');
    expect(await page.title()).toBe('Firmware · Fieldline');
    const text = await importFile('early.bin', good);
    expect(text).toContain('Refused: image is signed with a key that is not pinned');
    expect(text).toContain('add the fleet');
    expect(await page.locator('[data-testid="firmware-row"]').count()).toBe(0);
  });

  test('a key is pinned from its PEM, with the keyboard', async () => {
    await page.getByTestId('key-name').fill('production 2026');
    await page.getByTestId('key-pem').fill(fleetPem);
    await page.getByTestId('key-add').focus();
    await page.keyboard.press('Enter');
    const row = page.locator('[data-testid="key-row"][data-key-name="production 2026"]');
    await row.waitFor();
    // MCUboot KEYHASH: SHA-256 of the DER SubjectPublicKeyInfo
    const keyHash = createHash('sha256')
      .update(fleet.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    expect(await row.textContent()).toContain(keyHash);
    expect(await row.textContent()).toContain('ECDSA P-256');
    // the same key again is refused in plain words
    await page.getByTestId('key-name').fill('again');
    await page.getByTestId('key-pem').fill(fleetPem);
    await page.getByTestId('key-add').click();
    expect(await page.getByTestId('key-error').textContent()).toContain(
      'this key is already pinned as "production 2026"',
    );
  });

  test('a good image is imported in chunks and listed; the catalog marks it present', async () => {
    const text = await importFile('pump-2.4.0.signed.bin', good);
    expect(text).toContain('Imported pump-2.4.0.signed.bin: MCUboot image, version 2.4.0+5');
    const row = page.locator(`[data-testid="firmware-row"][data-sha256="${goodSha}"]`);
    await row.waitFor();
    const cells = await row.textContent();
    expect(cells).toContain('2.4.0+5');
    expect(cells).toContain('production 2026');
    expect(cells).toContain(goodSha.slice(0, 12));
    const present = page.locator(`[data-testid="catalog-row"][data-sha256="${goodSha}"]`);
    await page
      .locator(`[data-testid="catalog-row"][data-sha256="${goodSha}"]`)
      .filter({ hasText: 'present' })
      .waitFor();
    expect(await present.textContent()).toContain('pump fix');
    expect(
      await page.locator(`[data-testid="catalog-row"][data-sha256="${missingSha}"]`).textContent(),
    ).toContain('missing');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'firmware-library.png') });
  });

  test('a tampered copy and an image signed with an unpinned key are refused and not listed', async () => {
    expect(await importFile('pump-tampered.bin', tampered)).toMatch(
      /^pump-tampered\.bin: Refused: image hash mismatch: the SHA256 TLV says [0-9a-f]{64}, the image hashes to [0-9a-f]{64}$/,
    );
    expect(await page.getByTestId('firmware-status').getAttribute('role')).toBe('alert');
    expect(await importFile('foreign.bin', foreign)).toContain(
      'Refused: image is signed with a key that is not pinned (key hash',
    );
    expect(await page.locator('[data-testid="firmware-row"]').count()).toBe(1);
  });

  test('dark theme, then an image is removed after confirmation', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'firmware-library-dark.png') });
    await page.getByTestId('firmware-remove').click();
    const dialog = page.getByTestId('firmware-remove-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('pump-2.4.0.signed.bin');
    await page.getByTestId('firmware-remove-dialog-confirm').click();
    await page.waitForSelector('[data-testid="firmware-empty"]');
    expect(await statusText()).toBe('Removed version 2.4.0+5.');
    expect(pageErrors).toEqual([]);
  });
});
