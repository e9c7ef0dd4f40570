/**
 * The routing policy, silences and mute windows as saved. Silences may match labels of
 * alarms that do not exist yet; patterns and time zones are checked on save, so a bad one
 * is a clear error then, not a notification lost later.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { type Policy, PolicySchema } from '../../../common/notify-contract';
import { RpcError } from '../../../common/protocol';
import { type Matcher, MatcherError, validateMatchers } from './label-matchers';
import { isTimeZone, type MuteWindow } from './mute-windows';

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
}

export interface SavedMuteWindow extends MuteWindow {
  id: string;
  name: string;
  matchers: Matcher[];
  weekdays: number[];
}

const DEFAULT_POLICY: Policy = PolicySchema.parse({ routes: [] });

export class PolicyStore {
  private readonly s;
  private cached: Policy | undefined;

  constructor(db: Database.Database) {
    this.s = {
      policy: db.prepare<[], { policy: string }>('SELECT policy FROM notify_policy WHERE id = 1'),
      savePolicy: db.prepare(
        `INSERT INTO notify_policy (id, policy, updated_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
      ),
      silences: db.prepare<
        [],
        {
          id: string;
          matchers: string;
          starts_at: number;
          ends_at: number;
          comment: string;
          created_by: string;
        }
      >('SELECT * FROM notify_silences ORDER BY starts_at, id'),
      saveSilence: db.prepare(
        `INSERT INTO notify_silences (id, matchers, starts_at, ends_at, comment, created_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at,
         ends_at = excluded.ends_at, comment = excluded.comment`,
      ),
      deleteSilence: db.prepare('DELETE FROM notify_silences WHERE id = ?'),
      windows: db.prepare<[], { id: string; body: string }>(
        'SELECT id, body FROM notify_mute_windows ORDER BY id',
      ),
      saveWindow: db.prepare(
        `INSERT INTO notify_mute_windows (id, body) VALUES (?, ?)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
      ),
      deleteWindow: db.prepare('DELETE FROM notify_mute_windows WHERE id = ?'),
    };
  }

  policy(): Policy {
    if (!this.cached) {
      const row = this.s.policy.get();
      this.cached = row ? PolicySchema.parse(JSON.parse(row.policy)) : DEFAULT_POLICY;
    }
    return this.cached;
  }

  savePolicy(input: Policy, channelExists: (id: string) => boolean, now: number): Policy {
    const policy = PolicySchema.parse(input);
    if (!isTimeZone(policy.siteTimeZone))
      invalid(`"${policy.siteTimeZone}" is not a time zone (e.g. Europe/Berlin)`);
    const used = [
      ...policy.defaultChannels,
      ...policy.routes.flatMap((r) => [
        ...r.channels,
        ...(r.escalation?.stages.flatMap((s) => s.channels) ?? []),
      ]),
    ];
    for (const id of used) if (!channelExists(id)) invalid(`there is no channel "${id}"`);
    for (const r of policy.routes) checkMatchers(r.matchers);
    // an episode remembers its route by name, for its escalation and reminders
    const names = new Set<string>();
    for (const r of policy.routes) {
      if (names.has(r.name)) invalid(`two routes are called "${r.name}": each route needs its own name`);
      names.add(r.name);
    }
    this.s.savePolicy.run(JSON.stringify(policy), now);
    this.cached = policy;
    return policy;
  }

  silences(): Silence[] {
    return this.s.silences.all().map((r) => ({
      id: r.id,
      matchers: JSON.parse(r.matchers) as Matcher[],
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      comment: r.comment,
      createdBy: r.created_by,
    }));
  }

  saveSilence(s: Omit<Silence, 'id' | 'createdBy'> & { id?: string }, createdBy: string): string {
    checkMatchers(s.matchers);
    const id = s.id ?? randomUUID();
    this.s.saveSilence.run(id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.comment, createdBy);
    return id;
  }

  deleteSilence(id: string): boolean {
    return this.s.deleteSilence.run(id).changes > 0;
  }

  muteWindows(): SavedMuteWindow[] {
    return this.s.windows
      .all()
      .map((r) => ({ ...(JSON.parse(r.body) as Omit<SavedMuteWindow, 'id'>), id: r.id }));
  }

  saveMuteWindow(w: Omit<SavedMuteWindow, 'id'> & { id?: string }): string {
    checkMatchers(w.matchers);
    const id = w.id ?? randomUUID();
    const { id: _omit, ...body } = { ...w, id };
    this.s.saveWindow.run(id, JSON.stringify(body));
    return id;
  }

  deleteMuteWindow(id: string): boolean {
    return this.s.deleteWindow.run(id).changes > 0;
  }
}

function checkMatchers(matchers: readonly Matcher[]): void {
  try {
    validateMatchers(matchers);
  } catch (error) {
    if (error instanceof MatcherError) invalid(error.message);
    throw error;
  }
}

function invalid(message: string): never {
  throw new RpcError('INVALID_PARAMS', message);
}
