import * as tf from '@tensorflow/tfjs-core';

/** Whether our gradients replace tfjs's: by default only on the wasm backend. */
export type FastMode = 'auto' | 'always' | 'never';
let mode: FastMode = 'auto';

/** 'always' runs our gradients on every backend (tests compare them with the stock ones on cpu). */
export function setFastGradients(m: FastMode): void {
  mode = m;
}

export function fastGradientsActive(): boolean {
  return mode === 'always' || (mode === 'auto' && tf.getBackend() === 'wasm');
}
