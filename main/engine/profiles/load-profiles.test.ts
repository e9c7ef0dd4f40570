import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findResourcesDir } from '../resources';
import { loadProfiles } from './load-profiles';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-profiles-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('device profiles', () => {
  test('the shipped profiles load', () => {
    const profiles = loadProfiles(path.join(findResourcesDir(__dirname), 'profiles'));
    expect([...profiles.keys()].sort()).toEqual([
      'ble-vibration-tag',
      'env-sensor',
      'power-meter',
      'pressure-sensor',
      'pump',
    ]);
    expect(profiles.get('env-sensor')?.metrics.temperature?.unit).toBe('°C');
  });

  test('a bad profile stops the load with the file and the field named', () => {
    const bad = dirWith({
      'x.json': JSON.stringify({ id: 'x', name: 'X', metrics: { t: { unit: 'C', min: 5, max: 1 } } }),
    });
    expect(() => loadProfiles(bad)).toThrow(/x\.json is invalid: metrics\.t: min must not exceed max/);
    expect(() => loadProfiles(dirWith({ 'y.json': '{oops' }))).toThrow(/y\.json is not valid JSON/);
    const twice = JSON.stringify({ id: 'a', name: 'A', metrics: {} });
    expect(() => loadProfiles(dirWith({ '1.json': twice, '2.json': twice }))).toThrow(/defined twice/);
    expect(() => loadProfiles('/nonexistent/profiles')).toThrow(/cannot read the profiles folder/);
  });
});
