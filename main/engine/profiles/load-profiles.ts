/**
 * Loads every device profile in a folder at start, checking each against the schema.
 * One bad file stops the start with a message naming the file and the field: a profile
 * that silently failed to load would let impossible values through unflagged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DeviceProfile, DeviceProfileSchema } from './profile';

export class ProfileError extends Error {}

export function loadProfiles(dir: string): Map<string, DeviceProfile> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (error) {
    throw new ProfileError(`cannot read the profiles folder ${dir}: ${(error as Error).message}`);
  }
  const profiles = new Map<string, DeviceProfile>();
  for (const file of files.sort()) {
    const full = path.join(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(full, 'utf8'));
    } catch (error) {
      throw new ProfileError(`profile ${full} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = DeviceProfileSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new ProfileError(`profile ${full} is invalid: ${issues.join('; ')}`);
    }
    if (profiles.has(parsed.data.id)) {
      throw new ProfileError(`profile id "${parsed.data.id}" is defined twice (second in ${full})`);
    }
    profiles.set(parsed.data.id, parsed.data);
  }
  return profiles;
}
