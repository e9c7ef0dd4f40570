import { describe, expect, test } from 'vitest';
import { SimulatedBleBinding } from './ble/simulated-binding';
import { quietLogger, recordingSink, waitFor } from './ble/test-helpers';
import { createConnectorFactories } from './factories';

describe('connector factories', () => {
  test('with a bleBinding, BLE connectors run real noble on it (a simulated adapter here) and their status says so', async () => {
    const bindings: SimulatedBleBinding[] = [];
    const factories = createConnectorFactories({
      bleBinding: {
        description: 'Simulated Bluetooth adapter',
        create: () => {
          const b = new SimulatedBleBinding({ advertiseIntervalMs: 20, notifyIntervalMs: 30 });
          bindings.push(b);
          return b;
        },
      },
    });
    const ble = factories.ble!;
    const sink = recordingSink();
    const connector = ble.create(ble.schema.parse({ id: 'sim-ble' }), sink, quietLogger());
    try {
      connector.start();
      await waitFor('a temperature reading', () => sink.all.some((r) => r.metric === 'temperature'), 5_000);
      expect(bindings).toHaveLength(1);
      expect(connector.status().detail).toMatch(/^Simulated Bluetooth adapter: /);
      expect(sink.statuses.length).toBeGreaterThan(0);
      for (const s of sink.statuses) expect(s.detail).toMatch(/^Simulated Bluetooth adapter: /);
      expect(sink.devices.map((d) => d.transport)).toContain('ble');
    } finally {
      await connector.stop();
      for (const b of bindings) b.close();
    }
    expect(connector.status().state).toBe('disconnected');
  });

  test("without one, BLE connectors load the machine's noble and say nothing about simulation", async () => {
    const ble = createConnectorFactories().ble!;
    const sink = recordingSink();
    const connector = ble.create(ble.schema.parse({ id: 'real-ble' }), sink, quietLogger());
    connector.start();
    await connector.stop();
    for (const s of [connector.status(), ...sink.statuses]) expect(s.detail).not.toMatch(/simulated/i);
  });
});
