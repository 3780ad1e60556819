import * as tf from '@tensorflow/tfjs-core';

/**
 * The user's corrections as loss terms on a cluster head's logits [a, k] for a anchored images:
 *   mustLink   = -mean log p(to)          (cross-entropy toward the cluster the image was moved to)
 *   cannotLink = -mean log (1 - p(from))  (away from the cluster it was moved out of)
 * p(from) is clamped below 1 so an anchor still sitting in its old cluster keeps a finite gradient.
 */
export function anchorLoss(
  logits: tf.Tensor2D,
  to: Int32Array,
  from: Int32Array,
): { mustLink: tf.Scalar; cannotLink: tf.Scalar } {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logp = tf.logSoftmax(logits);
    const mustLink = tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(to, 'int32'), k)), 1)));
    const pFrom = tf.sum(tf.mul(tf.exp(logp), tf.oneHot(tf.tensor1d(from, 'int32'), k)), 1);
    const cannotLink = tf.neg(tf.mean(tf.log(tf.sub(1 + 1e-6, tf.minimum(pFrom, 1)))));
    return { mustLink: mustLink as tf.Scalar, cannotLink: cannotLink as tf.Scalar };
  });
}
