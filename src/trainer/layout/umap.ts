import * as tf from '@tensorflow/tfjs-core';
import { UMAP } from 'umap-js';
import { knnCosine } from '../cluster/knn.js';
import { applyPca, fitPca } from '../cluster/pca.js';
import { Rng } from '../util/rng.js';
import { problemFromUmapJs, UmapOptimizer } from './umapOptimize.js';

/** UMAP's settings: umap-learn's defaults (15 neighbours, min dist 0.1), after PCA to 50 dims. */
export const LAYOUT = { pcaDims: 50, neighbours: 15, minDist: 0.1 };
/** kNN preservation is scored on every point up to this many, else on a seeded sample of this many. */
export const PRESERVATION_SAMPLE = 1000;
const PRESERVATION_K = 10;

export interface LayoutOptions {
  seed: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** 'ours' (default): the neighbours come from the blocked tfjs kernel; 'umap-js': its own NN-descent (the bench compares them). */
  knn?: 'ours' | 'umap-js';
  /** 'ours' (default): the epochs run on typed arrays (umapOptimize.ts); 'umap-js': its own step() (the bench compares them). */
  optimiser?: 'ours' | 'umap-js';
}

export interface Layout {
  /** x0, y0, x1, y1, ... in the features' row order. */
  xy: Float32Array;
  /** Share of each point's 10 nearest feature-space neighbours (cosine) among its 10 nearest in 2-D. */
  knnPreservation: number;
  seconds: number;
  method: string;
  /** Seconds per phase: pca, knn (ours; 0 with umap-js's), init (umap-js's graph, and its kNN if it made it), umap epochs, preservation. */
  phases: Record<Phase, number>;
  /** CPU seconds (all threads) per phase: on a shared machine, wall time includes the wait for a core. */
  cpuPhases: Record<Phase, number>;
}

type Phase = 'pca' | 'knn' | 'init' | 'umap' | 'preservation';

/**
 * A reproducible 2-D map of the rows of `features` [rows, dims]: PCA to 50 dims, the 15 nearest
 * neighbours by cosine there (our kernel, handed to umap-js as precomputed kNN), umap-js's fuzzy
 * graph and initial embedding, then UMAP's layout optimisation on typed arrays (umapOptimize.ts),
 * all driven by random streams of the seed. Progress counts one step for the PCA and
 * kNN and one per UMAP epoch; the signal is checked between epochs.
 */
export async function computeLayout(
  features: Float32Array,
  rows: number,
  dims: number,
  opts: LayoutOptions,
): Promise<Layout> {
  if (features.length !== rows * dims)
    throw new Error(`computeLayout: ${features.length} values for ${rows} x ${dims}`);
  const nNeighbors = LAYOUT.neighbours;
  if (rows <= nNeighbors) throw new Error(`a map needs more than ${nNeighbors} images (got ${rows})`);
  const t0 = performance.now();
  const aborted = () => {
    if (opts.signal?.aborted) throw new Error('layout cancelled');
  };
  const clock = phaseClock();
  const reduced = await pcaRows(features, rows, dims, Math.min(LAYOUT.pcaDims, dims, rows));
  const pca = clock();
  aborted();
  const rng = Rng.derive(opts.seed, 'layout');
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: LAYOUT.minDist,
    random: () => rng.next(),
    distanceFn: cosineDistance,
  });
  const X = Array.from({ length: rows }, (_, i) =>
    Array.from(reduced.data.subarray(i * reduced.dims, (i + 1) * reduced.dims)),
  );
  if (opts.knn !== 'umap-js') {
    const { indices, distances } = await neighbourLists(reduced.data, rows, reduced.dims, nNeighbors);
    umap.setPrecomputedKNN(indices, distances);
  }
  const knn = clock();
  aborted();
  const epochs = umap.initializeFit(X);
  const init = clock();
  const ours =
    opts.optimiser === 'umap-js' ? undefined : new UmapOptimizer(problemFromUmapJs(umap), opts.seed);
  const total = epochs + 1;
  opts.onProgress?.(1, total);
  for (let e = 0; e < epochs; e++) {
    if (ours) ours.step();
    else umap.step();
    if (e % 10 === 9 || e === epochs - 1) {
      opts.onProgress?.(e + 2, total);
      // Lets a server answer other requests (and a cancel) while a big map is laid out.
      await new Promise((r) => setImmediate(r));
      aborted();
    }
  }
  const optimise = clock();
  const xy = ours?.xy ?? Float32Array.from(umap.getEmbedding().flatMap((p) => [p[0]!, p[1]!]));
  const knnPreservation = await preservation(features, rows, dims, xy, opts.seed);
  const method = `umap (pca ${reduced.dims}, ${nNeighbors} neighbours, min dist ${LAYOUT.minDist}, seed ${opts.seed})`;
  const last = clock();
  const phases = {
    pca: pca.wall,
    knn: knn.wall,
    init: init.wall,
    umap: optimise.wall,
    preservation: last.wall,
  };
  const cpuPhases = {
    pca: pca.cpu,
    knn: knn.cpu,
    init: init.cpu,
    umap: optimise.cpu,
    preservation: last.cpu,
  };
  return { xy, knnPreservation, seconds: (performance.now() - t0) / 1000, method, phases, cpuPhases };
}

/** Wall and CPU seconds since the last call (the first: since it was made). */
function phaseClock(): () => { wall: number; cpu: number } {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  return () => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const out = { wall: (now - last) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
    last = now;
    lastCpu = process.cpuUsage();
    return out;
  };
}

function cosineDistance(a: number[], b: number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return 1 - ab / (Math.sqrt(aa * bb) || 1);
}

async function pcaRows(
  features: Float32Array,
  rows: number,
  dims: number,
  m: number,
): Promise<{ data: Float32Array; dims: number }> {
  const x = tf.tensor2d(features, [rows, dims]);
  try {
    const pca = await fitPca(x, m);
    const y = applyPca(pca, x);
    pca.dispose();
    const data = (await y.data()) as Float32Array;
    y.dispose();
    return { data, dims: m };
  } finally {
    x.dispose();
  }
}

/** umap-js's kNN lists: each point first (distance 0, as NN-descent gives it), then its K - 1 nearest by cosine. */
async function neighbourLists(
  data: Float32Array,
  rows: number,
  dims: number,
  K: number,
): Promise<{ indices: number[][]; distances: number[][] }> {
  const x = tf.tensor2d(data, [rows, dims]);
  const knn = await knnCosine(x, K - 1).finally(() => x.dispose());
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const idx = [i];
    const dist = [0];
    for (let j = 0; j < K - 1; j++) {
      idx.push(knn.indices[i * (K - 1) + j]!);
      dist.push(Math.max(0, 1 - knn.similarities[i * (K - 1) + j]!));
    }
    indices.push(idx);
    distances.push(dist);
  }
  return { indices, distances };
}

/**
 * kNN preservation: for each scored point, the share of its 10 nearest neighbours by cosine in
 * the original features that are among its 10 nearest in 2-D (Euclidean). Up to
 * PRESERVATION_SAMPLE points all are scored, else a sample of that many drawn from the seed.
 */
export async function preservation(
  features: Float32Array,
  rows: number,
  dims: number,
  xy: Float32Array,
  seed: number,
): Promise<number> {
  const K = Math.min(PRESERVATION_K, rows - 1);
  const anchors =
    rows <= PRESERVATION_SAMPLE
      ? undefined
      : Rng.derive(seed, 'layout', 'preservation').permutation(rows).subarray(0, PRESERVATION_SAMPLE).sort();
  const x = tf.tensor2d(features, [rows, dims]);
  const high = await knnCosine(x, K, { rows: anchors }).finally(() => x.dispose());
  const scored = anchors ?? Int32Array.from({ length: rows }, (_, i) => i);
  const d2 = new Float64Array(rows);
  let kept = 0;
  for (let r = 0; r < scored.length; r++) {
    const i = scored[r]!;
    for (let j = 0; j < rows; j++) {
      const dx = xy[2 * j]! - xy[2 * i]!;
      const dy = xy[2 * j + 1]! - xy[2 * i + 1]!;
      d2[j] = j === i ? Infinity : dx * dx + dy * dy;
    }
    const near = new Set(nearestK(d2, K));
    for (let j = 0; j < K; j++) if (near.has(high.indices[r * K + j]!)) kept++;
  }
  return kept / (scored.length * K);
}

/** The K smallest of d (ties to the lower index), by partial selection: rows log K, not a full sort. */
function nearestK(d: Float64Array, K: number): number[] {
  const best: number[] = [];
  for (let j = 0; j < d.length; j++) {
    const v = d[j]!;
    if (best.length === K && v >= d[best[K - 1]!]!) continue;
    let p = best.length < K ? best.length : K - 1;
    best[p] = j;
    for (; p > 0 && d[best[p - 1]!]! > v; p--) [best[p - 1], best[p]] = [best[p]!, best[p - 1]!];
  }
  return best;
}
