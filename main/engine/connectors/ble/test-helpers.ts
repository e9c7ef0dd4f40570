/**
 * Shared by the BLE tests: real noble on top of the simulated binding, a recording sink,
 * a quiet logger, and a connector on all three.
 */
import { createRequire } from 'node:module';
import { onTestFinished } from 'vitest';
import type { ConnectorStatus } from '../../../../common/contract';
import type { Reading } from '../../../../common/reading';
import type { Logger } from '../../log';
import type { ConnectorSink, DeviceDescriptor } from '../connector';
import {
  type BleConnector,
  type BleConnectorConfig,
  type BleConnectorOptions,
  createBleConnector,
  type Noble,
} from './ble-connector';
import { type SimulatedBindingOptions, SimulatedBleBinding } from './simulated-binding';

const requireHere = createRequire(__filename);

export function nobleWithSimulatedBinding(options: SimulatedBindingOptions = {}): {
  binding: SimulatedBleBinding;
  noble: Noble;
} {
  const binding = new SimulatedBleBinding({ advertiseIntervalMs: 20, notifyIntervalMs: 30, ...options });
  const withBindings = requireHere('@abandonware/noble/with-bindings') as (b: unknown) => Noble;
  return { binding, noble: withBindings(binding) };
}

export interface RecordingSink extends ConnectorSink {
  all: Reading[];
  devices: DeviceDescriptor[];
  statuses: ConnectorStatus[];
}

export function recordingSink(): RecordingSink {
  const sink: RecordingSink = {
    all: [],
    devices: [],
    statuses: [],
    readings: (b) => {
      sink.all.push(...b);
    },
    deviceSeen: (d) => {
      sink.devices.push(d);
    },
    statusChanged: (s) => {
      sink.statuses.push(s);
    },
  };
  return sink;
}

export function quietLogger(): Logger {
  const l: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => l };
  return l;
}

export interface SimulatedBleSetup {
  sink: RecordingSink;
  connector: BleConnector;
  binding: SimulatedBleBinding;
}

/**
 * A BLE connector (not started) on real noble over a simulated binding, with a fast
 * reconnect and short timeouts so a lost link or a silent peripheral shows in milliseconds.
 * Called in a test: the connector is stopped and the binding closed when that test ends.
 */
export function simulatedBleConnector(
  config: Partial<BleConnectorConfig>,
  bindingOptions: SimulatedBindingOptions,
  options: BleConnectorOptions = {},
): SimulatedBleSetup {
  const sim = nobleWithSimulatedBinding(bindingOptions);
  const sink = recordingSink();
  const connector = createBleConnector(
    {
      id: 'ble-1',
      reconnect: { initialMs: 20, maxMs: 100 },
      connectTimeoutMs: 500,
      gattTimeoutMs: 500,
      ...config,
    },
    sink,
    quietLogger(),
    () => sim.noble,
    options,
  );
  onTestFinished(async () => {
    await connector.stop();
    sim.binding.close();
  });
  return { sink, connector, binding: sim.binding };
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
