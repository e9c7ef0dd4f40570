/**
 * A simulated factory-fresh device for tests, the e2e suite and the demo: it speaks Improv
 * Wi-Fi (serial and BLE) and Fieldline's configuration protocol, "joins" one of the Wi-Fi
 * networks it was given, and once it has a broker URL, a device id and credentials it
 * connects for real to the broker with mqtt.js and publishes telemetry and heartbeats.
 * Its status reports what the real connection did (unreachable, TLS refused, auth refused).
 *
 * It keeps nothing across process restarts unless given a state file. Attach it to the
 * device side of a socat pty pair (attachSerial) or expose it through the simulated BLE
 * binding (attachBle). It is a test and demo tool; nothing in the product depends on it.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { z } from 'zod';
import type { SimulatedBleBinding } from '../connectors/ble/simulated-binding';
import type { Logger } from '../log';
import { CONFIG_BLE } from './config-ble';
import {
  type ConfigErrorCode,
  CredentialsSchema,
  type DeviceConfig,
  DeviceConfigPatchSchema,
  DeviceConfigSchema,
  type DeviceInfoReply,
  type DeviceStatusReply,
  encodeErr,
  encodeOk,
  parseRequest,
  pskFingerprint,
} from './config-protocol';
import {
  decodeBleRpc,
  encodeBleRpc,
  encodeImprovServiceData,
  IMPROV_BLE,
  ImprovCapability,
} from './improv-ble';
import {
  decodeRpcCommandStrict,
  decodeWifiSettings,
  encodeRpc,
  encodeStrings,
  ImprovCommand,
  ImprovErrorCode,
  ImprovState,
} from './improv-protocol';
import { encodeImprovFrame, ImprovPacketType, SerialStreamSplitter } from './improv-serial-codec';
import { chunkLine, LineAssembler } from './line-links';
import { pskTlsOptions } from './psk-tls';

export interface SimulatedNetwork {
  ssid: string;
  password: string;
  rssi: number;
}

export type ImprovFraming = 'spec' | 'esphome';

export interface SimulatedDeviceOptions {
  serialNumber?: string;
  model?: string;
  hardwareVersion?: string;
  firmwareName?: string;
  firmwareVersion?: string;
  chipFamily?: string;
  mac?: string;
  /** the Wi-Fi networks around the device */
  networks?: SimulatedNetwork[];
  /** the networks reach the broker; false simulates a site without a route to it */
  uplink?: boolean;
  /** how long joining a network takes, ms */
  wifiJoinMs?: number;
  /** what Improv reports after provisioning (ESPHome: the device's web page) */
  redirectUrl?: string | null;
  /**
   * How RPC results are framed on serial. 'spec': frame length = RPC body length.
   * 'esphome': what ESPHome sends since it pins Improv SDK 1.2.4, one 0x00 after the
   * strings that the frame length counts (build_rpc_response sizes its buffer for a
   * checksum and, called with add_checksum=false, leaves that byte zero).
   */
  improvFraming?: ImprovFraming;
  /** keep Wi-Fi, configuration and credentials here across process restarts */
  stateFile?: string;
  /** log lines printed on serial every so often, interleaved with everything else; 0 = none */
  logIntervalMs?: number;
  brokerRetryMs?: number;
  brokerConnectTimeoutMs?: number;
  log?: Logger;
}

type WifiState = DeviceStatusReply['wifi'];
type BrokerState = DeviceStatusReply['broker'];
type Credentials = z.infer<typeof CredentialsSchema>;

const StoredSchema = z.object({
  wifi: z.object({ ssid: z.string(), password: z.string() }).nullable(),
  config: DeviceConfigSchema,
  credentials: CredentialsSchema.nullable(),
  fingerprint: z.string().nullable(),
});
type Stored = z.infer<typeof StoredSchema>;

/** Where the device's answers go: one per attached transport. */
interface Port {
  state(code: number): void;
  error(code: number): void;
  result(command: number, strings: string[]): void;
  configLine(line: string): void;
  log(line: string): void;
}

const DEFAULT_CONFIG: DeviceConfig = {
  deviceId: null,
  brokerUrl: null,
  reportingIntervalS: 10,
  topicPrefix: 'fieldline',
};

export interface TelemetryMessage {
  topic: string;
  payload: { ts: number; value: number };
}

export class SimulatedProvisionableDevice {
  readonly serialNumber: string;
  readonly options: Required<Omit<SimulatedDeviceOptions, 'stateFile' | 'log' | 'redirectUrl'>> & {
    redirectUrl: string | null;
  };
  private stored: Stored;
  private improvState: number = ImprovState.authorized;
  private improvError: number = ImprovErrorCode.none;
  private wifiState: WifiState = 'disconnected';
  private brokerState: BrokerState = 'disconnected';
  private lastError: string | null = null;
  private bootAt = Date.now();
  private client: MqttClient | undefined;
  private brokerGeneration = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private telemetryTimer: NodeJS.Timeout | undefined;
  private readonly ports = new Set<Port>();
  private closed = false;
  private values = { temperature: 21.4, humidity: 46.2 };
  /** every message published, newest last (bounded), for tests */
  readonly published: TelemetryMessage[] = [];
  private readonly log: Logger | undefined;
  private readonly stateFile: string | undefined;

  constructor(options: SimulatedDeviceOptions = {}) {
    this.serialNumber =
      options.serialNumber ??
      `FL-SIM-${Math.floor(Math.random() * 1e6)
        .toString()
        .padStart(6, '0')}`;
    this.options = {
      serialNumber: this.serialNumber,
      model: options.model ?? 'FL-ENV-2',
      hardwareVersion: options.hardwareVersion ?? 'rev C',
      firmwareName: options.firmwareName ?? 'fieldline-env',
      firmwareVersion: options.firmwareVersion ?? '2.3.1',
      chipFamily: options.chipFamily ?? 'ESP32-C3',
      mac: options.mac ?? macFrom(this.serialNumber),
      networks: options.networks ?? [],
      uplink: options.uplink ?? true,
      wifiJoinMs: options.wifiJoinMs ?? 200,
      redirectUrl: options.redirectUrl ?? null,
      improvFraming: options.improvFraming ?? 'spec',
      logIntervalMs: options.logIntervalMs ?? 1_000,
      brokerRetryMs: options.brokerRetryMs ?? 2_000,
      brokerConnectTimeoutMs: options.brokerConnectTimeoutMs ?? 5_000,
    };
    this.log = options.log;
    this.stateFile = options.stateFile;
    this.stored = this.load();
    if (this.stored.wifi) this.joinWifi(this.stored.wifi.ssid, this.stored.wifi.password, undefined);
  }

  // ---- what tests look at and change ---------------------------------------------------

  status(): DeviceStatusReply {
    const net = this.currentNetwork();
    return {
      wifi: this.wifiState,
      broker: this.brokerState,
      lastError: this.lastError,
      uptimeS: Math.round((Date.now() - this.bootAt) / 1000),
      ssid: this.wifiState === 'connected' ? (this.stored.wifi?.ssid ?? null) : null,
      rssi: this.wifiState === 'connected' && net ? net.rssi : null,
    };
  }

  config(): DeviceConfig {
    return { ...this.stored.config };
  }

  credentialFingerprint(): string | null {
    return this.stored.fingerprint;
  }

  /** Cut or restore the route from the site's networks to the broker. */
  setUplink(up: boolean): void {
    this.options.uplink = up;
    this.restartBroker();
  }

  /** Stop every timer and connection; the device is gone. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.stopTelemetry();
    await this.stopBroker();
    for (const p of [...this.ports]) this.ports.delete(p);
    for (const d of [...this.detachers]) await d();
  }

  // ---- transports ----------------------------------------------------------------------

  private readonly detachers = new Set<() => Promise<void>>();

  /** Opens the device side of a serial link (a pty) and serves it until it closes. */
  async attachSerial(path: string, baudRate = 115_200): Promise<{ detach: () => Promise<void> }> {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const write = (bytes: Uint8Array) => {
      if (port.isOpen) port.write(Buffer.from(bytes), () => {});
    };
    const writeLine = (text: string) => write(Buffer.from(`${text}\r\n`, 'utf8'));
    const sp: Port = {
      state: (code) => write(encodeImprovFrame(ImprovPacketType.currentState, Uint8Array.of(code))),
      error: (code) => write(encodeImprovFrame(ImprovPacketType.errorState, Uint8Array.of(code))),
      result: (command, strings) =>
        write(encodeImprovFrame(ImprovPacketType.rpcResult, this.serialResult(command, strings))),
      configLine: writeLine,
      log: writeLine,
    };
    const splitter = new SerialStreamSplitter(
      (event) => {
        if (event.kind === 'frame') {
          if (event.frame.type !== ImprovPacketType.rpcCommand) return;
          // Improv SDK parse_improv_data: a declared length that does not match makes the
          // command UNKNOWN, which ESPHome answers with ERROR_UNKNOWN_RPC (0x02)
          const rpc = decodeRpcCommandStrict(event.frame.data);
          if ('error' in rpc) this.setError(ImprovErrorCode.unknownCommand, sp);
          else this.improvCommand(rpc.command, rpc.data, sp, 'serial');
        } else if (event.kind === 'line') this.configRequest(event.text, sp);
        else sp.configLine(encodeErr('0', 'too-long', 'line longer than the protocol allows'));
      },
      {
        // Improv SDK parse_improv_serial_byte: a checksum mismatch calls on_error(ERROR_INVALID_RPC),
        // and ESPHome sends that error state; the frame is not silently dropped
        onBadChecksum: () => this.setError(ImprovErrorCode.invalidRpc, sp),
      },
    );
    let idleTimer: NodeJS.Timeout | undefined;
    port.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => splitter.idle(), 100);
    });
    port.on('error', () => {});
    this.ports.add(sp);
    // boot banner, as a real device prints on power-up
    sp.log(
      `[I][app]: ${this.options.firmwareName} ${this.options.firmwareVersion} (${this.options.chipFamily}) booting`,
    );
    sp.log(`[I][app]: serial ${this.serialNumber}, Improv serial ready`);
    const chatter =
      this.options.logIntervalMs > 0
        ? setInterval(() => sp.log(this.chatterLine()), this.options.logIntervalMs)
        : undefined;
    let detached = false;
    const detach = async () => {
      if (detached) return;
      detached = true;
      if (chatter) clearInterval(chatter);
      clearTimeout(idleTimer);
      this.ports.delete(sp);
      this.detachers.delete(detach);
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    };
    port.on('close', () => void detach());
    this.detachers.add(detach);
    return { detach };
  }

  /** Adds the device to a simulated BLE binding as a peripheral with the Improv and config services. */
  attachBle(binding: SimulatedBleBinding, ble: { address: string; name?: string; rssi?: number }): string {
    let id = '';
    const notify = (char: string, data: Uint8Array) =>
      binding.notifyValue(id, IMPROV_BLE.service, char, data);
    const bp: Port = {
      state: (code) => notify(IMPROV_BLE.currentState, Uint8Array.of(code)),
      error: (code) => notify(IMPROV_BLE.errorState, Uint8Array.of(code)),
      result: (command, strings) =>
        notify(IMPROV_BLE.rpcResult, encodeBleRpc(command, encodeStrings(strings))),
      configLine: (line) => {
        for (const chunk of chunkLine(line, 20))
          binding.notifyValue(id, CONFIG_BLE.service, CONFIG_BLE.tx, chunk);
      },
      log: () => {},
    };
    const assembler = new LineAssembler(
      (line) => this.configRequest(line, bp),
      undefined,
      () => bp.configLine(encodeErr('0', 'too-long', 'line longer than the protocol allows')),
    );
    id = binding.addPeripheral({
      address: ble.address,
      name: ble.name ?? `Fieldline ${this.serialNumber}`,
      rssi: ble.rssi ?? -55,
      serial: this.serialNumber,
      model: this.options.model,
      firmware: this.options.firmwareVersion,
      serviceUuids: [IMPROV_BLE.service.replace(/-/g, ''), CONFIG_BLE.service.replace(/-/g, '')],
      serviceData: () => [
        {
          uuid: IMPROV_BLE.serviceDataUuid,
          data: encodeImprovServiceData(this.improvState, ImprovCapability.identify),
        },
      ],
      onLinkChange: (connected) => {
        if (!connected) assembler.reset();
      },
      extraServices: [
        {
          uuid: IMPROV_BLE.service,
          characteristics: [
            {
              uuid: IMPROV_BLE.currentState,
              properties: ['read', 'notify'],
              onRead: () => Uint8Array.of(this.improvState),
            },
            {
              uuid: IMPROV_BLE.errorState,
              properties: ['read', 'notify'],
              onRead: () => Uint8Array.of(this.improvError),
            },
            {
              uuid: IMPROV_BLE.rpcCommand,
              properties: ['write'],
              onWrite: (data) => {
                const rpc = decodeBleRpc(data, decodeRpcCommandStrict);
                if ('error' in rpc) this.setError(ImprovErrorCode.invalidRpc, bp);
                else this.improvCommand(rpc.command, rpc.data, bp, 'ble');
              },
            },
            { uuid: IMPROV_BLE.rpcResult, properties: ['read', 'notify'] },
            {
              uuid: IMPROV_BLE.capabilities,
              properties: ['read'],
              value: Uint8Array.of(ImprovCapability.identify),
            },
          ],
        },
        {
          uuid: CONFIG_BLE.service,
          characteristics: [
            { uuid: CONFIG_BLE.rx, properties: ['write'], onWrite: (data) => assembler.push(data) },
            { uuid: CONFIG_BLE.tx, properties: ['notify'] },
          ],
        },
      ],
    });
    this.ports.add(bp);
    return id;
  }

  // ---- Improv ----------------------------------------------------------------------------

  private setError(code: number, port: Port): void {
    this.improvError = code;
    port.error(code);
  }

  private setImprovState(code: number): void {
    if (this.improvState === code) return;
    this.improvState = code;
    for (const p of this.ports) p.state(code);
  }

  private improvCommand(command: number, data: Uint8Array, port: Port, transport: 'serial' | 'ble'): void {
    if (this.closed) return;
    // a new command clears the previous error, as ESPHome does
    this.setError(ImprovErrorCode.none, port);
    switch (command) {
      case ImprovCommand.wifiSettings: {
        const settings = decodeWifiSettings(data);
        if ('error' in settings) {
          this.setError(ImprovErrorCode.invalidRpc, port);
          return;
        }
        this.joinWifi(settings.ssid, settings.password, port);
        return;
      }
      case ImprovCommand.currentStateOrIdentify:
        if (transport === 'ble') {
          port.log('[I][improv]: identify: blinking the LED');
          return;
        }
        port.state(this.improvState);
        if (this.improvState === ImprovState.provisioned)
          port.result(ImprovCommand.currentStateOrIdentify, this.redirect());
        return;
      case ImprovCommand.deviceInfo:
        port.result(ImprovCommand.deviceInfo, [
          this.options.firmwareName,
          this.options.firmwareVersion,
          this.options.chipFamily,
          this.options.model,
        ]);
        return;
      case ImprovCommand.scanWifi: {
        const visible = [...this.options.networks].sort((a, b) => b.rssi - a.rssi);
        this.later(Math.min(300, this.options.wifiJoinMs), () => {
          for (const n of visible)
            port.result(ImprovCommand.scanWifi, [n.ssid, String(n.rssi), n.password ? 'YES' : 'NO']);
          port.result(ImprovCommand.scanWifi, []);
        });
        return;
      }
      default:
        this.setError(ImprovErrorCode.unknownCommand, port);
    }
  }

  /** An RPC result body as this device's firmware frames it on serial (see improvFraming). */
  private serialResult(command: number, strings: string[]): Uint8Array {
    const body = encodeRpc(command, encodeStrings(strings));
    if (this.options.improvFraming === 'spec') return body;
    const esphome = new Uint8Array(body.length + 1);
    esphome.set(body, 0);
    return esphome;
  }

  private redirect(): string[] {
    return this.options.redirectUrl ? [this.options.redirectUrl] : [];
  }

  private currentNetwork(): SimulatedNetwork | undefined {
    const ssid = this.stored.wifi?.ssid;
    return ssid === undefined ? undefined : this.options.networks.find((n) => n.ssid === ssid);
  }

  /** `port` is the transport that asked (Improv answers go there); undefined at boot. */
  private joinWifi(ssid: string, password: string, port: Port | undefined): void {
    this.stopTelemetry();
    void this.stopBroker();
    this.wifiState = 'connecting';
    if (port) this.setImprovState(ImprovState.provisioning);
    this.emitLog(`[I][wifi]: connecting to '${ssid}'`);
    this.later(this.options.wifiJoinMs, () => {
      const net = this.options.networks.find((n) => n.ssid === ssid);
      if (!net || net.password !== password) {
        this.wifiState = net ? 'wrong-password' : 'no-network';
        this.lastError = net
          ? `Wi-Fi: authentication with '${ssid}' failed`
          : `Wi-Fi: no network '${ssid}' in range`;
        this.emitLog(`[W][wifi]: ${this.lastError}`);
        if (port) {
          this.setImprovState(ImprovState.authorized);
          this.setError(ImprovErrorCode.unableToConnect, port);
        }
        return;
      }
      this.wifiState = 'connected';
      this.lastError = null;
      this.stored.wifi = { ssid, password };
      this.save();
      this.emitLog(`[I][wifi]: connected to '${ssid}' (${net.rssi} dBm)`);
      this.setImprovState(ImprovState.provisioned);
      if (port) port.result(ImprovCommand.wifiSettings, this.redirect());
      this.restartBroker();
    });
  }

  // ---- configuration protocol ----------------------------------------------------------

  private configRequest(line: string, port: Port): void {
    if (this.closed) return;
    const req = parseRequest(line);
    if (req === null) return; // an ordinary line (a terminal user typing): ignored
    if ('error' in req) {
      port.configLine(encodeErr(req.error.id, req.error.code, req.error.message));
      return;
    }
    const fail = (code: ConfigErrorCode, message: string) =>
      port.configLine(encodeErr(req.id, code, message));
    const ok = (payload: unknown = {}) => port.configLine(encodeOk(req.id, payload));
    try {
      switch (req.command) {
        case 'info': {
          const info: DeviceInfoReply = {
            serialNumber: this.serialNumber,
            model: this.options.model,
            hardwareVersion: this.options.hardwareVersion,
            firmwareVersion: this.options.firmwareVersion,
            mac: this.options.mac,
            deviceId: this.stored.config.deviceId,
          };
          ok(info);
          return;
        }
        case 'config.get':
          ok(this.stored.config);
          return;
        case 'config.set': {
          const patch = DeviceConfigPatchSchema.safeParse(req.payload);
          if (!patch.success) {
            fail('invalid-value', issueText(patch.error));
            return;
          }
          this.stored.config = { ...this.stored.config, ...patch.data };
          this.save();
          ok();
          this.restartBroker();
          return;
        }
        case 'credentials.set': {
          const c = CredentialsSchema.safeParse(req.payload);
          if (!c.success) {
            fail('invalid-value', issueText(c.error));
            return;
          }
          const fingerprint = checkCredentials(c.data);
          if (typeof fingerprint !== 'string') {
            fail('invalid-value', fingerprint.error);
            return;
          }
          this.stored.credentials = c.data;
          this.stored.fingerprint = fingerprint;
          this.save();
          ok({ fingerprint });
          this.restartBroker();
          return;
        }
        case 'status':
          ok(this.status());
          return;
        case 'reboot':
          ok();
          this.later(50, () => this.reboot());
          return;
        default:
          fail('unknown-command', `unknown command ${req.command}`);
          return;
      }
    } catch (e) {
      fail('internal', e instanceof Error ? e.message : String(e));
    }
  }

  private reboot(): void {
    this.stopTelemetry();
    void this.stopBroker();
    this.bootAt = Date.now();
    this.wifiState = 'disconnected';
    this.brokerState = 'disconnected';
    this.lastError = null;
    this.improvState = ImprovState.authorized;
    this.emitLog(`[I][app]: rebooting`);
    if (this.stored.wifi) this.joinWifi(this.stored.wifi.ssid, this.stored.wifi.password, undefined);
  }

  // ---- broker ------------------------------------------------------------------------------

  private restartBroker(): void {
    if (this.closed) return;
    this.stopTelemetry();
    void this.stopBroker();
    const { brokerUrl, deviceId } = this.stored.config;
    if (this.wifiState !== 'connected' || !brokerUrl || !deviceId) {
      this.brokerState = 'disconnected';
      return;
    }
    if (!this.options.uplink) {
      this.brokerState = 'unreachable';
      this.lastError = 'broker unreachable: no route from the Wi-Fi network (uplink down)';
      this.later(this.options.brokerRetryMs, () => this.restartBroker());
      return;
    }
    const generation = ++this.brokerGeneration;
    this.brokerState = 'connecting';
    const creds = this.stored.credentials;
    const options: IClientOptions = {
      clientId: deviceId,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: this.options.brokerConnectTimeoutMs,
      keepalive: 30,
    };
    if (creds?.kind === 'x509') {
      Object.assign(options, {
        cert: creds.certificatePem,
        key: creds.privateKeyPem,
        ca: creds.caPem,
        rejectUnauthorized: true,
      });
    } else if (creds?.kind === 'psk') {
      if (/^wss:/.test(brokerUrl)) {
        this.brokerFailed(
          generation,
          'unreachable',
          'a pre-shared key needs an mqtts:// broker URL (TLS-PSK); wss:// is not supported with one',
        );
        return;
      }
      // mqtts://: TLS-PSK. mqtt:// (a bench broker): the identity alone; the key never goes out in clear
      Object.assign(options, /^mqtts:/.test(brokerUrl) ? pskTlsOptions(creds) : { username: creds.identity });
    }
    const tls = /^(mqtts|wss):/.test(brokerUrl);
    const psk = creds?.kind === 'psk' && tls;
    let client: MqttClient;
    try {
      client = mqtt.connect(brokerUrl, options);
    } catch (e) {
      this.brokerFailed(
        generation,
        'unreachable',
        `broker URL refused: ${e instanceof Error ? e.message : String(e)}`,
      );
      return;
    }
    this.client = client;
    let failure: { state: BrokerState; message: string } | undefined;
    client.on('connect', () => {
      if (generation !== this.brokerGeneration) return;
      this.brokerState = 'connected';
      this.lastError = null;
      this.emitLog(`[I][mqtt]: connected to ${brokerUrl} as ${deviceId}`);
      this.startTelemetry(client, generation);
    });
    client.on('error', (e: Error & { code?: unknown }) => {
      if (generation !== this.brokerGeneration) return;
      if (failure) return;
      const classified = classifyBrokerError(e);
      failure = psk && classified.state === 'tls-refused' ? pskRefused(e.message) : classified;
    });
    client.on('close', () => {
      if (generation !== this.brokerGeneration) return;
      this.stopTelemetry();
      const wasConnected = this.brokerState === 'connected';
      const f =
        failure ??
        (wasConnected
          ? { state: 'disconnected' as const, message: 'connection to the broker lost' }
          : psk
            ? pskRefused('the broker closed the connection during the TLS handshake')
            : tls
              ? {
                  state: 'tls-refused' as const,
                  message: 'the broker closed the connection during the TLS handshake (certificate refused?)',
                }
              : { state: 'unreachable' as const, message: 'the broker closed the connection' });
      failure = undefined;
      this.brokerFailed(generation, f.state, f.message);
    });
  }

  private brokerFailed(generation: number, state: BrokerState, message: string): void {
    if (generation !== this.brokerGeneration) return;
    this.brokerState = state;
    this.lastError = message;
    this.emitLog(`[W][mqtt]: ${message}`);
    const c = this.client;
    this.client = undefined;
    c?.end(true);
    this.later(this.options.brokerRetryMs, () => {
      if (generation === this.brokerGeneration) this.restartBroker();
    });
  }

  private async stopBroker(): Promise<void> {
    this.brokerGeneration++;
    const c = this.client;
    this.client = undefined;
    if (this.brokerState === 'connected' || this.brokerState === 'connecting')
      this.brokerState = 'disconnected';
    if (c) await new Promise<void>((resolve) => c.end(true, {}, () => resolve()));
  }

  private startTelemetry(client: MqttClient, generation: number): void {
    this.stopTelemetry();
    const tick = () => {
      if (generation !== this.brokerGeneration || !client.connected) return;
      const { deviceId, topicPrefix } = this.stored.config;
      const ts = Date.now();
      this.values.temperature = round(this.values.temperature + (Math.random() - 0.5) * 0.2, 2);
      this.values.humidity = round(
        Math.min(100, Math.max(0, this.values.humidity + (Math.random() - 0.5) * 0.5)),
        2,
      );
      const net = this.currentNetwork();
      const metrics: [string, number][] = [
        ['temperature', this.values.temperature],
        ['humidity', this.values.humidity],
        ['uptime', Math.round((ts - this.bootAt) / 1000)],
        ['rssi', Math.round((net?.rssi ?? -60) + (Math.random() - 0.5) * 4)],
      ];
      for (const [metric, value] of metrics) {
        const message: TelemetryMessage = {
          topic: `${topicPrefix}/${deviceId}/${metric}`,
          payload: { ts, value },
        };
        client.publish(message.topic, JSON.stringify(message.payload), { qos: 0 });
        this.published.push(message);
        if (this.published.length > 1000) this.published.splice(0, this.published.length - 1000);
      }
    };
    tick();
    this.telemetryTimer = setInterval(tick, this.stored.config.reportingIntervalS * 1000);
  }

  private stopTelemetry(): void {
    if (this.telemetryTimer) clearInterval(this.telemetryTimer);
    this.telemetryTimer = undefined;
  }

  // ---- small things ------------------------------------------------------------------------

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private emitLog(line: string): void {
    this.log?.debug('simulated device', { serial: this.serialNumber, line });
    for (const p of this.ports) p.log(line);
  }

  private chatterLine(): string {
    const s = this.status();
    return `[D][sensor]: temperature=${this.values.temperature.toFixed(2)} humidity=${this.values.humidity.toFixed(2)} wifi=${s.wifi} mqtt=${s.broker}`;
  }

  private load(): Stored {
    const fresh: Stored = { wifi: null, config: { ...DEFAULT_CONFIG }, credentials: null, fingerprint: null };
    if (!this.stateFile || !existsSync(this.stateFile)) return fresh;
    try {
      return StoredSchema.parse(JSON.parse(readFileSync(this.stateFile, 'utf8')));
    } catch (e) {
      this.log?.warn('simulated device state file unreadable; starting factory-fresh', { error: String(e) });
      return fresh;
    }
  }

  private save(): void {
    if (!this.stateFile) return;
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.stored), { mode: 0o600 });
    renameSync(tmp, this.stateFile);
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function macFrom(serial: string): string {
  let h = 0x811c9dc5;
  for (const ch of serial) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  const bytes = [0x02, 0x46, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'invalid payload';
}

/** What a device checks before it accepts credentials; returns the fingerprint or why not. */
function checkCredentials(c: Credentials): string | { error: string } {
  if (c.kind === 'psk') return pskFingerprint(c.identity, c.keyHex);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(c.certificatePem);
  } catch {
    return { error: 'certificatePem is not a PEM X.509 certificate' };
  }
  try {
    new X509Certificate(c.caPem);
  } catch {
    return { error: 'caPem is not a PEM X.509 certificate' };
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(c.privateKeyPem)))
      return { error: 'the private key does not belong to the certificate' };
  } catch {
    return { error: 'privateKeyPem is not a PEM private key' };
  }
  return cert.fingerprint256;
}

function pskRefused(detail: string): { state: BrokerState; message: string } {
  return {
    state: 'tls-refused',
    message: `TLS-PSK refused: the broker does not know this PSK identity or holds another key for it (${detail})`,
  };
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
]);

/** Turns what mqtt.js / Node reported into the device's broker state. */
export function classifyBrokerError(e: Error & { code?: unknown }): { state: BrokerState; message: string } {
  const code = e.code;
  if (typeof code === 'number') {
    // CONNACK: 4/5 (MQTT 3.1.1) and 0x86/0x87/0x8c (MQTT 5) are bad credentials / not authorized
    if ([4, 5, 0x86, 0x87, 0x8c].includes(code))
      return {
        state: 'auth-refused',
        message: `the broker refused the credentials (CONNACK ${code}): ${e.message}`,
      };
    return {
      state: 'unreachable',
      message: `the broker refused the connection (CONNACK ${code}): ${e.message}`,
    };
  }
  const c = typeof code === 'string' ? code : '';
  if (c.startsWith('ERR_SSL') || TLS_CODES.has(c) || /alert|certificate|handshake|SSL/i.test(e.message))
    return { state: 'tls-refused', message: `TLS refused: ${e.message}` };
  if (NET_CODES.has(c) || /connack timeout/i.test(e.message))
    return { state: 'unreachable', message: `broker unreachable: ${e.message}` };
  return { state: 'unreachable', message: `broker connection failed: ${e.message}` };
}
