import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';
import { rowBlock } from './rows.js';

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

/** Bound on the scores block of the assignment step (rows x k floats, 32 MB), so k = 10,000 fits too. */
const BLOCK_ELEMS = 1 << 23;
/** faiss's relative perturbation of a split centroid (Clustering.cpp: EPS = 1 / 1024). */
const SPLIT_EPS = 1 / 1024;

/**
 * Lloyd's k-means with greedy k-means++ seeding. Squared distances are ||x||^2 - 2 x.c + ||c||^2, the last
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
  const rows = opts.batch ?? Math.max(1, Math.floor(BLOCK_ELEMS / k));
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`kmeans: batch must be a positive integer (got ${opts.batch})`);
  // Row blocks cut once, not every iteration.
  const blocks = rows >= n ? [xc] : Array.from({ length: Math.ceil(n / rows) }, (_, b) => rowBlock(xc, b * rows, Math.min(rows, n - b * rows)));
  const data: Data = { x: xc, blocks, n, d, k, sqNorms, total: sqNorms.reduce((a, b) => a + b, 0) };
  let best: KMeansResult | undefined;
  try {
    for (let r = 0; r < restarts; r++) {
      const run = await lloyd(data, iters, tol, rng);
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

interface Data {
  /** Centred rows. */
  x: tf.Tensor2D;
  /** The same rows in consecutive blocks for the assignment step (or x itself). */
  blocks: tf.Tensor2D[];
  n: number;
  d: number;
  k: number;
  /** ||x_i||^2 of the centred rows, and their sum. */
  sqNorms: Float64Array;
  total: number;
}

async function lloyd(data: Data, iters: number, tol: number, rng: Rng): Promise<KMeansResult> {
  let centroids = await seedPlusPlus(data, rng);
  // Inertia is needed for tol between iterations, and of the final assignment.
  let e = await assignStep(data, centroids, tol > 0 || iters === 0);
  let done = 0;
  let reseeded = 0;
  while (done < iters) {
    reseeded += await splitEmpty(data, e.assign, centroids, rng);
    const next = update(data, e.assign);
    centroids.dispose();
    centroids = next;
    done++;
    const previous = e.inertia;
    e = await assignStep(data, centroids, tol > 0 || done === iters);
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
 * Greedy k-means++ (Arthur & Vassilvitskii's seeding as scikit-learn runs it): the first centre
 * uniformly; for each next one, 2 + floor(ln k) candidates drawn with probability proportional to
 * the squared distance to the nearest centre so far, keeping the one that lowers the total most.
 * Plain k-means++ often puts two centres in one of many well-separated blobs and none in another,
 * which Lloyd's iterations cannot repair. When every row already coincides with a centre (fewer
 * distinct rows than k), an unused row is taken uniformly.
 */
async function seedPlusPlus({ x, n, k, sqNorms }: Data, rng: Rng): Promise<tf.Tensor2D> {
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
  return tf.tidy(() => tf.gather(x, tf.tensor1d(chosen, 'int32')) as tf.Tensor2D);
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
async function bestCandidate(x: tf.Tensor2D, sqNorms: Float64Array, dist: Float64Array, candidates: number[]): Promise<{ row: number; dist: Float64Array }> {
  const L = candidates.length;
  // ||x - p||^2 = ||x||^2 - 2 x.p + ||p||^2, the dot products for all candidates in one matmul.
  const dots = tf.tidy(() => tf.matMul(x, tf.transpose(tf.gather(x, tf.tensor1d(candidates, 'int32')))));
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

/**
 * Nearest centroid of every row; with `inertia`, also the sum of squared distances to it (its
 * reduction and download are skipped in the iterations that do not need it).
 */
async function assignStep({ blocks, n, total }: Data, centroids: tf.Tensor2D, inertia: boolean): Promise<{ assign: Int32Array; inertia: number }> {
  const assign = new Int32Array(n);
  let best = 0;
  // argmin ||x - c||^2 = argmax 2 x.c - ||c||^2.
  const [w, bias] = tf.tidy(() => [tf.mul(tf.transpose(centroids), 2) as tf.Tensor2D, tf.neg(tf.sum(tf.square(centroids), 1))]);
  try {
    let r0 = 0;
    for (const b of blocks) {
      const [arg, max] = tf.tidy(() => {
        const scores = tf.fused.matMul({ a: b, b: w!, bias });
        return [tf.argMax(scores, 1), inertia ? tf.max(scores, 1) : undefined];
      });
      assign.set(await arg!.data(), r0);
      arg!.dispose();
      if (max) {
        for (const v of await max.data()) best += v;
        max.dispose();
      }
      r0 += b.shape[0];
    }
  } finally {
    tf.dispose([w!, bias!]);
  }
  return { assign, inertia: inertia ? Math.max(0, total - best) : NaN };
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
