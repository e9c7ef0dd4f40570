/**
 * Every device profile the engine knows: the shipped built-ins (read-only) and the ones
 * people create, edit, import and delete, kept in SQLite. `profiles` is the one live map
 * the validator, the device registry and the connectors read, so a change made here is
 * what the next reading is checked against. Each profile is kept as the JSON it was given
 * (not the schema's output with defaults filled in), so an export gives back the same file.
 */

import type { ProfileDetail, ProfileIssue, ProfileSummary } from '../../../common/profiles-contract';
import { RpcError } from '../../../common/protocol';
import type { AuditLog } from '../audit/audit-log';
import type { Logger } from '../log';
import type { Db } from '../store/database';
import type { ProfileSource } from './load-profiles';
import { type DeviceProfile, parseProfile } from './profile';

interface Entry extends ProfileSource {
  builtIn: boolean;
}

export interface ProfileStoreOptions {
  db: Db;
  builtIns: ReadonlyMap<string, ProfileSource>;
  audit: AuditLog;
  actor: () => string;
  /** ids of the devices that have a profile */
  usedBy: (profileId: string) => string[];
  /** a profile's definition changed: its devices' units and limits did too */
  onChanged?: (profileId: string) => void;
  now?: () => number;
  log?: Logger;
}

/** The refusal for a profile name nobody defined, listing the ones that exist. */
export function unknownProfile(id: string, known: Iterable<string>): RpcError {
  const names = [...known].sort();
  return new RpcError(
    'INVALID_PARAMS',
    `unknown profile "${id}"; known: ${names.length > 0 ? names.join(', ') : '(none)'}`,
  );
}

function invalid(what: string, issues: ProfileIssue[]): RpcError {
  const text = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
  return new RpcError('INVALID_PARAMS', `${what} is invalid: ${text}`, issues);
}

export class ProfileStore {
  /** id → profile, built-ins and user profiles: read live by validation, the registry and BLE */
  readonly profiles = new Map<string, DeviceProfile>();
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: ProfileStoreOptions) {
    this.now = options.now ?? Date.now;
    for (const [id, source] of options.builtIns) this.put(id, { ...source, builtIn: true });
    const rows = options.db.prepare('SELECT id, definition FROM device_profiles ORDER BY id').all() as {
      id: string;
      definition: string;
    }[];
    for (const row of rows) {
      // a stored profile that no longer passes (a stricter schema) or that a newer release now
      // ships under the same id is left out with a warning, not a failed start; the row stays
      const json = safeJson(row.definition);
      const parsed = parseProfile(json);
      if (!parsed.ok) {
        const issues = parsed.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
        options.log?.warn('stored device profile is invalid; left out', { id: row.id, issues });
      } else if (options.builtIns.has(row.id)) {
        options.log?.warn('stored device profile has the id of a built-in; the built-in wins', {
          id: row.id,
        });
      } else this.put(row.id, { profile: parsed.profile, json, builtIn: false });
    }
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Throws the "unknown profile" refusal unless the id names a profile. */
  require(id: string): void {
    if (!this.entries.has(id)) throw unknownProfile(id, this.entries.keys());
  }

  list(): ProfileSummary[] {
    return [...this.entries.values()]
      .map(({ profile: p, builtIn }) => ({
        id: p.id,
        name: p.name,
        builtIn,
        metrics: Object.entries(p.metrics).map(([name, m]) => ({ name, unit: m.unit })),
        usedBy: this.options.usedBy(p.id).length,
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  get(id: string): ProfileDetail {
    const entry = this.entries.get(id);
    if (!entry) throw unknownProfile(id, this.entries.keys());
    return {
      id,
      builtIn: entry.builtIn,
      definition: structuredClone(entry.json) as Record<string, unknown>,
      usedBy: this.options.usedBy(id),
    };
  }

  /** create: the id must be free; otherwise the user profile with that id is replaced. */
  save(json: unknown, create: boolean, actor = this.options.actor()): ProfileDetail {
    const parsed = parseProfile(json);
    if (!parsed.ok) throw invalid('the profile', parsed.issues);
    const { id } = parsed.profile;
    const existing = this.entries.get(id);
    if (create && existing) {
      throw new RpcError('INVALID_PARAMS', `a profile "${id}" already exists; pick another id`, [
        { path: 'id', message: 'already exists' },
      ]);
    }
    if (!create) {
      if (!existing) throw unknownProfile(id, this.entries.keys());
      this.refuseBuiltIn(id, existing, 'changed');
    }
    this.options.db.transaction(() => this.write(parsed.profile, json, actor))();
    this.put(id, { profile: parsed.profile, json: structuredClone(json), builtIn: false });
    this.options.onChanged?.(id);
    return this.get(id);
  }

  delete(id: string, actor = this.options.actor()): void {
    const existing = this.entries.get(id);
    if (!existing) throw unknownProfile(id, this.entries.keys());
    this.refuseBuiltIn(id, existing, 'deleted');
    const users = this.options.usedBy(id);
    if (users.length > 0) {
      const shown =
        users.slice(0, 20).join(', ') + (users.length > 20 ? ` and ${users.length - 20} more` : '');
      throw new RpcError(
        'INVALID_PARAMS',
        `profile "${id}" is used by ${users.length} device${users.length === 1 ? '' : 's'} (${shown}); give them another profile first`,
        { usedBy: users },
      );
    }
    this.options.db.transaction(() => {
      this.options.db.prepare('DELETE FROM device_profiles WHERE id = ?').run(id);
      this.options.audit.append({
        actor,
        action: 'profile.deleted',
        subject: `profile:${id}`,
        before: existing.json,
        after: null,
      });
    })();
    this.entries.delete(id);
    this.profiles.delete(id);
  }

  /** One profile or an array of them, all checked before any is stored: all or nothing. */
  import(text: string, replace: boolean, actor = this.options.actor()): string[] {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new RpcError('INVALID_PARAMS', `the file is not valid JSON: ${(error as Error).message}`);
    }
    const many = Array.isArray(json);
    const items: unknown[] = many ? (json as unknown[]) : [json];
    if (items.length === 0) throw new RpcError('INVALID_PARAMS', 'the file holds no profiles');
    const issues: ProfileIssue[] = [];
    const accepted: { profile: DeviceProfile; json: unknown }[] = [];
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const prefix = many ? `${i}.` : '';
      const parsed = parseProfile(item);
      if (!parsed.ok) {
        for (const issue of parsed.issues) issues.push({ ...issue, path: `${prefix}${issue.path}` });
        return;
      }
      const { id } = parsed.profile;
      const existing = this.entries.get(id);
      if (seen.has(id)) issues.push({ path: `${prefix}id`, message: `"${id}" is in the file twice` });
      else if (existing?.builtIn)
        issues.push({ path: `${prefix}id`, message: `"${id}" is a built-in profile and cannot be replaced` });
      else if (existing && !replace)
        issues.push({
          path: `${prefix}id`,
          message: `a profile "${id}" already exists (import with replace)`,
        });
      seen.add(id);
      accepted.push({ profile: parsed.profile, json: item });
    });
    if (issues.length > 0) throw invalid('the import', issues);
    this.options.db.transaction(() => {
      for (const a of accepted) this.write(a.profile, a.json, actor, 'profile.imported');
    })();
    for (const a of accepted) {
      this.put(a.profile.id, { profile: a.profile, json: structuredClone(a.json), builtIn: false });
      this.options.onChanged?.(a.profile.id);
    }
    return accepted.map((a) => a.profile.id);
  }

  /** The resources/profiles/*.json format: one profile as an object, several as an array. */
  export(ids: readonly string[]): { filename: string; mime: string; content: string } {
    const definitions = ids.map((id) => this.get(id).definition);
    const body = definitions.length === 1 ? definitions[0] : definitions;
    return {
      filename: ids.length === 1 ? `${ids[0]}.json` : 'fieldline-profiles.json',
      mime: 'application/json',
      content: `${JSON.stringify(body, null, 2)}\n`,
    };
  }

  private refuseBuiltIn(id: string, entry: Entry, verb: string): void {
    if (entry.builtIn) {
      throw new RpcError(
        'INVALID_PARAMS',
        `"${id}" is a built-in profile and cannot be ${verb}; duplicate it to make your own`,
      );
    }
  }

  /** SQL and audit only: the maps change after the transaction commits */
  private write(profile: DeviceProfile, json: unknown, actor: string, action?: string): void {
    const before = this.entries.get(profile.id);
    const now = this.now();
    this.options.db
      .prepare(
        `INSERT INTO device_profiles (id, definition, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
      )
      .run(profile.id, JSON.stringify(json), now, now);
    this.options.audit.append({
      actor,
      action: action ?? (before ? 'profile.updated' : 'profile.created'),
      subject: `profile:${profile.id}`,
      before: before?.json ?? null,
      after: json,
    });
  }

  private put(id: string, entry: Entry): void {
    this.entries.set(id, entry);
    this.profiles.set(id, entry.profile);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
