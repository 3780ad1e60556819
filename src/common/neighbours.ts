/**
 * Nearest neighbours of a run's images in its features (rows L2-normalised, so the dot product is
 * the cosine). Two searches, both independent of the clusters, so a host computes them once per
 * run and keeps them across the user's edits:
 *  - `sampledNeighbours`: every row's nearest among a reference sample, in features projected to
 *    at most NEIGHBOUR_DIMS directions: the "doesn't belong" score's neighbour term for all n
 *    images at n x maxReference x 64 operations, not n² x dims;
 *  - `nearestRows`: one row's exact nearest among all rows in the full features ("more like
 *    this"), n x dims operations per question.
 */

export const NEIGHBOUR_DIMS = 64;

/** Every row's `k` nearest reference rows, most similar first, -1 where there were fewer. */
export interface NeighbourTable {
  k: number;
  /** rows x k, row-major. */
  rows: Int32Array;
}

/**
 * Each row's `k` nearest among an evenly spaced sample of `maxReference` rows (all rows when there
 * are fewer), itself left out. Features wider than NEIGHBOUR_DIMS are first projected onto that
 * many seeded random directions (cosines roughly kept, Johnson-Lindenstrauss).
 */
export async function sampledNeighbours(
  features: Float32Array,
  dims: number,
  o: { k: number; maxReference: number; yieldEvery?: () => Promise<void> },
): Promise<NeighbourTable> {
  const n = features.length / dims;
  const { k } = o;
  const near = dims > NEIGHBOUR_DIMS ? project(features, dims, NEIGHBOUR_DIMS) : features;
  const nd = Math.min(dims, NEIGHBOUR_DIMS);
  const ref = referenceRows(n, o.maxReference);
  const out = new Int32Array(n * k).fill(-1);
  const bestSim = new Float64Array(k);
  const bestRow = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    if (o.yieldEvery && i % 256 === 255) await o.yieldEvery();
    const found = keepBest(near, nd, i, ref, bestSim, bestRow);
    out.set(bestRow.subarray(0, found), i * k);
  }
  return { k, rows: out };
}

/**
 * Row `row`'s `k` nearest rows in the full features, most similar first, among the rows `keep`
 * accepts (all by default); `row` itself is not left out (it comes first, at similarity 1).
 */
export function nearestRows(
  features: Float32Array,
  dims: number,
  row: number,
  k: number,
  keep: (r: number) => boolean = () => true,
): { rows: Int32Array; similarity: Float64Array } {
  const n = features.length / dims;
  const candidates: number[] = [];
  for (let r = 0; r < n; r++) if (keep(r) || r === row) candidates.push(r);
  const bestSim = new Float64Array(k);
  const bestRow = new Int32Array(k);
  const found = keepBest(features, dims, row, candidates, bestSim, bestRow, true);
  return { rows: bestRow.slice(0, found), similarity: bestSim.slice(0, found) };
}

/**
 * Fills bestSim/bestRow (length k, most similar first) with row i's nearest among `candidates`;
 * returns how many were found. A small sorted list: k is small next to the candidates.
 */
function keepBest(
  x: Float32Array,
  dims: number,
  i: number,
  candidates: ArrayLike<number>,
  bestSim: Float64Array,
  bestRow: Int32Array,
  withSelf = false,
): number {
  const k = bestSim.length;
  const fi = i * dims;
  let found = 0;
  for (let c = 0; c < candidates.length; c++) {
    const r = candidates[c]!;
    if (r === i && !withSelf) continue;
    const fr = r * dims;
    let dot = 0;
    for (let j = 0; j < dims; j++) dot += x[fi + j]! * x[fr + j]!;
    if (found === k && dot <= bestSim[k - 1]!) continue;
    let at = found < k ? found++ : k - 1;
    while (at > 0 && bestSim[at - 1]! < dot) {
      bestSim[at] = bestSim[at - 1]!;
      bestRow[at] = bestRow[at - 1]!;
      at--;
    }
    bestSim[at] = dot;
    bestRow[at] = r;
  }
  return found;
}

/** Each row projected onto `to` fixed pseudo-random ±1 directions (seeded: the same every time), then L2-normalised. */
function project(features: Float32Array, dims: number, to: number): Float32Array {
  const dirs = new Float32Array(dims * to);
  let seed = 0x9e3779b9;
  for (let m = 0; m < dirs.length; m++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    dirs[m] = seed & 1 ? 1 : -1;
  }
  const n = features.length / dims;
  const out = new Float32Array(n * to);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let p = 0; p < to; p++) {
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += features[i * dims + j]! * dirs[j * to + p]!;
      out[i * to + p] = dot;
      sq += dot * dot;
    }
    const norm = Math.sqrt(sq) || 1;
    for (let p = 0; p < to; p++) out[i * to + p]! /= norm;
  }
  return out;
}

/** The rows neighbours are searched among: all of them, or an evenly spaced sample of `max`. */
function referenceRows(n: number, max: number): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from({ length: max }, (_, m) => Math.floor((m * n) / max));
}
