import { describe, expect, test } from 'vitest';
import { parseCsv, unguardCsvText } from '../reports/csv';
import { openTestDb } from '../store/test-fixtures';
import {
  AUDIT_CSV_COLUMNS,
  type AuditEntry,
  AuditLog,
  GENESIS_HASH,
  parseExportedJsonl,
  verifyChain,
} from './audit-log';

function fresh(count = 0) {
  const { db } = openTestDb('audit');
  let t = 1_000;
  const log = new AuditLog(db, () => t++);
  for (let i = 1; i <= count; i++) {
    log.append({
      actor: `u${i % 2}`,
      action: 'device.updated',
      subject: `d${i % 3}`,
      before: { n: i - 1 },
      after: { n: i },
    });
  }
  return { db, log };
}

/** what someone with the file and the sqlite3 shell could do */
function tamper(db: ReturnType<typeof fresh>['db'], sql: string, ...params: unknown[]) {
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  db.prepare(sql).run(...params);
}

describe('audit log', () => {
  test('an empty log verifies and its head is genesis', () => {
    const { log } = fresh();
    expect(log.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
    expect(log.verify()).toEqual({ ok: true, checked: 0 });
    expect(log.verify({ expectedHead: GENESIS_HASH }).ok).toBe(true);
  });

  test('appends chain from genesis and verify walks them', () => {
    const { log } = fresh(5);
    const all = [...log.all()];
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
    expect(log.head()).toEqual({ seq: 5, hash: all[4]!.hash });
    expect(log.verify()).toEqual({ ok: true, checked: 5 });
  });

  test('the hash does not depend on key order in before/after', () => {
    const a = fresh().log.append({
      actor: 'a',
      action: 'x',
      subject: 's',
      after: { b: 1, a: { d: 2, c: 3 } },
    });
    const b = fresh().log.append({
      actor: 'a',
      action: 'x',
      subject: 's',
      after: { a: { c: 3, d: 2 }, b: 1 },
    });
    expect(a.hash).toBe(b.hash);
  });

  test('UPDATE and DELETE are refused by the database', () => {
    const { db } = fresh(2);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
  });

  test('detects an edited row', () => {
    const { db, log } = fresh(5);
    tamper(db, `UPDATE audit_log SET after = '{"n":99}' WHERE seq = 3`);
    expect(log.verify()).toMatchObject({ ok: false, checked: 2, firstBadSeq: 3 });
  });

  test('detects an edited row whose hash was recomputed (the next link breaks)', async () => {
    const { db, log } = fresh(5);
    const { entryHash } = await import('./audit-chain');
    const e3 = [...log.all()][2]!;
    const forged = { ...e3, actor: 'mallory' };
    tamper(db, "UPDATE audit_log SET actor = 'mallory', hash = ? WHERE seq = 3", entryHash(forged));
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  test('detects a deleted row (seq gap), including the first', () => {
    const a = fresh(5);
    tamper(a.db, 'DELETE FROM audit_log WHERE seq = 3');
    expect(a.log.verify()).toMatchObject({ ok: false, checked: 2, firstBadSeq: 3 });
    const b = fresh(3);
    tamper(b.db, 'DELETE FROM audit_log WHERE seq = 1');
    expect(b.log.verify()).toMatchObject({ ok: false, checked: 0, firstBadSeq: 1 });
  });

  test('detects reordered rows', () => {
    const { db, log } = fresh(5);
    tamper(db, 'UPDATE audit_log SET seq = 100 WHERE seq = 2');
    db.prepare('UPDATE audit_log SET seq = 2 WHERE seq = 3').run();
    db.prepare('UPDATE audit_log SET seq = 3 WHERE seq = 100').run();
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  test('detects a truncated tail only against a known head', () => {
    const { db, log } = fresh(5);
    const head = log.head().hash;
    tamper(db, 'DELETE FROM audit_log WHERE seq >= 4');
    expect(log.verify().ok).toBe(true);
    expect(log.verify({ expectedHead: head })).toMatchObject({ ok: false, checked: 3, firstBadSeq: 4 });
  });

  test('a chain that grew past the known head still verifies', () => {
    const { log } = fresh(3);
    const head = log.head().hash;
    log.append({ actor: 'a', action: 'x', subject: 's' });
    expect(log.verify({ expectedHead: head })).toEqual({ ok: true, checked: 4 });
  });

  test('appends join the caller transaction and roll back with it', () => {
    const { db, log } = fresh(1);
    expect(() =>
      db.transaction(() => {
        log.append({ actor: 'a', action: 'x', subject: 's' });
        throw new Error('caller failed');
      })(),
    ).toThrow('caller failed');
    expect(log.head().seq).toBe(1);
    db.transaction(() => {
      log.append({ actor: 'a', action: 'x', subject: 's' });
      log.append({ actor: 'a', action: 'y', subject: 's' });
    })();
    expect(log.head().seq).toBe(3);
    expect(log.verify().ok).toBe(true);
  });

  test('list filters and pages newest first', () => {
    const { log } = fresh(10);
    const page1 = log.list({ subject: 'd1', limit: 2 });
    expect(page1.entries.map((e) => e.seq)).toEqual([10, 7]);
    const page2 = log.list({ subject: 'd1', limit: 2, beforeSeq: page1.nextBeforeSeq });
    expect(page2.entries.map((e) => e.seq)).toEqual([4, 1]);
    const page3 = log.list({ subject: 'd1', limit: 2, beforeSeq: page2.nextBeforeSeq });
    expect(page3.entries).toEqual([]);
    expect(log.list({ actor: 'u0' }).entries.every((e) => e.actor === 'u0')).toBe(true);
    expect(log.list({ action: 'nope' }).entries).toEqual([]);
    // at runs 1000..1009 for seq 1..10
    expect(log.list({ from: 1002, to: 1005 }).entries.map((e) => e.seq)).toEqual([5, 4, 3]);
    expect(log.list().nextBeforeSeq).toBeUndefined();
  });

  test('JSONL export verifies on its own', () => {
    const { log } = fresh(2500);
    const lines = [...log.export('jsonl')];
    expect(lines).toHaveLength(2500);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    const entries = lines.map((l) => parseExportedJsonl(l));
    expect(verifyChain(entries, { expectedHead: log.head().hash })).toEqual({ ok: true, checked: 2500 });
    entries[1200] = { ...entries[1200]!, subject: 'other' };
    expect(verifyChain(entries)).toMatchObject({ ok: false, firstBadSeq: 1201 });
  });

  test('CSV export is formula safe and round-trips to a verifiable chain', () => {
    const { log } = fresh();
    const hostile = ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tx', "'=quoted", 'a,b\r\nc"d'];
    for (const actor of hostile) {
      log.append({ actor, action: 'device.updated', subject: actor, after: { name: actor } });
    }
    const text = [...log.export('csv')].join('');
    const records = parseCsv(text);
    expect(records[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    const body = records.slice(1);
    expect(body).toHaveLength(hostile.length);
    for (const record of body) {
      for (const cell of record) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    const entries: AuditEntry[] = body.map((r) => {
      const [seq, at, , actor, action, subject, before, after, prevHash, hash] = r.map(unguardCsvText);
      return {
        seq: Number(seq),
        at: Number(at),
        actor: actor!,
        action: action!,
        subject: subject!,
        before: before ? JSON.parse(before) : null,
        after: after ? JSON.parse(after) : null,
        prevHash: prevHash!,
        hash: hash!,
      };
    });
    expect(entries.map((e) => e.actor)).toEqual(hostile);
    expect(verifyChain(entries, { expectedHead: log.head().hash })).toEqual({
      ok: true,
      checked: hostile.length,
    });
  });
});
