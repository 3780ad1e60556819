import * as tf from '@tensorflow/tfjs-core';

/** A run stopped for holding more tensor memory than the user allowed. */
export class MemoryCapError extends Error {
  constructor(usedMB: number, capMB: number) {
    super(
      `tensors use ${Math.round(usedMB)} MB, above the memory cap of ${capMB} MB: lower the batch size or image size, or raise the cap`,
    );
    this.name = 'MemoryCapError';
  }
}

/**
 * Throws once tfjs holds more than capMB of tensor memory (0: no cap). Checked between steps, so
 * a run that would exhaust a shared GPU or the machine stops with a reason instead of a crash.
 */
export function checkMemoryCap(capMB: number): void {
  if (!(capMB > 0)) return;
  const usedMB = tf.memory().numBytes / 2 ** 20;
  if (usedMB > capMB) throw new MemoryCapError(usedMB, capMB);
}
