/**
 * The demo's USB serial link as the serial Monitor sees it: the same raw-bytes tap and
 * `send` a real SerialConnector offers. Received bytes are the JSON lines the simulated
 * devices put on the wire, cut into UART-sized chunks; a line sent to the bus is answered
 * the way ESP-IDF console firmware answers, with log lines ("I (uptime) tag: text").
 */
import type { RawSerialEvent, SerialConnector } from '../connectors/serial/serial-connector';
import { SimulatedConnector, type SimulatedConnectorOptions } from './simulated-connector';
import { hashSeed, seededRandom } from './simulated-device';

/** a UART FIFO hands over at most this much at once */
const MAX_CHUNK = 96;
/** firmware takes a moment to parse a command and print its answer */
const ANSWER_DELAY_MS = 30;
/** a monitor typing garbage must not make the simulated firmware buffer without bound */
const MAX_COMMAND = 256;

export class DemoSerialConnector extends SimulatedConnector<Uint8Array> implements SerialConnector {
  private readonly rawListeners = new Set<(event: RawSerialEvent) => void>();
  private readonly chunkRandom: () => number;
  private readonly bootedAt: number;
  private readonly clock: () => number;
  private typed = '';
  /** the simulated devices print JSON lines */
  readonly format = 'json-lines' as const;

  constructor(options: SimulatedConnectorOptions<Uint8Array>) {
    super(options);
    this.clock = options.now ?? Date.now;
    this.bootedAt = this.clock();
    this.chunkRandom = seededRandom(hashSeed(`${options.id}:monitor`));
    this.onWire((messages, now) => {
      if (this.rawListeners.size === 0) return;
      const stream = Buffer.concat(messages);
      for (let at = 0; at < stream.length; ) {
        const size = 1 + Math.floor(this.chunkRandom() * MAX_CHUNK);
        this.emitRaw('rx', stream.subarray(at, at + size), now);
        at += size;
      }
    });
  }

  onRaw(listener: (event: RawSerialEvent) => void): () => void {
    this.rawListeners.add(listener);
    return () => {
      this.rawListeners.delete(listener);
    };
  }

  async send(data: Uint8Array): Promise<void> {
    if (this.status().state !== 'connected') throw new Error(`${this.id} is not open`);
    this.emitRaw('tx', data, this.clock());
    this.typed += Buffer.from(data).toString('latin1');
    const lines = this.typed.split(/\r\n|\r|\n/);
    this.typed = (lines.pop() ?? '').slice(-MAX_COMMAND);
    for (const line of lines) {
      const answer = this.answer(line.trim());
      if (answer) setTimeout(() => this.emitRaw('rx', Buffer.from(answer), this.clock()), ANSWER_DELAY_MS);
    }
  }

  /** what the simulated console firmware prints for a command line */
  answer(command: string): string {
    if (command === '') return '';
    const uptime = Math.max(0, Math.round(this.clock() - this.bootedAt));
    const log = (level: 'I' | 'W', text: string) => `${level} (${uptime}) console: ${text}\r\n`;
    const word = command.split(/\s+/)[0]!.toLowerCase();
    if (word === 'help') {
      return log('I', 'commands: help, status, version');
    }
    if (word === 'status') {
      const s = this.status();
      return log('I', `${s.devices} sensors on the bus, ${s.messagesIn} lines sent since boot`);
    }
    if (word === 'version') return log('I', 'fieldline-demo-bus 1.4.2 (simulated)');
    return log('W', `unknown command "${command.slice(0, 40)}"; type help`);
  }

  private emitRaw(direction: RawSerialEvent['direction'], bytes: Uint8Array, ts: number): void {
    const event: RawSerialEvent = { direction, ts, bytes: Uint8Array.from(bytes) };
    for (const listener of this.rawListeners) listener(event);
  }
}
