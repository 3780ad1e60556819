import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';
import { ClusterSums } from './clusterSums.js';
import { seedPlusPlus } from './kmeansSeed.js';
import { NearestCentroids } from './nearest.js';
import { hostValues, rowBlock } from './rows.js';
import { splitEmpty } from './splitEmpty.js';

export interface KMeansOptions {
  k: number;
  /** Lloyd iterations (centroid updates); default 20. */
  iters?: number;
  /** Independent k-means++ starts; the lowest inertia is kept. Default 1. */
  restarts?: number;
  rng: Rng;
  /** Stop when the relative change of inertia between iterations is below tol; default 0 = run all iters. */
  tol?: number;
  /** Rows per block of the assignment step; default: as many as keep the rows x k scores under 32 MB. */
  batch?: number;
  /**
   * Per row, a cluster it is fixed to (-1: free): those rows keep their cluster through every step,
   * and a cluster with fixed rows starts at their mean (a retrain's anchors, methods/anchors.ts).
   */
  fixed?: Int32Array;
}

export interface KMeansResult {
  /** Cluster of each row; nearest centroid, and no cluster is empty. */
  assign: Int32Array;
  /** k x d; the caller disposes it. */
  centroids: tf.Tensor2D;
  /** Sum of squared distances of the rows to their centroids. */
  inertia: number;
  /** Centroid updates done (of the kept restart). */
  iters: number;
  /** Empty clusters re-seeded over the kept restart's iterations. */
  reseeded: number;
}

/** The key of the k-means random stream inside a method's (Rng.derive(seed, method, KMEANS_STREAM, ...)). */
export const KMEANS_STREAM = 'kmeans';

/** Default bound on the scores block of the assignment step (rows x k floats, 32 MB), so k = 10,000 fits too. */
const BLOCK_ELEMS = 1 << 23;

/**
 * Lloyd's k-means with greedy k-means++ seeding (kmeansSeed.ts), the assignment step pruned by
 * Hamerly's bounds (nearest.ts) and empty clusters split as in faiss (splitEmpty.ts). The rows are
 * centred first (k-means is translation invariant; centring keeps |x|^2 - 2 x.c + |c|^2 accurate
 * in float32) and the mean is added back to the centroids.
 */
export async function kmeans(x: tf.Tensor2D, opts: KMeansOptions): Promise<KMeansResult> {
  const n = x.shape[0];
  const { k, rng } = opts;
  const iters = opts.iters ?? 20;
  const restarts = opts.restarts ?? 1;
  const tol = opts.tol ?? 0;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new Error(`kmeans: k must be an integer in 1..${n} (got ${k})`);
  if (!Number.isInteger(iters) || iters < 0)
    throw new Error(`kmeans: iters must be a whole number (got ${iters})`);
  if (!Number.isInteger(restarts) || restarts < 1)
    throw new Error(`kmeans: restarts must be a positive integer (got ${restarts})`);
  const batch = opts.batch ?? Math.max(1, Math.floor(BLOCK_ELEMS / k));
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`kmeans: batch must be a positive integer (got ${opts.batch})`);

  const mean = tf.mean(x, 0) as tf.Tensor1D;
  const xc = tf.sub(x, mean) as tf.Tensor2D;
  const norms = tf.tidy(() => tf.sum(tf.square(xc), 1));
  const sqNorms = Float64Array.from(await norms.data());
  norms.dispose();
  // Row blocks cut once, not every iteration.
  const blocks =
    batch >= n
      ? [xc]
      : Array.from({ length: Math.ceil(n / batch) }, (_, b) =>
          rowBlock(xc, b * batch, Math.min(batch, n - b * batch)),
        );
  let best: KMeansResult | undefined;
  try {
    for (let r = 0; r < restarts; r++) {
      const run = await lloyd(
        new NearestCentroids(xc, blocks, sqNorms, batch),
        xc,
        sqNorms,
        k,
        iters,
        tol,
        rng,
        opts.fixed,
      );
      if (!best || run.inertia < best.inertia) {
        best?.centroids.dispose();
        best = run;
      } else run.centroids.dispose();
    }
    return { ...best!, centroids: tf.add(best!.centroids, mean) };
  } finally {
    tf.dispose([xc, ...blocks, mean, ...(best ? [best.centroids] : [])]);
  }
}

async function lloyd(
  near: NearestCentroids,
  x: tf.Tensor2D,
  sqNorms: Float64Array,
  k: number,
  iters: number,
  tol: number,
  rng: Rng,
  fixed: Int32Array | undefined,
): Promise<KMeansResult> {
  let centroids = await seedPlusPlus(x, sqNorms, k, rng);
  const pinned = fixed ? [...fixed.keys()].filter((i) => fixed[i]! >= 0) : [];
  if (pinned.length > 0) {
    const seeded = seedAtFixed(x, centroids, fixed!, pinned);
    centroids.dispose();
    centroids = seeded;
  }
  let host = (await centroids.data()) as Float32Array;
  await near.all(centroids, host);
  const assign = near.assign;
  /** Puts the fixed rows back in their clusters; their bounds describe the nearest centroid, so they are re-scored next time. */
  const pin = () => {
    if (pinned.length === 0) return;
    for (const i of pinned) assign[i] = fixed![i]!;
    near.invalidate(pinned);
  };
  pin();
  let inertia = tol > 0 ? inertiaOf(x, assign, host) : NaN;
  let done = 0;
  let reseeded = 0;
  const sums = new ClusterSums(x, k);
  /** Splits empty clusters, then moves the centroids to the means of their rows; returns where they were. */
  const update = async (): Promise<Float32Array> => {
    const split = await splitEmpty(x, assign, host, k, rng);
    reseeded += split.reseeded;
    near.invalidate(split.moved);
    pin();
    const next = sums.means(assign);
    centroids.dispose();
    centroids = next;
    const before = host;
    host = (await centroids.data()) as Float32Array;
    return before;
  };
  try {
    while (done < iters) {
      const before = await update();
      await near.moved(centroids, before, host);
      pin();
      done++;
      if (tol > 0) {
        const previous = inertia;
        inertia = inertiaOf(x, assign, host);
        if (Math.abs(previous - inertia) <= tol * previous) break;
      }
    }
    // The final assignment is to the nearest centroid, which can leave a cluster empty: split
    // again, and then the centroids are the means of the clusters returned.
    if (countEmpty(assign, k) > 0) await update();
  } finally {
    sums.dispose();
  }
  inertia = inertiaOf(x, assign, host);
  return { assign, centroids, inertia, iters: done, reseeded };
}

/** The k-means++ centroids with each cluster that has fixed rows moved to their mean. */
function seedAtFixed(
  x: tf.Tensor2D,
  centroids: tf.Tensor2D,
  fixed: Int32Array,
  pinned: readonly number[],
): tf.Tensor2D {
  const [k, d] = centroids.shape;
  const v = hostValues(x);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (const i of pinned) {
    const c = fixed[i]!;
    counts[c]!++;
    for (let j = 0; j < d; j++) sums[c * d + j]! += v[i * d + j]!;
  }
  const out = Float32Array.from(centroids.dataSync());
  for (let c = 0; c < k; c++)
    if (counts[c]! > 0) for (let j = 0; j < d; j++) out[c * d + j] = sums[c * d + j]! / counts[c]!;
  return tf.tensor2d(out, [k, d]);
}

function countEmpty(assign: Int32Array, k: number): number {
  const seen = new Uint8Array(k);
  for (const c of assign) seen[c] = 1;
  return k - seen.reduce((a, b) => a + b, 0);
}

/**
 * Sum of squared distances of the rows to their assigned centroids (`centroids`: the host copy,
 * [k, d] row-major), in float64 in one pass over the rows. On the device it was a gather of every
 * row's centroid and a difference, n x d written twice per Lloyd iteration: 9/10 of k-means' time
 * at 20,000 x 512 (bench/kmeans-compare.ts).
 */
function inertiaOf(x: tf.Tensor2D, assign: Int32Array, centroids: Float32Array): number {
  const [n, d] = x.shape;
  const v = hostValues(x);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const c = assign[i]! * d;
    let s = 0;
    // Each row's sum in float32, as the device summed it (then the rows in float64): a float64
    // row sum moved DeepCluster's restarts and early stops enough to change its learning test's run.
    for (let j = 0; j < d; j++) {
      const e = Math.fround(v[o + j]! - centroids[c + j]!);
      s = Math.fround(s + Math.fround(e * e));
    }
    total += s;
  }
  return total;
}
