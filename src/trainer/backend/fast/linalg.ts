import * as tf from '@tensorflow/tfjs-core';

/**
 * Matrix products and reductions in the one form the wasm backend runs through XNNPACK: a plain
 * matMul without transposed operands. Any transposeA/transposeB, and tf.sum over a leading axis
 * (which transposes internally), takes a naive loop or a slow generic transpose there.
 */

/** a^T b, for a [k, m] and b [k, n]: transposes whichever side is cheaper to move. */
export function matMulAT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [k, m] = a.shape;
  const n = b.shape[1];
  // (b^T a)^T moves b and the [n, m] result instead of a.
  if (k * m <= k * n + m * n) return tf.matMul(tf.transpose(a), b);
  return tf.transpose(tf.matMul(tf.transpose(b), a)) as tf.Tensor2D;
}

/** a b^T, for a [m, k] and b [n, k]. */
export function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [m, k] = a.shape;
  const n = b.shape[0];
  if (n * k <= m * k + m * n) return tf.matMul(a, tf.transpose(b));
  return tf.transpose(tf.matMul(b, tf.transpose(a))) as tf.Tensor2D;
}

/** Column sums of a [m, n] matrix as [n]: a ones-row matMul instead of a transposing reduction. */
export function sumRows(a: tf.Tensor2D): tf.Tensor1D {
  const [m, n] = a.shape;
  return tf.reshape(tf.matMul(tf.ones([1, m]), a), [n]);
}
