/**
 * A simulated fleet wired straight to the campaign engine, no broker: for the engine's
 * tests and the orchestration bench (10,000 devices), where MQTT would measure the broker.
 * Jobs are queued when published and worked through by pump(), so the engine is never
 * re-entered from inside its own publish.
 */
import type { FleetBehaviour } from './fleet-behaviour';
import type { JobChannel, JobExecution, RolloutEngine } from './rollout-engine';

export class InProcessFleet implements JobChannel {
  engine: RolloutEngine | undefined;
  private readonly queue = new Map<string, JobExecution>();
  /** jobs each device carried out: a repeat notification must not install twice */
  readonly done = new Map<string, string[]>();
  readonly versions = new Map<string, string>();
  /** the device's readings once it runs the new image (insane for 'insane-readings'), as ingest would pass them on */
  telemetry: ((deviceId: string, insane: boolean) => void) | undefined;

  constructor(private readonly behaviourOf: (deviceId: string) => FleetBehaviour) {}

  publish(deviceId: string, job: JobExecution | null): void {
    if (job) this.queue.set(deviceId, job);
    else this.queue.delete(deviceId);
  }

  pending(): number {
    return this.queue.size;
  }

  /** Works every queued job of the devices `accept` lets through to its end (as far as each device's behaviour goes). */
  pump(accept: (deviceId: string) => boolean = () => true): void {
    const engine = this.engine;
    if (!engine) throw new Error('no engine attached');
    for (;;) {
      const jobs = [...this.queue].filter(([deviceId]) => accept(deviceId));
      if (jobs.length === 0) return;
      for (const [deviceId, job] of jobs) {
        this.queue.delete(deviceId);
        this.work(engine, deviceId, job);
      }
    }
  }

  private work(engine: RolloutEngine, deviceId: string, job: JobExecution): void {
    const done = this.done.get(deviceId) ?? [];
    if (done.includes(job.jobId)) return;
    done.push(job.jobId);
    this.done.set(deviceId, done);
    const report = (u: Parameters<RolloutEngine['report']>[2]) => engine.report(deviceId, job.jobId, u);
    const behaviour = this.behaviourOf(deviceId);
    if (job.operation === 'rollback') {
      if (behaviour === 'never-back') return;
      report({ status: 'IN_PROGRESS' });
      const back = job.rollbackTo ?? 'unknown';
      this.versions.set(deviceId, back);
      report({ status: 'SUCCEEDED', version: back });
      return;
    }
    if (behaviour === 'reject')
      return void report({ status: 'REJECTED', reason: 'operator lock on the device' });
    if (behaviour === 'incompatible') return void report({ status: 'REJECTED', reason: 'incompatible' });
    engine.startNext(deviceId);
    if (behaviour === 'fail-install')
      return void report({ status: 'FAILED', reason: 'flash write failed at offset 0x2000' });
    report({ status: 'IN_PROGRESS', step: 'installing' });
    report({ status: 'IN_PROGRESS', step: 'rebooting' });
    if (behaviour === 'never-back') return;
    if (behaviour === 'fail-health')
      return void report({ status: 'FAILED', reason: 'self-test failed; MCUboot reverted' });
    this.versions.set(deviceId, job.firmware.version);
    report({ status: 'SUCCEEDED', version: job.firmware.version });
    engine.heartbeat(deviceId, job.firmware.version);
    this.telemetry?.(deviceId, behaviour === 'insane-readings');
  }
}
