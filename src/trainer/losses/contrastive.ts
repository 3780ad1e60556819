import * as tf from '@tensorflow/tfjs-core';

/** Rows scaled to unit length; the epsilon keeps the gradient finite at zero rows. */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12)));
}

/**
 * NT-Xent (SimCLR's normalized temperature-scaled cross entropy) over the 2N rows of [a; b]:
 * row i's positive is its counterpart in the other view, the other 2N - 2 rows are negatives.
 * With anchors 'both', the mean over the 2N rows, as the official CC code's sum / 2N; with
 * 'first', over the N rows of a (still against all 2N), as the SCAN repo's SimCLRLoss.
 * CC uses it twice: on instance projections (rows = images, tau 0.5) and on the transposed
 * cluster-probability matrices (rows = clusters, tau 1.0).
 */
export function ntXent(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  temperature: number,
  anchors: 'both' | 'first' = 'both',
): tf.Scalar {
  return tf.tidy(() => {
    const n = a.shape[0];
    const za = l2Normalize(a);
    const zb = l2Normalize(b);
    const z = tf.concat([za, zb], 0);
    const rows = anchors === 'both' ? z : za;
    const sim = tf.div(tf.matMul(rows, z, false, true), temperature);
    // A row is never its own negative: push the diagonal to -inf before the softmax.
    const logits = tf.sub(sim, tf.mul(tf.eye(rows.shape[0], 2 * n), 1e9));
    const pos = tf.div(tf.sum(tf.mul(za, zb), 1), temperature);
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), anchors === 'both' ? tf.concat([pos, pos], 0) : pos));
  });
}
