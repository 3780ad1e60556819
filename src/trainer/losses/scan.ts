import * as tf from '@tensorflow/tfjs-core';
import { marginalNegEntropy } from './entropy.js';

/**
 * SCAN's clustering loss for one head, as two terms whose sum is minimised:
 *   consistency = -mean_i log <p(anchor_i), p(neighbour_i)>   (BCE of the dot product against 1)
 *   entropy     = lambda * (log K - H(mean_i p(anchor_i)))    (the official -lambda * H, plus the
 *                                                              constant lambda log K: same gradient,
 *                                                              and 0 at a uniform marginal)
 */
export function scanLoss(
  anchorProbs: tf.Tensor2D,
  neighbourProbs: tf.Tensor2D,
  entropyWeight: number,
): { consistency: tf.Scalar; entropy: tf.Scalar } {
  return tf.tidy(() => {
    const dot = tf.sum(tf.mul(anchorProbs, neighbourProbs), 1);
    // torch's BCELoss clamps log at -100; so do we, keeping a dead pair's gradient finite.
    const consistency = tf.neg(tf.mean(tf.maximum(tf.log(dot), -100))) as tf.Scalar;
    const entropy = tf.mul(marginalNegEntropy(anchorProbs), entropyWeight) as tf.Scalar;
    return { consistency, entropy };
  });
}

/**
 * The SCAN loss of several heads trained side by side, each term summed over the heads: every
 * head's logits [2b, k] hold the b anchors' rows, then their b neighbours'.
 */
export function scanLossOverHeads(
  logits: tf.Tensor2D[],
  entropyWeight: number,
): { consistency: tf.Scalar; entropy: tf.Scalar } {
  return tf.tidy(() => scanLossOfStacked(tf.stack(logits, 1) as tf.Tensor3D, entropyWeight));
}

/**
 * scanLoss of H heads at once, summed over them, from their logits [2b, H, k] (anchors' rows, then
 * their neighbours'): the same terms per head as scanLoss, in a few ops for all heads instead of a
 * few per head (per-op overhead dominated small heads' steps).
 */
export function scanLossOfStacked(
  logits: tf.Tensor3D,
  entropyWeight: number,
): { consistency: tf.Scalar; entropy: tf.Scalar } {
  return tf.tidy(() => {
    const [heads, k] = [logits.shape[1], logits.shape[2]];
    const [pa, pn] = tf.split(tf.softmax(logits), 2, 0) as [tf.Tensor3D, tf.Tensor3D];
    const dot = tf.sum(tf.mul(pa, pn), 2);
    const consistency = tf.neg(tf.sum(tf.mean(tf.maximum(tf.log(dot), -100), 0))) as tf.Scalar;
    // Per head, marginalNegEntropy of its anchors' probabilities: log k - H(column sums, normalised).
    const colSums = tf.sum(pa, 0);
    const p = tf.div(colSums, tf.sum(colSums, 1, true));
    const negEntropy = tf.add(tf.sum(tf.mul(p, tf.log(tf.add(p, 1e-12)))), heads * Math.log(k));
    return { consistency, entropy: tf.mul(negEntropy, entropyWeight) as tf.Scalar };
  });
}

export interface ScanEvaluation {
  consistency: number;
  entropy: number;
  /** consistency - entropy: the official scan_evaluate's total, lower is better. */
  total: number;
}

/**
 * The official scan_evaluate for one head, on un-augmented images in inference mode. probs is
 * n x k (row-major); row i is paired with itself and its first m mined neighbours (of `width`
 * per row in `neighbours`), as the official code pairs each image with its top-(5+1) list, itself
 * included:
 *   consistency = -mean over pairs of log <p_i, p_j>   (torch's BCE: log clamped at -100)
 *   entropy     = H(mean_i p_i)                        (probabilities clamped at 1e-8)
 *   total       = consistency - entropy                (weight 1, whatever lambda trained with)
 */
export function scanEvaluate(
  probs: Float32Array,
  k: number,
  neighbours: ArrayLike<number>,
  width: number,
  m: number,
): ScanEvaluation {
  const n = probs.length / k;
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let c = 0; c < k; c++) s += probs[i * k + c]! * probs[j * k + c]!;
    return s;
  };
  let bce = 0;
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    bce -= Math.max(Math.log(dot(i, i)), -100);
    for (let j = 0; j < m; j++) bce -= Math.max(Math.log(dot(i, neighbours[i * width + j]!)), -100);
    for (let c = 0; c < k; c++) mean[c] += probs[i * k + c]! / n;
  }
  const consistency = bce / (n * (m + 1));
  const entropy = -mean.reduce((h, p) => h + Math.max(p, 1e-8) * Math.log(Math.max(p, 1e-8)), 0);
  return { consistency, entropy, total: consistency - entropy };
}

export interface SelfLabelTargets {
  /** argmax of the weak view, for every row. */
  targets: Int32Array;
  /** 0 below the confidence threshold; otherwise n / count(target) among the confident rows. */
  weights: Float32Array;
  /** Rows above the threshold. */
  confident: number;
}

/**
 * Pseudo-labels of SCAN's self-labeling step from the weak view's probabilities (b x k, row-major):
 * rows whose top probability exceeds `threshold` take their argmax, and class-balancing weights
 * (n / count, the official ConfidenceBasedCE) undo the bias toward big clusters. `fixed` (per row:
 * a cluster, or -1) overrides the pseudo-label of the rows a retrain anchors.
 */
export function selfLabelTargets(
  probs: Float32Array,
  k: number,
  threshold: number,
  fixed?: Int32Array,
): SelfLabelTargets {
  const b = probs.length / k;
  const targets = new Int32Array(b);
  const confidentRow = new Uint8Array(b);
  const counts = new Int32Array(k);
  let confident = 0;
  for (let i = 0; i < b; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j]! > probs[i * k + best]!) best = j;
    targets[i] = best;
    // A row the user placed (a retrain's anchor) is labelled with its cluster, however unsure the head.
    const placed = fixed !== undefined && fixed[i]! >= 0;
    if (placed) targets[i] = best = fixed[i]!;
    if (placed || probs[i * k + best]! > threshold) {
      confidentRow[i] = 1;
      counts[best]!++;
      confident++;
    }
  }
  const weights = new Float32Array(b);
  for (let i = 0; i < b; i++) if (confidentRow[i]) weights[i] = confident / counts[targets[i]!]!;
  return { targets, weights, confident };
}

/** Cross-entropy of logits against integer targets, averaged with per-row weights (torch's weighted mean). */
export function weightedCrossEntropy(
  logits: tf.Tensor2D,
  targets: Int32Array,
  weights: Float32Array,
): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const onehot = tf.oneHot(tf.tensor1d(targets, 'int32'), k);
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), onehot), 1));
    const w = tf.tensor1d(weights);
    return tf.div(
      tf.sum(tf.mul(nll, w)),
      Math.max(
        weights.reduce((a, b) => a + b, 0),
        1e-12,
      ),
    ) as tf.Scalar;
  });
}
