import * as tf from '@tensorflow/tfjs-core';
import { matMulBT } from '../backend/fast/linalg.js';
import { kmeans } from '../cluster/kmeans.js';
import { l2Normalize } from '../losses/contrastive.js';
import type { Rng } from '../util/rng.js';
import type { Predictions } from './method.js';

/**
 * Soft membership of L2-normalised features in k-means clusters: a softmax over minus the squared
 * distances to the centroids at temperature 0.2. By distance, not cosine, so the most likely
 * cluster is the nearest centroid, which is k-means' own assignment: a training image assigned
 * again lands where training put it. For unit centroids this is a cosine softmax at 0.1, SimCLR's
 * scale. Only the order of the confidences matters to the views that rank by it.
 */
export function centroidProbs(features: tf.Tensor2D, centroids: tf.Tensor2D, temperature = 0.2): tf.Tensor2D {
  // |f - c|^2 = |f|^2 - 2 f.c + |c|^2, and |f|^2 is the same for every cluster of a row.
  return tf.tidy(() => {
    const logits = tf.sub(tf.mul(2, matMulBT(features, centroids)), tf.sum(tf.square(centroids), 1));
    return tf.softmax(tf.div(logits, temperature)) as tf.Tensor2D;
  });
}

/** Argmax and max of each row of a probability matrix. */
export async function argmaxRows(probs: tf.Tensor2D): Promise<Predictions> {
  const [arg, max] = tf.tidy(() => [tf.argMax(probs, 1), tf.max(probs, 1)]);
  const out = {
    cluster: Int32Array.from(await arg!.data()),
    confidence: Float32Array.from(await max!.data()),
  };
  tf.dispose([arg!, max!]);
  return out;
}

/** Clusters with their k-means confidences; `centroids` [k, d] belong to the caller. */
export interface FeatureClusters extends Predictions {
  centroids: tf.Tensor2D;
}

/** k-means on L2-normalised features: clusters with centroid-distance confidences. */
export async function clusterFeatures(features: tf.Tensor2D, k: number, rng: Rng): Promise<FeatureClusters> {
  const z = l2Normalize(features);
  const km = await kmeans(z, { k, rng });
  const probs = centroidProbs(z, km.centroids);
  const p = (await probs.data()) as Float32Array;
  tf.dispose([z, probs]);
  // The cluster is k-means' own; the confidence is its share of the soft membership.
  const confidence = Float32Array.from(km.assign, (c, i) => p[i * k + c]!);
  return { cluster: km.assign, confidence, centroids: km.centroids };
}
