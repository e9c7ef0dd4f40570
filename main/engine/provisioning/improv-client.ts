/**
 * The Improv client the commissioning engine uses, one interface for both transports, the
 * RPC core both transports share, and the serial implementation. Improv has no request
 * ids, so commands run one at a time and each waits for the packets that answer it
 * (current state, error state, RPC result with its command byte).
 */
import {
  type DecodedRpc,
  decodeRpc,
  decodeStrings,
  deviceInfoFromStrings,
  encodeRpc,
  encodeWifiSettings,
  ImprovCommand,
  type ImprovDeviceInfo,
  ImprovError,
  type ImprovStateName,
  networksFromStrings,
  stateName,
  timeoutError,
  type WifiNetwork,
} from './improv-protocol';
import { encodeImprovFrame, type ImprovFrame, ImprovPacketType } from './improv-serial-codec';

export interface ImprovClient {
  currentState(timeoutMs?: number): Promise<ImprovStateName>;
  deviceInfo(timeoutMs?: number): Promise<ImprovDeviceInfo>;
  scanWifi(timeoutMs?: number): Promise<WifiNetwork[]>;
  /**
   * Resolves when the device reports provisioned (with the redirect URL if any); rejects
   * with ImprovError (kind 'unable-to-connect' for a wrong password or unreachable AP,
   * 'timeout', 'link', ...).
   */
  sendWifi(ssid: string, password: string, timeoutMs?: number): Promise<{ redirectUrl: string | null }>;
}

export const IMPROV_TIMEOUTS = {
  currentState: 3_000,
  deviceInfo: 3_000,
  scanWifi: 20_000,
  /** ESPHome gives a network about 10-30 s before it reports unable-to-connect */
  sendWifi: 45_000,
  /** after "provisioned", how long the RPC result with the redirect URL may lag */
  redirectGrace: 1_000,
} as const;

/** What the serial client needs from a link: bytes out, frames in, and the link's end. */
export interface ImprovFrameLink {
  write(bytes: Uint8Array): Promise<void>;
  onFrame(listener: (frame: ImprovFrame) => void): () => void;
  /** complete frames whose checksum was wrong (their packet type): garbled answers, not silence */
  onBadFrame?(listener: (type: number) => void): () => void;
  /** the reason the link closed, or null while it is open */
  closedReason(): string | null;
  onClose(listener: (reason: string) => void): () => void;
}

type Step<T> = { resolve: T } | { reject: ImprovError } | undefined;

/** What a transport hears from the device, already told apart by packet type or characteristic. */
export type ImprovEvent =
  | { kind: 'state'; code: number | undefined }
  | { kind: 'error'; code: number }
  | { kind: 'result'; rpc: DecodedRpc }
  /** the device sent something that was meant as an Improv packet but could not be read */
  | { kind: 'garbled'; reason: string };

/**
 * What the transport-neutral RPC core needs from a transport: the serial frame link and
 * the BLE characteristics both reduce to this.
 */
export interface ImprovRpcPort {
  /** Sends one RPC command; rejects with an ImprovError that says what failed. */
  sendRpc(command: number, data: Uint8Array, what: string, timeoutMs: number): Promise<void>;
  onEvent(listener: (event: ImprovEvent) => void): () => void;
  /** the reason the link closed, or null while it is open */
  closedReason(): string | null;
  onClose(listener: (reason: string) => void): () => void;
}

export type ImprovStep<T> = (
  event: ImprovEvent,
  settleLater: (fn: () => Step<T>, ms: number) => void,
) => Step<T>;

/** The RPC exchanges both transports share; each transport adds its own way to read the current state. */
export interface ImprovRpcCore extends Omit<ImprovClient, 'currentState'> {
  /** Sends one command and feeds every event to `step` until it settles, times out or the link ends. */
  exchange<T>(
    what: string,
    timeoutMs: number,
    command: number,
    data: Uint8Array,
    context: { ssid?: string },
    step: ImprovStep<T>,
  ): Promise<T>;
}

/** A serial queue: Improv answers carry no request id, so only one command is in flight. */
export class CommandQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** The exchange timed out, but the device did send something: an answer that could not be read. */
export function garbledError(what: string, reason: string): ImprovError {
  return new ImprovError(
    'bad-response',
    `the device answered ${what}, but the answer could not be read (${reason})`,
  );
}

export function linkError(reason: string): ImprovError {
  return new ImprovError(
    'link',
    `the link to the device closed (${reason}): check the cable or radio and retry`,
  );
}

export function createImprovRpcCore(port: ImprovRpcPort): ImprovRpcCore {
  const queue = new CommandQueue();

  function exchange<T>(
    what: string,
    timeoutMs: number,
    command: number,
    data: Uint8Array,
    context: { ssid?: string },
    step: ImprovStep<T>,
  ): Promise<T> {
    return queue.run(
      () =>
        new Promise<T>((resolve, reject) => {
          const closed = port.closedReason();
          if (closed !== null) return reject(linkError(closed));
          let done = false;
          /** the last unreadable answer, so a timeout can say the device did answer, badly */
          let garbled: string | null = null;
          const timers: NodeJS.Timeout[] = [];
          const finish = (s: Step<T>) => {
            if (!s || done) return;
            done = true;
            for (const t of timers) clearTimeout(t);
            offEvent();
            offClose();
            if ('reject' in s) reject(s.reject);
            else resolve(s.resolve);
          };
          const settleLater = (fn: () => Step<T>, ms: number) => {
            timers.push(setTimeout(() => finish(fn()), ms));
          };
          const offEvent = port.onEvent((event) => {
            if (done) return;
            if (event.kind === 'garbled') {
              garbled = event.reason;
              return;
            }
            if (event.kind === 'result' && 'error' in event.rpc) garbled = event.rpc.error;
            // the device clears its error state (0x00) when a command arrives; only real errors count
            if (event.kind === 'error') {
              if (event.code !== 0x00) finish({ reject: ImprovError.fromDevice(event.code, context) });
              return;
            }
            finish(step(event, settleLater));
          });
          const offClose = port.onClose((reason) => finish({ reject: linkError(reason) }));
          timers.push(
            setTimeout(
              () =>
                finish({
                  reject: garbled === null ? timeoutError(what, timeoutMs) : garbledError(what, garbled),
                }),
              timeoutMs,
            ),
          );
          port.sendRpc(command, data, what, timeoutMs).catch((e: unknown) =>
            finish({
              reject: e instanceof ImprovError ? e : linkError(e instanceof Error ? e.message : String(e)),
            }),
          );
        }),
    );
  }

  /**
   * This command's RPC result strings go to `handle`; a malformed result for this command
   * rejects. Results for other commands pass, malformed or not: the reference client
   * (sdk-serial-js serial.ts) logs a result for another command and keeps waiting.
   */
  function onResult<T>(event: ImprovEvent, command: number, handle: (strings: string[]) => Step<T>): Step<T> {
    if (event.kind !== 'result') return undefined;
    const { rpc } = event;
    if (rpc.command !== command) return undefined;
    if ('error' in rpc)
      return { reject: new ImprovError('bad-response', `malformed Improv RPC result: ${rpc.error}`) };
    const strings = decodeStrings(rpc.data);
    if (!Array.isArray(strings))
      return { reject: new ImprovError('bad-response', `malformed Improv RPC result: ${strings.error}`) };
    return handle(strings);
  }

  return {
    exchange,

    deviceInfo(timeoutMs = IMPROV_TIMEOUTS.deviceInfo) {
      return exchange<ImprovDeviceInfo>(
        'the Improv device info request',
        timeoutMs,
        ImprovCommand.deviceInfo,
        new Uint8Array(0),
        {},
        (event) =>
          onResult<ImprovDeviceInfo>(event, ImprovCommand.deviceInfo, (r) => {
            const info = deviceInfoFromStrings(r);
            return info
              ? { resolve: info }
              : {
                  reject: new ImprovError(
                    'bad-response',
                    `device info has ${r.length} fields, expected at least 4`,
                  ),
                };
          }),
      );
    },

    scanWifi(timeoutMs = IMPROV_TIMEOUTS.scanWifi) {
      const found: WifiNetwork[] = [];
      return exchange<WifiNetwork[]>(
        'the Wi-Fi scan',
        timeoutMs,
        ImprovCommand.scanWifi,
        new Uint8Array(0),
        {},
        (event) =>
          onResult<WifiNetwork[]>(event, ImprovCommand.scanWifi, (r) => {
            // one result per network, then an empty result ends the list
            if (r.length === 0) return { resolve: dedupeNetworks(found) };
            if (found.length < 500) found.push(...networksFromStrings(r));
            return undefined;
          }),
      );
    },

    sendWifi(ssid, password, timeoutMs = IMPROV_TIMEOUTS.sendWifi) {
      return exchange<{ redirectUrl: string | null }>(
        `the Wi-Fi settings for ${ssid}`,
        timeoutMs,
        ImprovCommand.wifiSettings,
        encodeWifiSettings(ssid, password),
        { ssid: `"${ssid}"` },
        (event, settleLater) => {
          if (event.kind === 'state' && event.code === 0x04) {
            // ESPHome sends "provisioned" then the RPC result with the URL; wait briefly for it
            settleLater(() => ({ resolve: { redirectUrl: null } }), IMPROV_TIMEOUTS.redirectGrace);
            return undefined;
          }
          return onResult(event, ImprovCommand.wifiSettings, (r) => ({
            resolve: { redirectUrl: r.find((x) => x.length > 0) ?? null },
          }));
        },
      );
    },
  };
}

/** Improv Serial: frames in and out over the link; the current state is a command like any other. */
export function createSerialImprovClient(link: ImprovFrameLink): ImprovClient {
  const core = createImprovRpcCore({
    sendRpc: (command, data) =>
      link
        .write(encodeImprovFrame(ImprovPacketType.rpcCommand, encodeRpc(command, data)))
        .catch((e: unknown) => {
          throw linkError(e instanceof Error ? e.message : String(e));
        }),
    onEvent: (listener) => {
      const offFrame = link.onFrame((frame) => {
        if (frame.type === ImprovPacketType.currentState) listener({ kind: 'state', code: frame.data[0] });
        else if (frame.type === ImprovPacketType.errorState)
          listener({ kind: 'error', code: frame.data[0] ?? 0xff });
        else if (frame.type === ImprovPacketType.rpcResult)
          listener({ kind: 'result', rpc: decodeRpc(frame.data) });
      });
      const offBad = link.onBadFrame?.((type) =>
        listener({
          kind: 'garbled',
          reason: `an answer with a wrong checksum (Improv packet type 0x${type.toString(16).padStart(2, '0')})`,
        }),
      );
      return () => {
        offFrame();
        offBad?.();
      };
    },
    closedReason: () => link.closedReason(),
    onClose: (listener) => link.onClose(listener),
  });

  return {
    deviceInfo: core.deviceInfo,
    scanWifi: core.scanWifi,
    sendWifi: core.sendWifi,
    currentState(timeoutMs = IMPROV_TIMEOUTS.currentState) {
      return core.exchange<ImprovStateName>(
        'the Improv state request',
        timeoutMs,
        ImprovCommand.currentStateOrIdentify,
        new Uint8Array(0),
        {},
        (event) => {
          if (event.kind !== 'state') return undefined;
          const name = stateName(event.code ?? -1);
          return name
            ? { resolve: name }
            : {
                reject: new ImprovError(
                  'bad-response',
                  `the device reported an unknown Improv state 0x${(event.code ?? 0).toString(16)}`,
                ),
              };
        },
      );
    },
  };
}

/** Strongest first, one entry per SSID (several access points of one network). */
export function dedupeNetworks(list: WifiNetwork[]): WifiNetwork[] {
  const best = new Map<string, WifiNetwork>();
  for (const n of list) {
    const had = best.get(n.ssid);
    if (!had || n.rssi > had.rssi) best.set(n.ssid, n);
  }
  return [...best.values()].sort((a, b) => b.rssi - a.rssi);
}
