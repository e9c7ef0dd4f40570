import { describe, expect, test } from 'vitest';
import { openTestDb } from '../store/test-fixtures';
import { loadOrCreateInstallation, sourceOf } from './installation';

describe('installation identity (real SQLite file)', () => {
  test('made once, a version 4 UUID, the same on every later load', () => {
    const { db } = openTestDb('identity');
    let created = 0;
    const first = loadOrCreateInstallation(db, () => created++);
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(loadOrCreateInstallation(db, () => created++)).toEqual(first);
    expect(created).toBe(1);
    // CloudEvents 1.0 §3.1.1: source is a URI-reference; a URN with the id
    expect(sourceOf(first.id)).toBe(`urn:fieldline:installation:${first.id}`);
    expect(URL.canParse(sourceOf(first.id))).toBe(true);
    db.close();
  });

  test('a damaged row is replaced by a new identity, without the upgrade hook', () => {
    const { db } = openTestDb('identity');
    let created = 0;
    for (const bad of [
      'not json',
      '{"id":"sink-1","createdAt":1}',
      '{"id":"00000000-0000-4000-8000-000000000000"}',
    ]) {
      db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('installation', ?)").run(bad);
      const made = loadOrCreateInstallation(db, () => created++);
      expect(made.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(loadOrCreateInstallation(db).id).toBe(made.id);
    }
    expect(created).toBe(0);
    db.close();
  });
});
