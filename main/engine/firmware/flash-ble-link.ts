/**
 * Flashing over Bluetooth LE: which BLE connector sees a peripheral (or a registered BLE
 * device), and the SMP client on that peripheral for a flash job. The connector keeps
 * owning the link and its reconnects; after the device's reset the job simply opens a new
 * link here until the peripheral advertises again (bounded by the job's reconnect timeout).
 * Packet and write sizes follow the ATT MTU and the device's buf_size (smp-ble-transport).
 */
import { RpcError } from '../../../common/protocol';
import type { BleConnector } from '../connectors/ble/ble-connector';
import type { Connector } from '../connectors/connector';
import { openSmpBle } from '../smp/smp-ble-transport';
import { SmpClient } from '../smp/smp-client';
import type { FlashLink } from './flash-job';

export interface BleFlashTarget {
  connector: BleConnector;
  peripheralId: string;
}

export function bleConnectorOf(connector: Connector | undefined): BleConnector | undefined {
  const c = connector as Partial<BleConnector> | undefined;
  return typeof c?.connectedPeripheral === 'function' && typeof c.peripherals === 'function'
    ? (connector as BleConnector)
    : undefined;
}

/** The BLE connector that sees this peripheral; NOT_FOUND when none does. */
export function findBlePeripheral(connectors: readonly Connector[], peripheralId: string): BleFlashTarget {
  for (const c of connectors) {
    const ble = bleConnectorOf(c);
    if (ble?.peripherals().some((p) => p.id === peripheralId)) return { connector: ble, peripheralId };
  }
  throw new RpcError('NOT_FOUND', `no Bluetooth connector sees the peripheral "${peripheralId}"`);
}

/**
 * The peripheral behind a registered device of a BLE connector; undefined when the connector
 * is not a BLE one. NOT_FOUND when the connector no longer sees the device.
 */
export function findBleDevice(
  connector: Connector | undefined,
  device: { id: string; name: string },
): BleFlashTarget | undefined {
  const ble = bleConnectorOf(connector);
  if (!ble) return undefined;
  const peripheral = ble.peripherals().find((p) => p.deviceId === device.id);
  if (!peripheral)
    throw new RpcError(
      'NOT_FOUND',
      `${device.name} is not in Bluetooth range of its connector now: bring it closer or power it on, then try again`,
    );
  return { connector: ble, peripheralId: peripheral.id };
}

export async function openBleFlashLink(target: BleFlashTarget, timeoutMs = 3000): Promise<FlashLink> {
  const { transport, release } = await openSmpBle(target.connector, target.peripheralId);
  const client = new SmpClient(transport, { timeoutMs });
  return {
    client,
    async close() {
      client.close();
      release();
    },
  };
}
