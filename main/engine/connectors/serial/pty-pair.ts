/**
 * Test helper: a pseudo-terminal pair made by socat, standing in for a USB serial
 * adapter with a device on its far end. `a` is the port the connector opens, `b` is the
 * simulated device's side. Killing and restarting the pair on the same link paths is an
 * unplug/replug.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';

export function requireSocat(): void {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('socat is required for the serial tests: install it with `apt-get install socat`');
  }
}

export class PtyPair {
  private child: ChildProcess | null = null;
  private deviceFd: number | null = null;

  constructor(
    readonly a: string,
    readonly b: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 5000): Promise<void> {
    requireSocat();
    const child = spawn('socat', [`pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], {
      stdio: 'ignore',
    });
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    while (!(existsSync(this.a) && existsSync(this.b))) {
      if (child.exitCode !== null) throw new Error(`socat exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`socat did not create ${this.a} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** writes on the device side (opens it on first use) */
  write(data: Uint8Array | string): void {
    if (this.deviceFd === null) this.deviceFd = openSync(this.b, 'r+');
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.deviceFd, bytes, offset);
  }

  /** the unplug: socat dies, both ptys vanish */
  async stop(): Promise<void> {
    if (this.deviceFd !== null) {
      try {
        closeSync(this.deviceFd);
      } catch {
        // already gone
      }
      this.deviceFd = null;
    }
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
