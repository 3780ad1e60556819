import type * as tf from '@tensorflow/tfjs-core';
export type Schedule = 'cosine' | 'constant';

/**
 * Learning rate of epoch `epoch` (1-based) of `epochs`: cosine decay from `base` towards 0 (SimCLR's
 * schedule, per epoch and without warm-up), or `base` throughout. A function of the epoch alone,
 * so a resumed run trains at the rates an uninterrupted one would.
 */
export function learningRateAt(schedule: Schedule, base: number, epoch: number, epochs: number): number {
  return schedule === 'constant'
    ? base
    : (base * (1 + Math.cos((Math.PI * (epoch - 1)) / Math.max(epochs, 1)))) / 2;
}

/** tfjs's Adam reads its rate at every step but has no setter; SGD and momentum have one. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?(lr: number): void };
  if (o.setLearningRate) o.setLearningRate(lr);
  else o.learningRate = lr;
}
