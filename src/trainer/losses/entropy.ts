import * as tf from '@tensorflow/tfjs-core';

/**
 * log K - H(P) for the cluster marginal P (column sums of the soft assignments, normalised).
 * Zero when clusters are used uniformly, log K when everything falls into one cluster, so adding
 * it to a loss penalises the trivial solution. CC adds it per view; SCAN weights it by lambda.
 */
export function marginalNegEntropy(probs: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const k = probs.shape[1];
    const colSums = tf.sum(probs, 0);
    const p = tf.div(colSums, tf.sum(colSums));
    return tf.add(tf.sum(tf.mul(p, tf.log(tf.add(p, 1e-12)))), Math.log(k));
  });
}
