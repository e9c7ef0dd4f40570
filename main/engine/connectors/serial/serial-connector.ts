/**
 * A device on a serial port (USB CDC, FTDI, CH340...) printing telemetry in one of the
 * wire formats of decoders/telemetry-stream. Opens the port, decodes what arrives into
 * Readings, announces the devices it hears, and reopens the port by itself with backoff
 * when it closes or cannot be opened (cable unplugged, adapter re-enumerated).
 */
import { SerialPort } from 'serialport';
import { z } from 'zod';
import type { ConnectorStatus } from '../../../../common/contract';
import {
  createTelemetryStream,
  type TelemetryStream,
  WIRE_FORMATS,
  type WireFormat,
} from '../../decoders/telemetry-stream';
import type { Logger } from '../../log';
import type { Connector, ConnectorSink } from '../connector';

export const SerialConnectorConfigSchema = z
  .object({
    id: z.string().min(1).max(200),
    label: z.string().max(200).optional(),
    path: z.string().min(1).max(1000),
    baudRate: z.number().int().min(50).max(20_000_000).default(115200),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    flowControl: z.enum(['none', 'rtscts', 'xonxoff']).default('none'),
    format: z.enum(WIRE_FORMATS).default('json-lines'),
    /** device the data belongs to when a line names none (one device per port) */
    deviceId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'letters, digits and _ . : - only, at most 200 characters')
      .optional(),
    /** id of a profile in resources/profiles for the devices on this port */
    profile: z.string().max(200).optional(),
  })
  .strict();
export type SerialConnectorConfig = z.infer<typeof SerialConnectorConfigSchema>;

export interface RawSerialEvent {
  direction: 'rx' | 'tx';
  /** host time, ms */
  ts: number;
  bytes: Uint8Array;
}

export interface SerialConnector extends Connector {
  /** every chunk received or sent, for a serial monitor; returns an unsubscribe function */
  onRaw(listener: (event: RawSerialEvent) => void): () => void;
  /** writes to the port; rejects when it is not open */
  send(data: Uint8Array): Promise<void>;
  /** the wire format the device prints, which its commands are written in too */
  readonly format: WireFormat;
}

export const RECONNECT_INITIAL_MS = 200;
/** below 2 s so a replugged port is back within 2 s even after a long outage */
export const RECONNECT_MAX_MS = 1500;
/** counters-only status updates are coalesced to at most one per this interval */
const STATUS_THROTTLE_MS = 250;
/** a hostile stream must not grow the announced set without bound */
const MAX_ANNOUNCED_DEVICES = 10_000;

export interface SerialConnectorOptions {
  now?: () => number;
}

export function createSerialConnector(
  config: SerialConnectorConfig,
  sink: ConnectorSink,
  log: Logger,
  options: SerialConnectorOptions = {},
): SerialConnector {
  const now = options.now ?? Date.now;
  const cfg = SerialConnectorConfigSchema.parse(config);
  const stream: TelemetryStream = createTelemetryStream(cfg.format, {
    source: cfg.id,
    ...(cfg.deviceId !== undefined ? { defaultDeviceId: cfg.deviceId } : {}),
  });
  const announced = new Set<string>();
  const rawListeners = new Set<(event: RawSerialEvent) => void>();
  const status: ConnectorStatus = {
    id: cfg.id,
    kind: 'serial',
    label: cfg.label ?? cfg.path,
    state: 'disconnected',
    detail: `${cfg.path} @ ${cfg.baudRate} ${cfg.dataBits}${cfg.parity[0]!.toUpperCase()}${cfg.stopBits}, ${cfg.format}`,
    devices: 0,
    messagesIn: 0,
    readingsIn: 0,
    decodeErrors: 0,
    logLines: 0,
    lastError: null,
    since: now(),
  };

  let running = false;
  let port: SerialPort | null = null;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let backoff = RECONNECT_INITIAL_MS;
  /** bumps on every open attempt so events of an abandoned port are ignored */
  let generation = 0;

  const emitStatus = () => {
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = undefined;
    sink.statusChanged({ ...status });
  };
  const emitStatusSoon = () => {
    if (!statusTimer) statusTimer = setTimeout(emitStatus, STATUS_THROTTLE_MS);
  };
  const setState = (state: ConnectorStatus['state'], error?: string) => {
    if (error !== undefined) status.lastError = error;
    if (status.state !== state) {
      status.state = state;
      status.since = now();
    }
    emitStatus();
  };

  const emitRaw = (direction: RawSerialEvent['direction'], bytes: Uint8Array) => {
    if (rawListeners.size === 0) return;
    const event: RawSerialEvent = { direction, ts: now(), bytes: Uint8Array.from(bytes) };
    for (const listener of rawListeners) {
      try {
        listener(event);
      } catch (error) {
        log.warn('serial raw listener threw', { error: String(error) });
      }
    }
  };

  const onData = (chunk: Buffer) => {
    emitRaw('rx', chunk);
    const result = stream.push(chunk, now());
    status.messagesIn += result.messages;
    status.readingsIn += result.readings.length;
    status.logLines = (status.logLines ?? 0) + result.logLines;
    if (result.errors > 0) {
      status.decodeErrors += result.errors;
      status.lastError = result.lastError;
      log.debug('serial decode error', { error: result.lastError, count: result.errors });
    }
    for (const reading of result.readings) {
      if (announced.has(reading.deviceId) || announced.size >= MAX_ANNOUNCED_DEVICES) continue;
      announced.add(reading.deviceId);
      status.devices = announced.size;
      sink.deviceSeen({
        id: reading.deviceId,
        name: reading.deviceId,
        kind: 'serial device',
        profile: cfg.profile ?? '',
        transport: 'serial',
        connectorId: cfg.id,
      });
    }
    if (result.readings.length > 0) sink.readings(result.readings);
    if (result.messages > 0 || result.logLines > 0) emitStatusSoon();
  };

  const scheduleReconnect = (reason: string) => {
    if (!running || reconnectTimer) return;
    const delay = backoff;
    backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
    log.info('serial port unavailable, retrying', { path: cfg.path, reason, delayMs: delay });
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      open();
    }, delay);
  };

  const dropPort = (reason: string, state: 'error' | 'disconnected') => {
    const old = port;
    port = null;
    generation++;
    if (old) {
      old.removeAllListeners();
      old.on('error', () => {}); // late errors of a dead port must not become uncaught
      if (old.isOpen) old.close(() => {});
    }
    stream.resetFraming();
    if (running) {
      setState(state, reason);
      scheduleReconnect(reason);
    }
  };

  const open = () => {
    if (!running) return;
    const mine = ++generation;
    setState('connecting');
    let p: SerialPort;
    try {
      p = new SerialPort({
        path: cfg.path,
        baudRate: cfg.baudRate,
        dataBits: cfg.dataBits,
        parity: cfg.parity,
        stopBits: cfg.stopBits,
        rtscts: cfg.flowControl === 'rtscts',
        xon: cfg.flowControl === 'xonxoff',
        xoff: cfg.flowControl === 'xonxoff',
        autoOpen: false,
      });
    } catch (error) {
      dropPort(`cannot open ${cfg.path}: ${(error as Error).message}`, 'error');
      return;
    }
    port = p;
    p.on('data', (chunk: Buffer) => {
      if (mine !== generation) return;
      try {
        onData(chunk);
      } catch (error) {
        // a throwing sink must not take the port's stream down with it
        log.error('serial data handling failed', { error: String(error) });
      }
    });
    p.on('error', (error: Error) => {
      if (mine === generation) dropPort(`${cfg.path}: ${error.message}`, 'error');
    });
    p.on('close', () => {
      if (mine === generation) dropPort(`${cfg.path} closed`, 'disconnected');
    });
    p.open((error) => {
      if (mine !== generation) {
        if (!error) p.close(() => {});
        return;
      }
      if (error) {
        dropPort(`cannot open ${cfg.path}: ${error.message}`, 'error');
        return;
      }
      backoff = RECONNECT_INITIAL_MS;
      log.info('serial port open', { path: cfg.path });
      setState('connected');
    });
  };

  return {
    id: cfg.id,
    format: cfg.format,
    status: () => ({ ...status }),
    start() {
      if (running) return;
      running = true;
      backoff = RECONNECT_INITIAL_MS;
      open();
    },
    async stop() {
      running = false;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const old = port;
      port = null;
      generation++;
      if (old) {
        old.removeAllListeners();
        old.on('error', () => {});
        if (old.isOpen) await new Promise<void>((resolve) => old.close(() => resolve()));
      }
      stream.resetFraming();
      setState('disconnected');
    },
    onRaw(listener) {
      rawListeners.add(listener);
      return () => {
        rawListeners.delete(listener);
      };
    },
    send(data) {
      const p = port;
      if (!p?.isOpen) return Promise.reject(new Error(`${cfg.path} is not open`));
      const bytes = Buffer.from(data);
      return new Promise<void>((resolve, reject) => {
        p.write(bytes, (error) => {
          if (error) return reject(error);
          emitRaw('tx', bytes);
          p.drain((drainError) => (drainError ? reject(drainError) : resolve()));
        });
      });
    },
  };
}
