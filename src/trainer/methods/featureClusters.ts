import * as tf from '@tensorflow/tfjs-core';
import { kmeans } from '../cluster/kmeans.js';
import { l2Normalize } from '../losses/contrastive.js';
import type { Rng } from '../util/rng.js';
import type { Predictions } from './method.js';

/**
 * Soft membership of L2-normalised features in clusters given by unit centroids: a softmax over
 * cosine similarities at temperature 0.1 (SimCLR's scale for cosine logits). Only the order of the
 * confidences matters to the views that rank by it.
 */
export function centroidProbs(features: tf.Tensor2D, centroids: tf.Tensor2D, temperature = 0.1): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(tf.div(tf.matMul(features, tf.transpose(centroids)), temperature)) as tf.Tensor2D);
}

/** Argmax and max of each row of a probability matrix. */
export async function argmaxRows(probs: tf.Tensor2D): Promise<Predictions> {
  const [arg, max] = tf.tidy(() => [tf.argMax(probs, 1), tf.max(probs, 1)]);
  const out = { cluster: Int32Array.from(await arg!.data()), confidence: Float32Array.from(await max!.data()) };
  tf.dispose([arg!, max!]);
  return out;
}

/** k-means on L2-normalised features: clusters with centroid-similarity confidences. */
export async function clusterFeatures(features: tf.Tensor2D, k: number, rng: Rng): Promise<Predictions> {
  const z = l2Normalize(features);
  const km = await kmeans(z, { k, rng });
  const unit = l2Normalize(km.centroids);
  const probs = centroidProbs(z, unit);
  const p = (await probs.data()) as Float32Array;
  tf.dispose([z, km.centroids, unit, probs]);
  // The cluster is k-means' own; the confidence is its share of the soft membership.
  const confidence = Float32Array.from(km.assign, (c, i) => p[i * k + c]!);
  return { cluster: km.assign, confidence };
}
