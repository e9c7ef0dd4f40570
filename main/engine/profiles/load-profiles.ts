/**
 * Loads every device profile in a folder at start, checking each against the schema.
 * One bad file stops the start with a message naming the file and the field: a profile
 * that silently failed to load would let impossible values through unflagged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DeviceProfile, parseProfile } from './profile';

export class ProfileError extends Error {}

/** A profile and the JSON it was read from: exports give back that JSON, not the schema's defaults. */
export interface ProfileSource {
  profile: DeviceProfile;
  json: unknown;
}

export function loadProfileSources(dir: string): Map<string, ProfileSource> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (error) {
    throw new ProfileError(`cannot read the profiles folder ${dir}: ${(error as Error).message}`);
  }
  const profiles = new Map<string, ProfileSource>();
  for (const file of files.sort()) {
    const full = path.join(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(full, 'utf8'));
    } catch (error) {
      throw new ProfileError(`profile ${full} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = parseProfile(json);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => `${i.path || '(root)'}: ${i.message}`);
      throw new ProfileError(`profile ${full} is invalid: ${issues.join('; ')}`);
    }
    if (profiles.has(parsed.profile.id)) {
      throw new ProfileError(`profile id "${parsed.profile.id}" is defined twice (second in ${full})`);
    }
    profiles.set(parsed.profile.id, { profile: parsed.profile, json });
  }
  return profiles;
}

export function loadProfiles(dir: string): Map<string, DeviceProfile> {
  return new Map([...loadProfileSources(dir)].map(([id, s]) => [id, s.profile]));
}
