import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';

export interface KMeansOptions {
  k: number;
  /** Lloyd iterations (centroid updates); default 20. */
  iters?: number;
  /** Independent k-means++ starts; the lowest inertia is kept. Default 1. */
  restarts?: number;
  rng: Rng;
  /** Stop when the relative change of inertia between iterations is below tol; default 0 = run all iters. */
  tol?: number;
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

/** Bound on the scores block of the assignment step (rows x k floats), so k = 10,000 fits too. */
const BLOCK_ELEMS = 1 << 22;
/** faiss's relative perturbation of a split centroid (Clustering.cpp: EPS = 1 / 1024). */
const SPLIT_EPS = 1 / 1024;

/**
 * Lloyd's k-means with k-means++ seeding. Squared distances are ||x||^2 - 2 x.c + ||c||^2, the last
 * two from one matmul with a bias per block of rows, so the argmin is a device argmax. The rows are
 * centred first (k-means is translation invariant; centring keeps that expansion accurate in
 * float32) and the mean is added back to the centroids.
 */
export async function kmeans(x: tf.Tensor2D, opts: KMeansOptions): Promise<KMeansResult> {
  const [n, d] = x.shape;
  const { k, rng } = opts;
  const iters = opts.iters ?? 20;
  const restarts = opts.restarts ?? 1;
  const tol = opts.tol ?? 0;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`kmeans: k must be an integer in 1..${n} (got ${k})`);
  if (!Number.isInteger(iters) || iters < 0) throw new Error(`kmeans: iters must be a whole number (got ${iters})`);
  if (!Number.isInteger(restarts) || restarts < 1) throw new Error(`kmeans: restarts must be a positive integer (got ${restarts})`);

  const mean = tf.mean(x, 0) as tf.Tensor1D;
  const xc = tf.sub(x, mean) as tf.Tensor2D;
  const norms = tf.sum(tf.square(xc), 1);
  const sqNorms = Float64Array.from(await norms.data());
  norms.dispose();
  const data: Data = { x: xc, n, d, k, sqNorms, total: sqNorms.reduce((a, b) => a + b, 0) };
  let best: Omit<KMeansResult, 'centroids'> & { centroids: tf.Tensor2D } | undefined;
  try {
    for (let r = 0; r < restarts; r++) {
      const run = await lloyd(data, iters, tol, rng);
      if (!best || run.inertia < best.inertia) {
        best?.centroids.dispose();
        best = run;
      } else run.centroids.dispose();
    }
  } finally {
    xc.dispose();
  }
  const centroids = tf.tidy(() => tf.add(best!.centroids, mean) as tf.Tensor2D);
  tf.dispose([best!.centroids, mean]);
  return { ...best!, centroids };
}

interface Data {
  /** Centred rows. */
  x: tf.Tensor2D;
  n: number;
  d: number;
  k: number;
  /** ||x_i||^2 of the centred rows, and their sum. */
  sqNorms: Float64Array;
  total: number;
}

async function lloyd(data: Data, iters: number, tol: number, rng: Rng): Promise<KMeansResult> {
  let centroids = await seedPlusPlus(data, rng);
  let e = await assignStep(data, centroids);
  let done = 0;
  let reseeded = 0;
  for (; done < iters; ) {
    reseeded += await splitEmpty(data, e.assign, centroids, rng);
    const next = update(data, e.assign);
    centroids.dispose();
    centroids = next;
    done++;
    const previous = e.inertia;
    e = await assignStep(data, centroids);
    if (tol > 0 && Math.abs(previous - e.inertia) <= tol * previous) break;
  }
  // The final assignment is to the nearest centroid, which can leave a cluster empty: split again,
  // and then the centroids are the means of the clusters returned.
  const last = await splitEmpty(data, e.assign, centroids, rng);
  if (last > 0) {
    reseeded += last;
    centroids.dispose();
    centroids = update(data, e.assign);
    e.inertia = await inertiaOf(data, e.assign, centroids);
  }
  return { assign: e.assign, centroids, inertia: e.inertia, iters: done, reseeded };
}

/**
 * k-means++ (Arthur & Vassilvitskii): the first centre uniformly, each next one with probability
 * proportional to the squared distance to the nearest centre so far. When every row already
 * coincides with a centre (fewer distinct rows than k), an unused row is taken uniformly.
 */
async function seedPlusPlus({ x, n, d, k, sqNorms }: Data, rng: Rng): Promise<tf.Tensor2D> {
  const chosen = new Int32Array(k);
  const used = new Uint8Array(n);
  const dist = new Float64Array(n).fill(Infinity);
  for (let c = 0; c < k; c++) {
    let pick = -1;
    if (c > 0) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += dist[i]!;
      if (sum > 0) {
        let r = rng.next() * sum;
        for (let i = 0; i < n && pick < 0; i++) if ((r -= dist[i]!) < 0 && dist[i]! > 0) pick = i;
        // Rounding can run past the end: take the last row with weight.
        for (let i = n - 1; pick < 0; i--) if (dist[i]! > 0) pick = i;
      }
    }
    if (pick < 0) {
      let r = rng.int(n - c);
      for (let i = 0; pick < 0; i++) if (!used[i] && r-- === 0) pick = i;
    }
    chosen[c] = pick;
    used[pick] = 1;
    if (c === k - 1) break;
    // ||x - p||^2 = ||x||^2 - 2 x.p + ||p||^2; a [1, d] row is a [d, 1] column without a copy.
    const dots = tf.tidy(() => tf.matMul(x, tf.reshape(tf.slice(x, [pick, 0], [1, d]), [d, 1])));
    const xp = await dots.data();
    dots.dispose();
    const pp = sqNorms[pick]!;
    for (let i = 0; i < n; i++) {
      const di = used[i] ? 0 : Math.max(0, sqNorms[i]! - 2 * xp[i]! + pp);
      if (di < dist[i]!) dist[i] = di;
    }
  }
  return tf.tidy(() => tf.gather(x, tf.tensor1d(chosen, 'int32')) as tf.Tensor2D);
}

/** Nearest centroid of every row, and the inertia of that assignment. */
async function assignStep({ x, n, d, k, total }: Data, centroids: tf.Tensor2D): Promise<{ assign: Int32Array; inertia: number }> {
  const assign = new Int32Array(n);
  let best = 0;
  const rows = Math.max(1, Math.floor(BLOCK_ELEMS / k));
  // argmin ||x - c||^2 = argmax 2 x.c - ||c||^2.
  const [w, bias] = tf.tidy(() => [tf.mul(tf.transpose(centroids), 2), tf.neg(tf.sum(tf.square(centroids), 1))]);
  try {
    for (let r0 = 0; r0 < n; r0 += rows) {
      const m = Math.min(rows, n - r0);
      const [arg, max] = tf.tidy(() => {
        const scores = tf.fused.matMul({ a: tf.slice(x, [r0, 0], [m, d]), b: w as tf.Tensor2D, bias });
        return [tf.argMax(scores, 1), tf.max(scores, 1)];
      });
      assign.set(await arg!.data(), r0);
      const mx = await max!.data();
      tf.dispose([arg!, max!]);
      for (let i = 0; i < m; i++) best += mx[i]!;
    }
  } finally {
    tf.dispose([w!, bias!]);
  }
  return { assign, inertia: Math.max(0, total - best) };
}

/** Centroids as the means of their rows (no cluster may be empty). */
function update({ x, k }: Data, assign: Int32Array): tf.Tensor2D {
  const counts = new Float32Array(k);
  for (const c of assign) counts[c]!++;
  return tf.tidy(() => tf.div(tf.unsortedSegmentSum(x, tf.tensor1d(assign, 'int32'), k), tf.reshape(tf.tensor1d(counts), [k, 1])) as tf.Tensor2D);
}

/** Sum of squared distances of the rows to their assigned centroids, directly. */
async function inertiaOf({ x }: Data, assign: Int32Array, centroids: tf.Tensor2D): Promise<number> {
  const s = tf.tidy(() => tf.sum(tf.squaredDifference(x, tf.gather(centroids, tf.tensor1d(assign, 'int32')))));
  const v = (await s.data())[0]!;
  s.dispose();
  return v;
}

/**
 * Re-seeds each empty cluster as faiss's k-means does (DeepCluster's): a cluster j with at least two
 * rows is drawn with probability proportional to (size - 1), its centroid c is copied as
 * c(1 + eps s) and c(1 - eps s) with s alternating +1, -1 over the coordinates, and its rows are
 * split between the two: the half nearer the first copy, i.e. largest (x - c).(c s), moves to the
 * empty cluster. The caller then recomputes the centroids as the means of the halves. Mutates
 * `assign`; returns how many clusters were re-seeded.
 */
async function splitEmpty({ x, d, k }: Data, assign: Int32Array, centroids: tf.Tensor2D, rng: Rng): Promise<number> {
  const sizes = new Int32Array(k);
  for (const c of assign) sizes[c]!++;
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (sizes[c] === 0) empty.push(c);
  if (empty.length === 0) return 0;
  const cents = await centroids.data();
  for (const target of empty) {
    let total = 0;
    for (let c = 0; c < k; c++) total += Math.max(0, sizes[c]! - 1);
    let r = rng.next() * total;
    let src = -1;
    for (let c = 0; c < k && src < 0; c++) if (sizes[c]! > 1 && (r -= sizes[c]! - 1) < 0) src = c;
    for (let c = k - 1; src < 0; c--) if (sizes[c]! > 1) src = c;

    const members: number[] = [];
    assign.forEach((c, i) => c === src && members.push(i));
    const dir = new Float32Array(d);
    let offset = 0;
    for (let j = 0; j < d; j++) {
      const cj = cents[src * d + j]!;
      dir[j] = (j % 2 === 0 ? SPLIT_EPS : -SPLIT_EPS) * cj;
      offset += dir[j]! * cj;
    }
    const proj = tf.tidy(() => tf.matMul(tf.gather(x, tf.tensor1d(members, 'int32')), tf.tensor2d(dir, [d, 1])));
    const p = await proj.data();
    proj.dispose();
    // Ties (e.g. identical rows) keep member order, so the split is still half and half.
    const order = members.map((_, i) => i).sort((a, b) => p[b]! - offset - (p[a]! - offset) || a - b);
    const moved = Math.floor(members.length / 2);
    for (let i = 0; i < moved; i++) assign[members[order[i]!]!] = target;
    sizes[target] = moved;
    sizes[src] = members.length - moved;
  }
  return empty.length;
}
