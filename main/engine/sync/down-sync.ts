/**
 * Down-sync: the cloud's device registry entries, firmware catalog and settings, fetched
 * with GET {downUrl}/{kind} and If-None-Match. A document is applied once per version
 * (its ETag): fetching the same version again changes nothing, and a registry entry is
 * applied through the registry's own update, which is itself idempotent. Firmware catalog
 * and settings are kept whole in sync_down for whoever needs them.
 */
import http from 'node:http';
import https from 'node:https';
import type Database from 'better-sqlite3';
import type { z } from 'zod';
import { RegistryUpdateSchema } from '../../../common/registry-contract';
import type { Logger } from '../log';

export const DOWN_KINDS = ['registry', 'firmware', 'settings'] as const;
export type DownKind = (typeof DOWN_KINDS)[number];
export type RegistryEntry = z.output<typeof RegistryUpdateSchema>;

export interface DownSource {
  url: string;
  authorization?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface DownResult {
  kind: DownKind;
  version: string | null;
  changed: boolean;
  errors: string[];
}

export interface DownDoc {
  kind: DownKind;
  version: string;
  appliedAt: number;
  data: unknown;
}

const MAX_DOC_BYTES = 16 * 1024 * 1024;

export class DownSync {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly log: Logger,
    /** the lead wires this to the registry (registry update by device id) */
    private readonly applyRegistry?: (entry: RegistryEntry) => void | Promise<void>,
  ) {
    this.s = {
      get: db.prepare<[string], { version: string; data: string; applied_at: number }>(
        'SELECT version, data, applied_at FROM sync_down WHERE kind = ?',
      ),
      put: db.prepare(
        `INSERT INTO sync_down (kind, version, data, applied_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind) DO UPDATE SET version = excluded.version, data = excluded.data, applied_at = excluded.applied_at`,
      ),
    };
  }

  docs(): DownDoc[] {
    return DOWN_KINDS.flatMap((kind) => {
      const row = this.s.get.get(kind);
      return row
        ? [{ kind, version: row.version, appliedAt: row.applied_at, data: JSON.parse(row.data) as unknown }]
        : [];
    });
  }

  async pull(source: DownSource): Promise<DownResult[]> {
    const results: DownResult[] = [];
    for (const kind of DOWN_KINDS) {
      const stored = this.s.get.get(kind);
      try {
        const answer = await getDoc(`${source.url.replace(/\/+$/, '')}/${kind}`, source, stored?.version);
        if (answer.status === 304 || (answer.etag !== null && answer.etag === stored?.version)) {
          results.push({ kind, version: stored?.version ?? null, changed: false, errors: [] });
          continue;
        }
        const version =
          answer.etag ?? `sha:${JSON.stringify(answer.data).length}:${hash(JSON.stringify(answer.data))}`;
        if (version === stored?.version) {
          results.push({ kind, version, changed: false, errors: [] });
          continue;
        }
        const errors = kind === 'registry' ? await this.applyEntries(answer.data) : [];
        this.s.put.run(kind, version, JSON.stringify(answer.data ?? null), Date.now());
        results.push({ kind, version, changed: true, errors });
      } catch (error) {
        results.push({
          kind,
          version: stored?.version ?? null,
          changed: false,
          errors: [(error as Error).message],
        });
      }
    }
    return results;
  }

  private async applyEntries(data: unknown): Promise<string[]> {
    if (!Array.isArray(data)) return ['the registry document is not a list'];
    const errors: string[] = [];
    for (const [i, raw] of data.entries()) {
      const entry = RegistryUpdateSchema.safeParse(raw);
      if (!entry.success) {
        errors.push(
          `entry ${i}: ${entry.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
        );
        continue;
      }
      try {
        await this.applyRegistry?.(entry.data);
      } catch (error) {
        // one bad entry (an unknown device) must not keep the others out
        errors.push(`${entry.data.deviceId}: ${(error as Error).message}`);
      }
    }
    if (errors.length > 0)
      this.log.warn('down-sync: registry entries not applied', { errors: errors.slice(0, 10) });
    return errors;
  }
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}

function getDoc(
  url: string,
  source: DownSource,
  etag: string | undefined,
): Promise<{ status: 200; etag: string | null; data: unknown } | { status: 304 }> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(u, {
      method: 'GET',
      headers: {
        accept: 'application/json',
        ...(etag ? { 'if-none-match': etag } : {}),
        ...(source.authorization ? { authorization: source.authorization } : {}),
      },
      ...(secure
        ? { ca: source.ca, cert: source.cert, key: source.key, minVersion: 'TLSv1.2' as const }
        : {}),
    });
    request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_DOC_BYTES) request.destroy(new Error('down-sync document too large'));
        else chunks.push(c);
      });
      response.on('error', reject);
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status === 304) return resolve({ status: 304 });
        if (status !== 200) return reject(new Error(`GET ${u.pathname}: HTTP ${status}`));
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown };
          const header = response.headers.etag;
          resolve({
            status: 200,
            etag: typeof header === 'string' ? header : null,
            data: body?.data ?? body,
          });
        } catch (error) {
          reject(new Error(`GET ${u.pathname}: not JSON (${(error as Error).message})`));
        }
      });
    });
    request.end();
  });
}
