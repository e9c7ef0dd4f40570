/**
 * The append-only audit log: who changed what, when, with the values before and after,
 * chained by hashes so an edit, a deletion or a reordering made outside the app (the
 * table's triggers stop it inside) is detected by verify().
 */

import { csvRow } from '../reports/csv';
import type { Db } from '../store/database';
import {
  type AuditEntry,
  entryHash,
  GENESIS_HASH,
  type VerifyOptions,
  type VerifyResult,
  verifyChain,
} from './audit-chain';
import { canonicalize, canonicalJson, type JsonValue } from './canonical-json';

export type { AuditEntry, VerifyOptions, VerifyResult } from './audit-chain';
export { GENESIS_HASH, verifyChain } from './audit-chain';

export interface AuditInput {
  actor: string;
  action: string;
  subject: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditQuery {
  subject?: string;
  actor?: string;
  action?: string;
  /** inclusive, ms since epoch */
  from?: number;
  /** exclusive, ms since epoch */
  to?: number;
  /** default 100, at most 1000 */
  limit?: number;
  /** newest first; pass the previous page's nextBeforeSeq for the next page */
  beforeSeq?: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** set when there may be older entries */
  nextBeforeSeq?: number;
}

export type AuditExportFormat = 'jsonl' | 'csv';

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'at',
  'at_iso',
  'actor',
  'action',
  'subject',
  'before',
  'after',
  'prev_hash',
  'hash',
] as const;

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}

/** pages keep no statement iterator open between yields, so a slow consumer never blocks writers */
const PAGE = 1000;
const MAX_LIMIT = 1000;

export class AuditLog {
  private readonly statements;
  private readonly listStatements = new Map<string, ReturnType<Db['prepare']>>();
  private readonly appendTx: (input: AuditInput) => AuditEntry;
  /** runs inside the entry's transaction: a copy for the cloud commits with the entry or not at all */
  onAppend: ((entry: AuditEntry) => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.statements = {
      head: db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
      insert:
        db.prepare(`INSERT INTO audit_log (seq, at, actor, action, subject, before, after, prev_hash, hash)
        VALUES (@seq, @at, @actor, @action, @subject, @before, @after, @prevHash, @hash)`),
      page: db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?'),
    };
    const tx = db.transaction((input: AuditInput) => this.insert(input));
    // IMMEDIATE takes the write lock before reading the head, so two connections can never
    // both chain onto the same head; inside a caller's transaction this is a savepoint
    this.appendTx = (input) => tx.immediate(input);
  }

  /** Appends one entry, inside the caller's transaction when one is open. */
  append(input: AuditInput): AuditEntry {
    return this.appendTx(input);
  }

  head(): { seq: number; hash: string } {
    const row = this.statements.head.get() as { seq: number; hash: string } | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  verify(options: VerifyOptions = {}): VerifyResult {
    return verifyChain(this.all(), options);
  }

  list(query: AuditQuery = {}): AuditPage {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    add('subject = ?', query.subject);
    add('actor = ?', query.actor);
    add('action = ?', query.action);
    add('at >= ?', query.from);
    add('at < ?', query.to);
    add('seq < ?', query.beforeSeq);
    const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(query.limit ?? 100)));
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.listStatements.set(sql, statement);
    }
    const entries = (statement.all([...params, limit]) as AuditRow[]).map(fromRow);
    const last = entries.at(-1);
    return entries.length === limit && last ? { entries, nextBeforeSeq: last.seq } : { entries };
  }

  /**
   * The whole log, oldest first, one line at a time (header first for CSV). Every line
   * carries prev_hash and hash, so the export can be checked with verifyChain on its own.
   */
  *export(format: AuditExportFormat): Generator<string> {
    if (format === 'csv') yield csvRow(AUDIT_CSV_COLUMNS);
    for (const e of this.all()) {
      if (format === 'jsonl') yield `${canonicalJson(toExported(e))}\n`;
      else yield csvRow(csvValues(e), { reversible: true });
    }
  }

  /** every entry in seq order, read a page at a time */
  *all(): Generator<AuditEntry> {
    let after = 0;
    for (;;) {
      const rows = this.statements.page.all(after, PAGE) as AuditRow[];
      for (const row of rows) yield fromRow(row);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  private insert(input: AuditInput): AuditEntry {
    const head = this.head();
    const unhashed = {
      seq: head.seq + 1,
      at: this.now(),
      actor: input.actor,
      action: input.action,
      subject: input.subject,
      before: canonicalize(input.before),
      after: canonicalize(input.after),
      prevHash: head.hash,
    };
    const entry: AuditEntry = { ...unhashed, hash: entryHash(unhashed) };
    this.statements.insert.run({
      ...entry,
      before: jsonText(entry.before),
      after: jsonText(entry.after),
    });
    this.onAppend?.(entry);
    return entry;
  }
}

function jsonText(value: JsonValue): string | null {
  return value === null ? null : JSON.stringify(value);
}

function fromRow(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    before: row.before === null ? null : (JSON.parse(row.before) as JsonValue),
    after: row.after === null ? null : (JSON.parse(row.after) as JsonValue),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** the export uses the same field names as the hash input */
function toExported(e: AuditEntry) {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    before: e.before,
    after: e.after,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

function csvValues(e: AuditEntry) {
  return [
    e.seq,
    e.at,
    new Date(e.at).toISOString(),
    e.actor,
    e.action,
    e.subject,
    jsonText(e.before) ?? '',
    jsonText(e.after) ?? '',
    e.prevHash,
    e.hash,
  ];
}

/** Reads one exported JSONL line back into an entry (for verifying an export). */
export function parseExportedJsonl(line: string): AuditEntry {
  const o = JSON.parse(line) as Record<string, JsonValue>;
  return {
    seq: o.seq as number,
    at: o.at as number,
    actor: o.actor as string,
    action: o.action as string,
    subject: o.subject as string,
    before: o.before ?? null,
    after: o.after ?? null,
    prevHash: o.prev_hash as string,
    hash: o.hash as string,
  };
}
