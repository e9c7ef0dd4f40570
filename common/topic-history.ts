/**
 * What a topic browser remembers, bounded three ways: the last `perTopic` messages of each
 * topic, at most `maxTopics` topics, and at most `maxBytes` in all. When a cap is hit the
 * topic updated longest ago goes first (least recently updated), and what went is counted,
 * never silently lost. Pure, so the renderer and the tests share it.
 */

export interface HistoryMessage {
  topic: string;
  retain: boolean;
  size: number;
  ts: number;
}

export interface TopicRecord<M extends HistoryMessage> {
  topic: string;
  /** oldest first, at most perTopic */
  messages: M[];
  /** every message that arrived on this topic while it was kept */
  count: number;
  /** the last message came with the retain flag and a payload: the broker holds it */
  retained: boolean;
  lastAt: number;
  bytes: number;
}

export interface TopicHistoryLimits {
  perTopic: number;
  maxTopics: number;
  maxBytes: number;
}

export const DEFAULT_HISTORY_LIMITS: TopicHistoryLimits = {
  perTopic: 50,
  maxTopics: 10_000,
  maxBytes: 32 * 1024 * 1024,
};

/** what one stored message costs beyond its payload: the record, the topic, the properties */
const OVERHEAD_BYTES = 128;

export class TopicHistory<M extends HistoryMessage> {
  /** in least-recently-updated order: the first key is evicted first */
  private readonly topics = new Map<string, TopicRecord<M>>();
  private bytes = 0;
  /** topics evicted whole, and the messages that went with them or to the byte cap */
  droppedTopics = 0;
  droppedMessages = 0;

  constructor(
    private readonly cost: (m: M) => number,
    readonly limits: TopicHistoryLimits = DEFAULT_HISTORY_LIMITS,
  ) {}

  get size(): number {
    return this.topics.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(topic: string): TopicRecord<M> | undefined {
    return this.topics.get(topic);
  }

  /** every kept topic, least recently updated first */
  records(): IterableIterator<TopicRecord<M>> {
    return this.topics.values();
  }

  add(message: M): void {
    let record = this.topics.get(message.topic);
    if (record) {
      this.topics.delete(message.topic); // re-inserted below: now the most recently updated
    } else {
      record = { topic: message.topic, messages: [], count: 0, retained: false, lastAt: 0, bytes: 0 };
    }
    this.topics.set(message.topic, record);
    const cost = this.cost(message) + OVERHEAD_BYTES;
    record.messages.push(message);
    record.count++;
    record.bytes += cost;
    this.bytes += cost;
    record.retained = message.retain && message.size > 0;
    record.lastAt = message.ts;
    // older messages of a topic beyond its own cap are history, not a loss: not counted
    while (record.messages.length > this.limits.perTopic) this.shift(record);
    while (this.topics.size > this.limits.maxTopics) this.evictOldest();
    while (this.bytes > this.limits.maxBytes && this.topics.size > 1) this.evictOldest();
    while (this.bytes > this.limits.maxBytes && record.messages.length > 1) {
      this.shift(record);
      this.droppedMessages++;
    }
  }

  /** forget everything (a new filter) */
  clear(): void {
    this.topics.clear();
    this.bytes = 0;
    this.droppedTopics = 0;
    this.droppedMessages = 0;
  }

  private shift(record: TopicRecord<M>): void {
    const gone = record.messages.shift();
    if (!gone) return;
    const cost = this.cost(gone) + OVERHEAD_BYTES;
    record.bytes -= cost;
    this.bytes -= cost;
  }

  private evictOldest(): void {
    const oldest = this.topics.values().next().value;
    if (!oldest) return;
    this.topics.delete(oldest.topic);
    this.bytes -= oldest.bytes;
    this.droppedTopics++;
    this.droppedMessages += oldest.messages.length;
  }
}
