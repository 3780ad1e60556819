import * as tf from '@tensorflow/tfjs-core';
import {
  confidenceScores,
  knnConsistency,
  mergeCandidates,
  silhouetteCosine,
  sizeBalance,
} from '../../common/eval/labelFree.js';
import type { LabelFree as LabelFreeScores, MergeCandidate } from '../../protocol/run.js';
import { knnCosine } from '../cluster/knn.js';
import type { Predictions } from '../methods/method.js';
import { Rng } from '../util/rng.js';
import type { ImageFeatures } from './imageFeatures.js';

/** Neighbours per image for kNN consistency and merge candidates. */
export const NEIGHBOURS = 10;
/**
 * Above this many images, the neighbours of a fixed sample of this many (among all images) are
 * searched: sample x N similarities instead of N^2 / 2 (70,000 images: 19x fewer).
 */
export const KNN_SAMPLE = 4000;
/** Silhouette's pairwise distances are among a sample of this many images (sample^2 / 2 in JS). */
export const SILHOUETTE_SAMPLE = 2000;

export interface LabelFreeResult {
  scores: LabelFreeScores;
  merges: MergeCandidate[];
  /** Where the time went, for the bench. */
  seconds: { knn: number; silhouette: number };
}

/**
 * `size` distinct images, sorted, drawn from the run's seed alone: every epoch (and a resumed run)
 * scores the same images, so the per-epoch curves compare like with like.
 */
export function sampleRows(n: number, size: number, seed: number, key: string): Int32Array | undefined {
  if (n <= size) return undefined;
  return Rng.derive(seed, 'labelFree', key).permutation(n).subarray(0, size).sort();
}

/** The label-free scores and merge candidates of a clustering, from its features (one kNN graph for both). */
export async function scoreLabelFree(
  f: ImageFeatures,
  preds: Predictions,
  k: number,
  seed: number,
): Promise<LabelFreeResult> {
  const K = Math.min(NEIGHBOURS, f.rows - 1);
  const anchors = sampleRows(f.rows, KNN_SAMPLE, seed, 'knn');
  const t0 = performance.now();
  let neighbours: Int32Array = new Int32Array(0);
  if (K >= 1) {
    const x = tf.tensor2d(f.features, [f.rows, f.dims]);
    try {
      neighbours = (await knnCosine(x, K, { rows: anchors })).indices;
    } finally {
      x.dispose();
    }
  }
  const t1 = performance.now();
  const silSample = sampleRows(f.rows, SILHOUETTE_SAMPLE, seed, 'silhouette');
  const silhouette = silhouetteCosine(f.features, f.dims, preds.cluster, silSample);
  const t2 = performance.now();
  const scores: LabelFreeScores = {
    ...confidenceScores(preds.cluster, preds.confidence, k),
    balance: sizeBalance(preds.cluster, k),
    knnConsistency: K >= 1 ? knnConsistency(preds.cluster, neighbours, K, anchors) : 0,
    silhouette,
    silhouetteSample: silSample?.length ?? f.rows,
  };
  const merges = K >= 1 ? mergeCandidates(preds.cluster, neighbours, K, k, anchors) : [];
  return { scores, merges, seconds: { knn: (t1 - t0) / 1000, silhouette: (t2 - t1) / 1000 } };
}

/** The metrics.jsonl fields of an eval epoch. */
export function labelFreeRow(s: LabelFreeScores): Record<string, number> {
  return {
    confidence: s.confidence,
    balance: s.balance,
    knnConsistency: s.knnConsistency,
    silhouette: s.silhouette,
  };
}
