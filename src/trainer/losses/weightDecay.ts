import * as tf from '@tensorflow/tfjs-core';

/**
 * (wd / 2) * sum of squared weights: its gradient is wd * w, which is what torch's `weight_decay`
 * adds to every parameter's gradient for Adam and SGD alike (the official SCAN and DeepCluster
 * settings). tfjs's optimizers have no such option, so it is a loss term.
 */
export function weightDecay(vars: Iterable<tf.Tensor>, wd: number): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.addN([...vars].map((v) => tf.sum(tf.square(v)))), wd / 2) as tf.Scalar);
}
