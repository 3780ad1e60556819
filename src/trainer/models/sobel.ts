import * as tf from '@tensorflow/tfjs-core';

/**
 * DeepCluster's fixed input layer: grey level, then horizontal and vertical Sobel responses
 * (2 channels). Removing colour keeps k-means from clustering on it, the paper's trivial cue.
 * No parameters; it only ever sees inputs, so it needs no gradient.
 */
export function sobel(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const c = x.shape[3];
    const grey = c === 3 ? tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), 3, true) : x;
    // Filters [kh, kw, in 1, out 2]: d/dx in channel 0, d/dy in channel 1.
    const gx = [1, 0, -1, 2, 0, -2, 1, 0, -1];
    const gy = [1, 2, 1, 0, 0, 0, -1, -2, -1];
    const filter = tf.tensor4d(
      gx.flatMap((v, i) => [v, gy[i]!]),
      [3, 3, 1, 2],
    );
    return tf.conv2d(grey as tf.Tensor4D, filter, 1, 'same');
  });
}

export const SOBEL_CHANNELS = 2;
