import { describe, expect, test } from 'vitest';
import { type CloudEvent, READINGS_EVENT_TYPE } from './cloudevents-input';
import { ReceiverStore } from './receiver-store';

const readings = (id: string, deviceId: string, ts: number): CloudEvent => ({
  specversion: '1.0',
  id,
  source: 'urn:test',
  type: READINGS_EVENT_TYPE,
  subject: `${deviceId}/t`,
  data: { deviceId, metric: 't', ts: [ts], values: [1], quality: [0] },
});

describe('reference receiver store', () => {
  test('counts a device whose new readings come from an older outbox batch than it already saw', () => {
    const store = new ReceiverStore(':memory:');
    store.store([readings('r5-6-0', 'a', 1000), readings('r5-6-1', 'b', 1000)], 'k1');
    // a retry of the same batch (duplicates) and a newer batch are in order
    store.store([readings('r5-6-0', 'a', 1000)], null);
    store.store([readings('r7-8-0', 'a', 2000)], 'k2');
    expect(store.counters.outOfOrder).toBe(0);
    // device b's next readings come from batch 3, older than the batch 5 it already had
    store.store([readings('r3-4-0', 'b', 3000)], 'k3');
    expect(store.counters.outOfOrder).toBe(1);
    expect(store.counters.duplicateReadings).toBe(1);
    store.close();
  });
});
