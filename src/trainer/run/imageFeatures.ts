import * as tf from '@tensorflow/tfjs-core';
import { toFloatBatch, type Dataset } from '../data/dataset.js';
import { l2Normalize } from '../losses/contrastive.js';
import { isEmbeddingMethodInstance, unitRows } from '../methods/embeddingMethod.js';
import { allBatches, type Method } from '../methods/method.js';
import { yieldToLoop } from '../util/cancel.js';

/** Every image's L2-normalised backbone features and cluster probabilities, in dataset (= assignments.csv) order. */
export interface ImageFeatures {
  rows: number;
  dims: number;
  clusters: number;
  /** rows x dims, row-major. */
  features: Float32Array;
  /** rows x clusters, row-major. */
  probs: Float32Array;
}

/**
 * One inference pass over the un-augmented dataset giving both matrices. Run after predict(): the
 * probabilities of methods that keep their clustering as state (DeepCluster, SCAN's pretext) come
 * from the state predict() leaves.
 */
export async function imageFeatures(
  method: Method,
  ds: Dataset,
  clusters: number,
  batchSize = 256,
): Promise<ImageFeatures> {
  if (isEmbeddingMethodInstance(method)) {
    // What an embedding method clustered is its embeddings, whatever made them.
    const e = method.embeddings();
    return {
      rows: e.n,
      dims: e.dim,
      clusters,
      features: unitRows(e.data, e.n, e.dim),
      probs: method.probsFromEmbeddings(e.data, e.n),
    };
  }
  let dims = 0;
  let features = new Float32Array(0);
  const probs = new Float32Array(ds.n * clusters);
  for (const idx of allBatches(ds.n, batchSize)) {
    const [h, p] = tf.tidy(() => {
      const x = toFloatBatch(ds, idx);
      return [l2Normalize(method.features(x)), method.probs(x)];
    });
    if (dims === 0) {
      dims = h!.shape[1]!;
      features = new Float32Array(ds.n * dims);
    }
    features.set((await h!.data()) as Float32Array, idx[0]! * dims);
    probs.set((await p!.data()) as Float32Array, idx[0]! * clusters);
    tf.dispose([h!, p!]);
    await yieldToLoop();
  }
  return { rows: ds.n, dims, clusters, features, probs };
}
