import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';
import { gatherRows } from './rows.js';

/**
 * Re-seeds each empty cluster as faiss's k-means does (DeepCluster's): a cluster with at least two
 * rows is drawn with probability proportional to (size - 1), its centroid c is copied as
 * c(1 + eps s) and c(1 - eps s), s alternating +1, -1 over the coordinates (faiss: eps = 1/1024),
 * and its rows are split between the two: the half nearer the first copy, those with the largest
 * x.(c s) whatever eps is, moves to the empty cluster. The caller then recomputes the centroids as
 * the means of the halves.
 * `centroids` is the k x d host copy. Mutates `assign`; returns the rows moved and the number of
 * clusters re-seeded.
 */
export async function splitEmpty(
  x: tf.Tensor2D,
  assign: Int32Array,
  centroids: Float32Array,
  k: number,
  rng: Rng,
): Promise<{ moved: number[]; reseeded: number }> {
  const d = x.shape[1];
  const sizes = new Int32Array(k);
  for (const c of assign) sizes[c]!++;
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (sizes[c] === 0) empty.push(c);
  const moved: number[] = [];
  for (const target of empty) {
    let total = 0;
    for (let c = 0; c < k; c++) total += Math.max(0, sizes[c]! - 1);
    let r = rng.next() * total;
    let src = -1;
    for (let c = 0; c < k && src < 0; c++) if (sizes[c]! > 1 && (r -= sizes[c]! - 1) < 0) src = c;
    for (let c = k - 1; src < 0; c--) if (sizes[c]! > 1) src = c;

    const members: number[] = [];
    assign.forEach((c, i) => c === src && members.push(i));
    // |x - c(1 - eps s)|^2 - |x - c(1 + eps s)|^2 = 4 eps (x - c).(c s): rank by x.(c s).
    const dir = Float32Array.from({ length: d }, (_, j) => (j % 2 === 0 ? 1 : -1) * centroids[src * d + j]!);
    const rows = gatherRows(x, members);
    const proj = tf.tidy(() => tf.matMul(rows, tf.tensor2d(dir, [d, 1])));
    const p = await proj.data();
    tf.dispose([rows, proj]);
    // Ties (e.g. identical rows) keep member order, so the split is still half and half.
    const order = members.map((_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
    const half = Math.floor(members.length / 2);
    for (let i = 0; i < half; i++) {
      const row = members[order[i]!]!;
      assign[row] = target;
      moved.push(row);
    }
    sizes[target] = half;
    sizes[src] = members.length - half;
  }
  return { moved, reseeded: empty.length };
}
