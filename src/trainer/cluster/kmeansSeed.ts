import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';
import { gatherRows } from './rows.js';

/**
 * Greedy k-means++ (Arthur & Vassilvitskii's seeding as scikit-learn runs it): the first centre
 * uniformly; for each next one, 2 + floor(ln k) candidates drawn with probability proportional to
 * the squared distance to the nearest centre so far, keeping the one that lowers the total most.
 * Plain k-means++ often puts two centres in one of many well-separated blobs and none in another,
 * which Lloyd's iterations cannot repair (2.3x scikit-learn's inertia on the bench's blobs). When
 * every row already coincides with a centre (fewer distinct rows than k), an unused row is taken
 * uniformly. Returns k rows of x.
 */
export async function seedPlusPlus(
  x: tf.Tensor2D,
  sqNorms: Float64Array,
  k: number,
  rng: Rng,
): Promise<tf.Tensor2D> {
  const n = x.shape[0];
  const trials = 2 + Math.floor(Math.log(k));
  const chosen = new Int32Array(k);
  const used = new Uint8Array(n);
  let dist: Float64Array = new Float64Array(n).fill(Infinity);
  for (let c = 0; c < k; c++) {
    let candidates = c === 0 ? [] : drawProportional(dist, trials, rng);
    if (candidates.length === 0) {
      let r = rng.int(n - c);
      for (let i = 0; r >= 0; i++) if (!used[i] && r-- === 0) candidates = [i];
    }
    const picked = await bestCandidate(x, sqNorms, dist, candidates);
    chosen[c] = picked.row;
    used[picked.row] = 1;
    dist = picked.dist;
  }
  return gatherRows(x, chosen);
}

/** `count` rows drawn with probability proportional to w (none when w sums to 0). */
function drawProportional(w: Float64Array, count: number, rng: Rng): number[] {
  let sum = 0;
  for (const v of w) sum += v;
  if (!(sum > 0)) return [];
  const targets = Array.from({ length: count }, () => rng.next() * sum).sort((a, b) => a - b);
  const out: number[] = [];
  let acc = 0;
  let last = -1;
  for (let i = 0; i < w.length && out.length < count; i++) {
    if (w[i]! === 0) continue;
    acc += w[i]!;
    last = i;
    while (out.length < count && targets[out.length]! < acc) out.push(i);
  }
  // Rounding can leave the last targets past the final sum: they take the last row with weight.
  while (out.length < count) out.push(last);
  return out;
}

/**
 * Of the candidate rows, the one whose addition as a centre leaves the smallest sum of squared
 * distances to the nearest centre; with that row's updated distances.
 */
async function bestCandidate(
  x: tf.Tensor2D,
  sqNorms: Float64Array,
  dist: Float64Array,
  candidates: number[],
): Promise<{ row: number; dist: Float64Array }> {
  const L = candidates.length;
  // ||x - p||^2 = ||x||^2 - 2 x.p + ||p||^2, the dot products for all candidates in one matmul.
  const rows = gatherRows(x, candidates);
  const dots = tf.tidy(() => tf.matMul(x, tf.transpose(rows)));
  rows.dispose();
  const xp = await dots.data();
  dots.dispose();
  const n = dist.length;
  const cand = Float64Array.from(candidates, (c) => sqNorms[c]!);
  const pot = new Float64Array(L);
  for (let i = 0; i < n; i++) {
    const di = dist[i]!;
    const si = sqNorms[i]!;
    const o = i * L;
    for (let t = 0; t < L; t++) {
      const e = si - 2 * xp[o + t]! + cand[t]!;
      pot[t] += e < di ? (e > 0 ? e : 0) : di;
    }
  }
  let best = 0;
  for (let t = 1; t < L; t++) if (pot[t]! < pot[best]!) best = t;
  const row = candidates[best]!;
  const next = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = sqNorms[i]! - 2 * xp[i * L + best]! + cand[best]!;
    next[i] = e < dist[i]! ? (e > 0 ? e : 0) : dist[i]!;
  }
  // A centre's own distance is 0 exactly (rounding would leave it a small chance to be drawn again).
  next[row] = 0;
  return { row, dist: next };
}
