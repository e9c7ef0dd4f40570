import { describe, expect, test } from 'vitest';
import { TopicHistory } from './topic-history';

interface M {
  topic: string;
  retain: boolean;
  size: number;
  ts: number;
  body: string;
}

let clock = 0;
const msg = (topic: string, body = 'x', retain = false): M => ({
  topic,
  retain,
  size: body.length,
  ts: ++clock,
  body,
});
const history = (perTopic: number, maxTopics: number, maxBytes: number) =>
  new TopicHistory<M>((m) => m.body.length, { perTopic, maxTopics, maxBytes });

describe('bounded topic history', () => {
  test('keeps the last perTopic messages of a topic and counts every one', () => {
    const h = history(3, 10, 1e9);
    for (let i = 0; i < 7; i++) h.add(msg('a', `m${i}`));
    const a = h.get('a');
    expect(a?.messages.map((m) => m.body)).toEqual(['m4', 'm5', 'm6']);
    expect(a?.count).toBe(7);
    // a topic's own cap is history, not loss
    expect(h.droppedMessages).toBe(0);
    expect(h.totalBytes).toBe(3 * (2 + 128));
  });

  test('at maxTopics the least recently updated topic goes, and is counted', () => {
    const h = history(5, 3, 1e9);
    h.add(msg('a'));
    h.add(msg('b'));
    h.add(msg('b'));
    h.add(msg('c'));
    h.add(msg('a')); // a is fresh again; b is now the least recently updated
    h.add(msg('d'));
    expect([...h.records()].map((r) => r.topic)).toEqual(['c', 'a', 'd']);
    expect(h.droppedTopics).toBe(1);
    expect(h.droppedMessages).toBe(2);
  });

  test('the byte cap evicts whole old topics first, then trims the newest topic itself', () => {
    const h = history(50, 100, 3 * (100 + 128));
    h.add(msg('a', 'a'.repeat(100)));
    h.add(msg('b', 'b'.repeat(100)));
    h.add(msg('c', 'c'.repeat(100)));
    expect(h.size).toBe(3);
    h.add(msg('d', 'd'.repeat(100)));
    expect([...h.records()].map((r) => r.topic)).toEqual(['b', 'c', 'd']);
    expect(h.totalBytes).toBeLessThanOrEqual(h.limits.maxBytes);
    // one topic bigger than the cap on its own keeps only its newest message
    h.add(msg('e', 'e'.repeat(300)));
    h.add(msg('e', 'f'.repeat(300)));
    expect([...h.records()].map((r) => r.topic)).toEqual(['e']);
    expect(h.get('e')?.messages.map((m) => m.body[0])).toEqual(['f']);
    expect(h.get('e')?.count).toBe(2);
    expect(h.droppedTopics).toBe(4);
    expect(h.droppedMessages).toBe(5);
  });

  test('a retained marker follows the last message: an empty retained message clears it', () => {
    const h = history(5, 10, 1e9);
    h.add(msg('s', 'Online', true));
    expect(h.get('s')?.retained).toBe(true);
    h.add(msg('s', 'live', false));
    expect(h.get('s')?.retained).toBe(false);
    h.add(msg('s', 'Online', true));
    h.add(msg('s', '', true));
    expect(h.get('s')?.retained).toBe(false);
  });

  test('a flood of distinct topics stays within every bound', () => {
    const h = history(50, 1000, 256 * 1024);
    for (let i = 0; i < 20_000; i++) h.add(msg(`flood/${i % 3000}/${i}`, 'p'.repeat(i % 500)));
    expect(h.size).toBeLessThanOrEqual(1000);
    expect(h.totalBytes).toBeLessThanOrEqual(256 * 1024);
    expect(h.droppedTopics).toBe(20_000 - h.size);
    let kept = 0;
    for (const r of h.records()) kept += r.messages.length;
    expect(kept + h.droppedMessages).toBe(20_000);
  });

  test('clear forgets everything', () => {
    const h = history(5, 10, 1e9);
    h.add(msg('a'));
    h.clear();
    expect(h.size).toBe(0);
    expect(h.totalBytes).toBe(0);
  });
});
