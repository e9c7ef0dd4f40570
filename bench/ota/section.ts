/** One part of bench:ota: a title and a run that prints its figures. New sections go in run.ts's list. */
export interface OtaBenchSection {
  title: string;
  run(print: (line: string) => void): Promise<void>;
}

export const kib = (bytesPerSecond: number) => `${(bytesPerSecond / 1024).toFixed(0)} KiB/s`;
export const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;
