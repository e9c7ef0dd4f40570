/**
 * The flash job, kept in one JSON file in the data folder so an engine killed mid-upload
 * knows on restart which device and image it was flashing. Written to a temporary file,
 * flushed and renamed: a crash leaves the old job or the new one, never half of either.
 * A file that cannot be read back is treated as no job (the device holds the truth).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { type FlashJob, FlashJobSchema } from '../../../common/flash-contract';

export class FlashJobFile {
  constructor(private readonly file: string) {}

  read(): FlashJob | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = FlashJobSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  write(job: FlashJob): void {
    const temp = `${this.file}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(job));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
