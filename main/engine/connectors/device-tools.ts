/**
 * The technician's tools on a live connector: serial monitor and send, MQTT topic browser
 * and publish, BLE GATT explorer and its notifications. Thin: each finds the connector,
 * checks it is the right kind, and turns its answer into the contract's shapes.
 */
import type { z } from 'zod';
import type {
  BlePeripheralSchema,
  GattValueSchema,
  MqttTopicSchema,
  SerialChunkSchema,
} from '../../../common/contract';
import { RpcError } from '../../../common/protocol';
import type { BleConnector, GattValue } from './ble/ble-connector';
import type { Connector } from './connector';
import type { MqttConnector } from './mqtt/mqtt-connector';
import type { RawSerialEvent, SerialConnector } from './serial/serial-connector';

const MONITOR_FLUSH_MS = 100;
/** a monitor that falls this far behind drops the oldest chunks rather than growing */
const MONITOR_MAX_PENDING = 2000;
/** GATT notifications go to a subscriber at most 10 times a second... */
const NOTIFY_FLUSH_MS = 100;
/** ...at most this many a batch (the newest); a faster characteristic has the rest counted as dropped */
const NOTIFY_MAX_PENDING = 200;
/** after a failed subscription or a dropped link, try again this often while the stream is open */
const NOTIFY_RETRY_MS = 2000;

type NotificationValue = z.infer<typeof GattValueSchema> & { ts: number };
type GattRef = { connectorId: string; peripheralId: string; service: string; characteristic: string };

function contractValue(v: GattValue): z.infer<typeof GattValueSchema> {
  return { hex: v.hex, text: v.text, decoded: v.decoded, error: v.error };
}

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
      return contractValue(v);
    },

    /**
     * A characteristic's notifications for one subscriber, batched. Stopping lets go of the
     * connector's subscription, which turns notifications off on the peripheral only when
     * nobody else (the connector's own measurements, another subscriber) still listens.
     */
    bleNotifications(
      p: GattRef,
      emit: (data: { values: NotificationValue[]; error: string | null; dropped: number }) => void,
    ): () => void {
      find<BleConnector>(lookup, p.connectorId, 'subscribe', 'BLE');
      let stopped = false;
      let pending: NotificationValue[] = [];
      let dropped = 0;
      let error: string | null = null;
      let errorChanged = false;
      let attempt = 0;
      let unsubscribe: (() => Promise<void>) | undefined;
      let retry: NodeJS.Timeout | undefined;

      const setError = (text: string | null) => {
        if (text !== error) errorChanged = true;
        error = text;
      };
      const scheduleRetry = () => {
        if (!stopped && !retry) retry = setTimeout(open, NOTIFY_RETRY_MS);
      };
      const release = (u: () => Promise<void>) => {
        u().catch(() => {});
      };
      function open() {
        retry = undefined;
        if (stopped) return;
        const mine = ++attempt;
        let ble: BleConnector;
        try {
          ble = find<BleConnector>(lookup, p.connectorId, 'subscribe', 'BLE');
        } catch (e) {
          setError((e as Error).message);
          return scheduleRetry();
        }
        ble
          .subscribe(
            p.peripheralId,
            p.service,
            p.characteristic,
            (v) => {
              if (stopped) return;
              pending.push({ ...contractValue(v), ts: Date.now() });
              if (pending.length > NOTIFY_MAX_PENDING) {
                pending = pending.slice(-NOTIFY_MAX_PENDING);
                dropped++;
              }
            },
            (reason) => {
              if (mine !== attempt) return;
              unsubscribe = undefined;
              setError(`${reason}; subscribing again when it is back`);
              scheduleRetry();
            },
          )
          .then(
            (u) => {
              if (stopped || mine !== attempt) return release(u);
              unsubscribe = u;
              setError(null);
            },
            (e: unknown) => {
              if (stopped || mine !== attempt) return;
              setError(`cannot subscribe: ${e instanceof Error ? e.message : String(e)}`);
              scheduleRetry();
            },
          );
      }

      const timer = setInterval(() => {
        if (pending.length === 0 && !errorChanged && dropped === 0) return;
        const values = pending;
        pending = [];
        errorChanged = false;
        const d = dropped;
        dropped = 0;
        emit({ values, error, dropped: d });
      }, NOTIFY_FLUSH_MS);
      open();
      return () => {
        stopped = true;
        clearInterval(timer);
        if (retry) clearTimeout(retry);
        if (unsubscribe) release(unsubscribe);
        unsubscribe = undefined;
      };
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
