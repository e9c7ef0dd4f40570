/**
 * One entry point for the commissioning engine: open a link to a device in hand (USB
 * serial or BLE) and get an Improv client, a configuration client and the device's log
 * lines, whatever the transport.
 */
import { SerialPort } from 'serialport';
import type { DeviceLink } from '../../../common/commissioning-contract';
import type { BleConnector } from '../connectors/ble/ble-connector';
import type { Logger } from '../log';
import { CONFIG_BLE } from './config-ble';
import {
  type ConfigClient,
  type ConfigLineLink,
  createConfigClient,
  unsupportedConfigClient,
} from './config-client';
import { isConfigLine } from './config-protocol';
import { type GattPort, gattPortFromNoble } from './gatt-port';
import { createBleImprovClient, IMPROV_BLE } from './improv-ble';
import { CommandQueue, createSerialImprovClient, type ImprovClient } from './improv-client';
import { type ImprovFrame, SerialStreamSplitter } from './improv-serial-codec';
import { chunkLine, LineAssembler, Listeners } from './line-links';

export interface DeviceChannel {
  readonly link: DeviceLink;
  readonly improv: ImprovClient;
  readonly config: ConfigClient;
  /** bytes/lines the device printed that were neither Improv nor config replies (device logs), for diagnostics */
  onLog(listener: (line: string) => void): () => void;
  onClose(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}

export interface DeviceChannelDeps {
  bleConnector?: (connectorId: string) => BleConnector | undefined;
  log: Logger;
}

/** Opening the link failed; the message says what to do about it. */
export class DeviceLinkError extends Error {
  override readonly name = 'DeviceLinkError';
  constructor(
    readonly kind: 'not-found' | 'busy' | 'permission' | 'unavailable' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

export async function openDeviceChannel(link: DeviceLink, deps: DeviceChannelDeps): Promise<DeviceChannel> {
  return link.kind === 'serial' ? openSerialChannel(link, deps.log) : openBleChannel(link, deps);
}

// ---- serial ----------------------------------------------------------------------------

export function describeOpenError(path: string, e: unknown): DeviceLinkError {
  const text = e instanceof Error ? e.message : String(e);
  if (/ENOENT|No such file/i.test(text))
    return new DeviceLinkError(
      'not-found',
      `no serial port at ${path}: is the device plugged in and the path right?`,
    );
  if (/EBUSY|lock|Resource temporarily unavailable/i.test(text))
    return new DeviceLinkError(
      'busy',
      `${path} is busy: another program (a serial monitor, or a Fieldline serial connector on the same port) has it open; close it and retry`,
    );
  if (/EACCES|Permission denied/i.test(text))
    return new DeviceLinkError(
      'permission',
      `no permission to open ${path}: on Linux add your user to the dialout group and log in again`,
    );
  return new DeviceLinkError('failed', `cannot open ${path}: ${text}`);
}

async function openSerialChannel(
  link: Extract<DeviceLink, { kind: 'serial' }>,
  log: Logger,
): Promise<DeviceChannel> {
  const port = new SerialPort({ path: link.path, baudRate: link.baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => (error ? reject(describeOpenError(link.path, error)) : resolve()));
  });
  const frames = new Listeners<[ImprovFrame]>();
  const badFrames = new Listeners<[number]>();
  const configLines = new Listeners<[string]>();
  const logs = new Listeners<[string]>();
  const closes = new Listeners<[string]>();
  let closed: string | null = null;
  const splitter = new SerialStreamSplitter(
    (event) => {
      if (event.kind === 'frame') frames.emit(event.frame);
      else if (event.kind === 'line') (isConfigLine(event.text) ? configLines : logs).emit(event.text);
      else logs.emit(`[Fieldline: dropped a ${event.bytes}-byte line, longer than the protocol allows]`);
    },
    { onBadChecksum: (type) => badFrames.emit(type) },
  );
  const end = (reason: string) => {
    if (closed !== null) return;
    closed = reason;
    clearTimeout(idleTimer);
    splitter.flush();
    log.info('device link closed', { path: link.path, reason });
    closes.emit(reason);
  };
  // a bogus frame header must not hold back what follows once the line goes quiet
  let idleTimer: NodeJS.Timeout | undefined;
  port.on('data', (chunk: Buffer) => {
    splitter.push(chunk);
    clearTimeout(idleTimer);
    idleTimer = splitter.bufferedBytes() > 0 ? setTimeout(() => splitter.idle(), 100) : undefined;
  });
  port.on('error', (e: Error) => {
    end(`${link.path}: ${e.message}`);
    if (port.isOpen) port.close(() => {});
  });
  port.on('close', (e?: Error & { disconnected?: boolean }) =>
    end(e?.disconnected ? `${link.path} was unplugged` : `${link.path} closed`),
  );
  const writes = new CommandQueue();
  const write = (bytes: Uint8Array) =>
    writes.run(
      () =>
        new Promise<void>((resolve, reject) => {
          if (closed !== null || !port.isOpen) return reject(new Error(closed ?? `${link.path} is not open`));
          port.write(Buffer.from(bytes), (error) => {
            if (error) return reject(error);
            port.drain((e) => (e ? reject(e) : resolve()));
          });
        }),
    );
  const closedReason = () => closed;
  const onClose = (l: (reason: string) => void) => closes.add(l);
  const improv = createSerialImprovClient({
    write,
    onFrame: (l) => frames.add(l),
    onBadFrame: (l) => badFrames.add(l),
    closedReason,
    onClose,
  });
  const configLink: ConfigLineLink = {
    sendLine: (line) => write(Buffer.from(`${line}\n`, 'utf8')),
    onLine: (l) => configLines.add(l),
    closedReason,
    onClose,
  };
  const config = createConfigClient(configLink, {
    onStray: (line, problem) => log.debug('stray config reply', { problem, line: line.slice(0, 200) }),
  });
  log.info('device link open', { path: link.path, baudRate: link.baudRate });
  return {
    link,
    improv,
    config,
    onLog: (l) => logs.add(l),
    onClose,
    async close() {
      end('closed by Fieldline');
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      port.removeAllListeners('data');
      port.on('error', () => {}); // a late error of a closed port must not become uncaught
    },
  };
}

// ---- BLE -------------------------------------------------------------------------------

async function openBleChannel(
  link: Extract<DeviceLink, { kind: 'ble' }>,
  deps: DeviceChannelDeps,
): Promise<DeviceChannel> {
  const connector = deps.bleConnector?.(link.connectorId);
  if (!connector)
    throw new DeviceLinkError(
      'unavailable',
      `no Bluetooth connector "${link.connectorId}": add one under Connections first`,
    );
  const known = connector.peripherals().find((p) => p.id === link.peripheralId);
  if (!known)
    throw new DeviceLinkError(
      'not-found',
      `the Bluetooth device ${link.peripheralId} has not been heard: bring it closer and make sure it advertises`,
    );
  const wasConnected = known.link === 'connected';
  let port: GattPort;
  try {
    const peripheral = await connector.connectedPeripheral(link.peripheralId);
    port = await gattPortFromNoble(peripheral, [IMPROV_BLE.service, CONFIG_BLE.service]);
  } catch (e) {
    throw new DeviceLinkError(
      'failed',
      `could not connect to ${link.peripheralId}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const logs = new Listeners<[string]>();
  const cleanup = async () => {
    port.release();
    if (!wasConnected) await connector.disconnect(link.peripheralId).catch(() => {});
  };
  try {
    const improv = await createBleImprovClient(port);
    let config: ConfigClient;
    if (port.has(CONFIG_BLE.service, CONFIG_BLE.rx) && port.has(CONFIG_BLE.service, CONFIG_BLE.tx)) {
      const lines = new Listeners<[string]>();
      const assembler = new LineAssembler(
        (line) => (isConfigLine(line) ? lines : logs).emit(line),
        undefined,
        (bytes) => logs.emit(`[Fieldline: dropped a ${bytes}-byte line, longer than the protocol allows]`),
      );
      await port.subscribe(CONFIG_BLE.service, CONFIG_BLE.tx, (chunk) => assembler.push(chunk), 5_000);
      // chunks of two lines must never interleave
      const writes = new CommandQueue();
      config = createConfigClient(
        {
          sendLine: (line) =>
            writes.run(async () => {
              for (const chunk of chunkLine(line, port.maxWrite()))
                await port.write(CONFIG_BLE.service, CONFIG_BLE.rx, chunk, 5_000);
            }),
          onLine: (l) => lines.add(l),
          closedReason: () => port.closedReason(),
          onClose: (l) => port.onClose(l),
        },
        {
          onStray: (line, problem) =>
            deps.log.debug('stray config reply', { problem, line: line.slice(0, 200) }),
        },
      );
    } else
      config = unsupportedConfigClient(
        'the device does not offer the Fieldline configuration service over Bluetooth',
      );
    deps.log.info('device link open', { peripheralId: link.peripheralId, connectorId: link.connectorId });
    return {
      link,
      improv,
      config,
      onLog: (l) => logs.add(l),
      onClose: (l) => port.onClose(l),
      close: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw new DeviceLinkError(
      'failed',
      `could not set up provisioning with ${link.peripheralId}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
