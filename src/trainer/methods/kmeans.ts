import * as tf from '@tensorflow/tfjs-core';
import { KMEANS_SPEC } from '../../common/methods/kmeans.js';
import { kmeans } from '../cluster/kmeans.js';
import { ParamSet } from '../models/layers.js';
import { Rng } from '../util/rng.js';
import { embeddingInput, embeddingSide, unitRows, type EmbeddingMethod } from './embeddingMethod.js';
import { centroidProbs } from './featureClusters.js';
import { settingsOf, type MethodInit } from './method.js';

/**
 * k-means on L2-normalised embeddings, the baseline of the embedding methods:
 *   each epoch e: `restarts` k-means++ starts (Lloyd to convergence, at most `iters`), seeded by
 *                 (seed, e); the centroids of the lowest inertia over every epoch so far are kept
 *   predict:      the nearest kept centroid, with the centroid softmax of featureClusters.ts as confidence
 */
export function createKmeans(init: MethodInit): EmbeddingMethod {
  const { config } = init;
  const k = config.clusters;
  const settings = settingsOf(KMEANS_SPEC, config);
  const input = embeddingInput(init);
  const params = new ParamSet(Rng.derive(config.seed, 'init'));
  const zeros = (n: number) => new Float32Array(n);
  // The clustering is the model: checkpointed, so a resumed run and `assign` read it back.
  const centroids = params.add('kmeans.centroids', [k, input.dim], zeros, false);
  const inertia = params.add('kmeans.inertia', [1], zeros, false);
  // Nothing trains; the run loop checkpoints an optimizer all the same.
  const optimizer = tf.train.sgd(0);
  let unit: tf.Tensor2D | undefined;
  const side = embeddingSide(input, (z) => centroidProbs(z, centroids as tf.Tensor2D));
  return {
    name: 'kmeans',
    params,
    optimizer,
    async trainEpoch(_epoch, rng, onStep) {
      const e = input.get();
      unit ??= tf.tensor2d(unitRows(e.data, e.n, e.dim), [e.n, e.dim]);
      const km = await kmeans(unit, {
        k,
        rng,
        restarts: settings.restarts,
        iters: settings.iters,
        tol: 1e-6,
      });
      const kept = inertia.dataSync()[0]!;
      if (kept === 0 || km.inertia < kept) {
        centroids.assign(km.centroids);
        tf.tidy(() => inertia.assign(tf.tensor1d([km.inertia])));
      }
      km.centroids.dispose();
      onStep({ step: 1, steps: 1, loss: km.inertia / e.n, images: e.n });
      const best = inertia.dataSync()[0]! / e.n;
      return {
        phase: 'kmeans',
        loss: best,
        terms: { inertia: best },
        extra: { iters: km.iters, reseeded: km.reseeded },
      };
    },
    async predict() {
      const preds = await side.predictFromEmbeddings();
      unit?.dispose();
      unit = undefined;
      return preds;
    },
    probs: side.probs,
    features: side.features,
    embeddings: side.embeddings,
    probsFromEmbeddings: side.probsFromEmbeddings,
  };
}
