import type { Rng } from '../util/rng.js';

/**
 * A retrain's constraints, as rows of the dataset: every image the user moved (labels.json) is an
 * anchor, must-linked to the cluster it was moved to and cannot-linked to the one it left. A
 * retrain continues a finished run from `fromEpoch`; its anchors may be none (a retrain without
 * corrections, the bench's control).
 */
export interface Retrain {
  fromEpoch: number;
  anchors: Anchors;
}

export interface Anchors {
  /** Dataset rows of the anchored images. */
  rows: Int32Array;
  /** Per anchor: the cluster it was moved to. */
  to: Int32Array;
  /** Per anchor: the cluster it was moved out of. */
  from: Int32Array;
}

/** Anchors in a training step's anchor term: all of them up to this many, else a sample. */
export const ANCHORS_PER_STEP = 64;

/** Per dataset row: the cluster its anchor fixes it to, -1 for a free row. */
export function fixedClusters(anchors: Anchors, n: number): Int32Array {
  const fixed = new Int32Array(n).fill(-1);
  anchors.rows.forEach((r, a) => (fixed[r] = anchors.to[a]!));
  return fixed;
}

/**
 * Up to `size` anchors drawn without replacement (all of them when there are fewer): the anchor
 * term of a training step, so every step sees the corrections however few they are.
 */
export function anchorBatch(anchors: Anchors, rng: Rng, size: number): Anchors {
  if (anchors.rows.length <= size) return anchors;
  const pick = rng.permutation(anchors.rows.length).subarray(0, size);
  return {
    rows: Int32Array.from(pick, (a) => anchors.rows[a]!),
    to: Int32Array.from(pick, (a) => anchors.to[a]!),
    from: Int32Array.from(pick, (a) => anchors.from[a]!),
  };
}
