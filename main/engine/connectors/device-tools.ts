/**
 * The technician's tools on a live connector: serial monitor and send, MQTT topic browser
 * and publish, BLE GATT explorer. Thin: each finds the connector, checks it is the right
 * kind, and turns its answer into the contract's shapes.
 */
import type { z } from 'zod';
import type {
  BlePeripheralSchema,
  GattValueSchema,
  MqttTopicSchema,
  SerialChunkSchema,
} from '../../../common/contract';
import { RpcError } from '../../../common/protocol';
import type { BleConnector } from './ble/ble-connector';
import type { Connector } from './connector';
import type { MqttConnector } from './mqtt/mqtt-connector';
import type { RawSerialEvent, SerialConnector } from './serial/serial-connector';

const MONITOR_FLUSH_MS = 100;
/** a monitor that falls this far behind drops the oldest chunks rather than growing */
const MONITOR_MAX_PENDING = 2000;

function find<T extends Connector>(
  lookup: (id: string) => Connector | undefined,
  id: string,
  method: keyof T,
  kind: string,
): T {
  const connector = lookup(id);
  if (!connector) throw new RpcError('NOT_FOUND', `no connector "${id}"`);
  if (typeof (connector as unknown as Record<string, unknown>)[method as string] !== 'function') {
    throw new RpcError('INVALID_PARAMS', `connector "${id}" is not a ${kind} connector`);
  }
  return connector as T;
}

export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

function printable(bytes: Uint8Array): string | null {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // a replacement character or control bytes mean this is not text worth showing as such
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || c < 0x09 || (c > 0x0d && c < 0x20)) return null;
  }
  return text;
}

export function createDeviceTools(lookup: (id: string) => Connector | undefined) {
  return {
    async serialSend(p: {
      connectorId: string;
      text?: string | undefined;
      hex?: string | undefined;
      newline: string;
    }) {
      const serial = find<SerialConnector>(lookup, p.connectorId, 'send', 'serial');
      const bytes =
        p.hex !== undefined ? hexToBytes(p.hex) : new TextEncoder().encode(`${p.text ?? ''}${p.newline}`);
      try {
        await serial.send(bytes);
      } catch (error) {
        throw new RpcError('UNAVAILABLE', `cannot write to ${p.connectorId}: ${(error as Error).message}`);
      }
      return { ok: true };
    },

    serialMonitor(
      p: { connectorId: string },
      emit: (data: { chunks: z.infer<typeof SerialChunkSchema>[] }) => void,
    ) {
      const serial = find<SerialConnector>(lookup, p.connectorId, 'onRaw', 'serial');
      let pending: RawSerialEvent[] = [];
      const stop = serial.onRaw((event) => {
        pending.push({ ...event, bytes: event.bytes.slice() });
        if (pending.length > MONITOR_MAX_PENDING) pending = pending.slice(-MONITOR_MAX_PENDING);
      });
      const timer = setInterval(() => {
        if (pending.length === 0) return;
        const chunks = pending.map((e) => ({
          direction: e.direction,
          ts: Math.round(e.ts),
          data: Buffer.from(e.bytes).toString('base64'),
        }));
        pending = [];
        emit({ chunks });
      }, MONITOR_FLUSH_MS);
      return () => {
        stop();
        clearInterval(timer);
      };
    },

    mqttTopics(p: { connectorId: string }): z.infer<typeof MqttTopicSchema>[] {
      const mqtt = find<MqttConnector>(lookup, p.connectorId, 'topics', 'MQTT');
      return mqtt.topics().map((t) => ({
        topic: t.topic,
        messages: t.messages,
        previewText: printable(t.preview),
        previewHex: Buffer.from(t.preview).toString('hex'),
        lastSize: t.lastSize,
        lastAt: Math.round(t.lastAt),
      }));
    },

    async mqttPublish(p: {
      connectorId: string;
      topic: string;
      payload: string;
      qos: 0 | 1 | 2;
      retain: boolean;
    }) {
      const mqtt = find<MqttConnector>(lookup, p.connectorId, 'publish', 'MQTT');
      try {
        await mqtt.publish(p.topic, p.payload, { qos: p.qos, retain: p.retain });
      } catch (error) {
        throw new RpcError('UNAVAILABLE', `cannot publish on ${p.connectorId}: ${(error as Error).message}`);
      }
      return { ok: true };
    },

    blePeripherals(p: { connectorId: string }): z.infer<typeof BlePeripheralSchema>[] {
      const ble = find<BleConnector>(lookup, p.connectorId, 'peripherals', 'BLE');
      return ble.peripherals().map((x) => ({
        id: x.id,
        address: x.address,
        name: x.name,
        rssi: x.rssi,
        manufacturerData: x.manufacturerData,
        companyId: x.companyId,
        serviceUuids: x.serviceUuids,
        connectable: x.connectable,
        lastSeen: Math.round(x.lastSeen),
        link: x.link,
        deviceId: x.deviceId,
      }));
    },

    async bleServices(p: { connectorId: string; peripheralId: string }) {
      const ble = find<BleConnector>(lookup, p.connectorId, 'services', 'BLE');
      return await gatt(async () => {
        // opening a peripheral the connector does not connect to by itself connects to it, as nRF Connect does
        const link = ble.peripherals().find((x) => x.id === p.peripheralId)?.link;
        if (link !== 'connected') await ble.connect(p.peripheralId);
        return await ble.services(p.peripheralId);
      });
    },

    async bleRead(p: { connectorId: string; peripheralId: string; service: string; characteristic: string }) {
      const ble = find<BleConnector>(lookup, p.connectorId, 'read', 'BLE');
      const v = await gatt(() => ble.read(p.peripheralId, p.service, p.characteristic));
      const value: z.infer<typeof GattValueSchema> = {
        hex: v.hex,
        text: v.text,
        decoded: v.decoded,
        error: v.error,
      };
      return value;
    },

    async bleWrite(p: {
      connectorId: string;
      peripheralId: string;
      service: string;
      characteristic: string;
      hex: string;
    }) {
      const ble = find<BleConnector>(lookup, p.connectorId, 'write', 'BLE');
      await gatt(() => ble.write(p.peripheralId, p.service, p.characteristic, hexToBytes(p.hex)));
      return { ok: true };
    },
  };
}

async function gatt<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RpcError) throw error;
    throw new RpcError('UNAVAILABLE', (error as Error).message);
  }
}
