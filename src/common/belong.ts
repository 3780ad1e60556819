/**
 * "Doesn't belong": a per-image score in [0, 1] for reviewing a cluster's misfits worst first,
 * from the run's own outputs only (no labels). The mean of three terms, each in [0, 1]:
 *  - doubt: 1 - the confidence the run gave the image for its cluster;
 *  - off-centre: d_own / (d_own + d_next), where d is the cosine distance of the image's features
 *    to a cluster's centre (the normalised mean of its members' features), d_own to its own
 *    cluster's, d_next to the nearest other one's: 0 at its own centre, 0.5 halfway, above 0.5
 *    nearer another cluster's centre (a ratio, so it needs no scale per backbone);
 *  - neighbours: the share of its k nearest images (cosine, in the features) that are in another
 *    cluster. Beyond `maxReference` images the neighbours are searched among an evenly spaced
 *    sample of that many, and features wider than NEIGHBOUR_DIMS are first projected onto that
 *    many seeded random directions (cosines roughly kept, Johnson-Lindenstrauss): the cost is
 *    n x maxReference x NEIGHBOUR_DIMS, not n² x dims.
 * Clusters are the user's (after moves and merges), so a moved image is scored where it is now.
 */

export interface BelongInput {
  /** rows x dims, row-major, L2-normalised (features.f16 as read by readRunFeatures). */
  features: Float32Array;
  dims: number;
  /** Per row, its cluster; -1 leaves the row out (no score, not a neighbour, not in a centre). */
  cluster: ArrayLike<number>;
  /** Per row, the run's confidence in [0, 1]. */
  confidence: ArrayLike<number>;
  k?: number;
  maxReference?: number;
  /** Called every few hundred rows; awaiting it lets a host's event loop run during a long computation. */
  yieldEvery?: () => Promise<void>;
}

export interface BelongTerms {
  score: Float64Array;
  doubt: Float64Array;
  offCentre: Float64Array;
  neighbours: Float64Array;
}

export const BELONG_K = 10;
export const BELONG_MAX_REFERENCE = 1000;
export const NEIGHBOUR_DIMS = 64;

/** Every row's score and its three terms; NaN for rows left out (cluster -1). */
export async function doesNotBelong(inp: BelongInput): Promise<BelongTerms> {
  const { features, dims, cluster, confidence } = inp;
  const n = cluster.length;
  if (features.length !== n * dims)
    throw new RangeError(`features: ${features.length} values for ${n} rows x ${dims}`);
  const k = inp.k ?? BELONG_K;
  const centres = clusterCentres(features, dims, cluster);
  const ref = referenceRows(cluster, inp.maxReference ?? BELONG_MAX_REFERENCE);
  const near = dims > NEIGHBOUR_DIMS ? project(features, dims, NEIGHBOUR_DIMS) : features;
  const nd = Math.min(dims, NEIGHBOUR_DIMS);
  const out: BelongTerms = {
    score: new Float64Array(n).fill(NaN),
    doubt: new Float64Array(n).fill(NaN),
    offCentre: new Float64Array(n).fill(NaN),
    neighbours: new Float64Array(n).fill(NaN),
  };
  const bestSim = new Float64Array(k);
  const bestRow = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    if (inp.yieldEvery && i % 256 === 255) await inp.yieldEvery();
    const c = cluster[i]!;
    if (c < 0) continue;
    const fi = i * dims;
    let own = 1;
    let next = Infinity;
    for (const [id, mu] of centres) {
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += features[fi + j]! * mu[j]!;
      const d = Math.max(0, 1 - dot);
      if (id === c) own = d;
      else if (d < next) next = d;
    }
    const offCentre = next === Infinity ? 0 : own + next === 0 ? 0.5 : own / (own + next);
    // k nearest among the reference rows: a small sorted list, most similar first.
    let found = 0;
    const ni = i * nd;
    for (const r of ref) {
      if (r === i) continue;
      const nr = r * nd;
      let dot = 0;
      for (let j = 0; j < nd; j++) dot += near[ni + j]! * near[nr + j]!;
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
    let elsewhere = 0;
    for (let m = 0; m < found; m++) if (cluster[bestRow[m]!] !== c) elsewhere++;
    const neighbours = found > 0 ? elsewhere / found : 0;
    const doubt = Math.min(1, Math.max(0, 1 - confidence[i]!));
    out.doubt[i] = doubt;
    out.offCentre[i] = offCentre;
    out.neighbours[i] = neighbours;
    out.score[i] = (doubt + offCentre + neighbours) / 3;
  }
  return out;
}

/** Each cluster's centre: its members' mean feature, L2-normalised. */
function clusterCentres(
  features: Float32Array,
  dims: number,
  cluster: ArrayLike<number>,
): Map<number, Float64Array> {
  const sums = new Map<number, Float64Array>();
  for (let i = 0; i < cluster.length; i++) {
    const c = cluster[i]!;
    if (c < 0) continue;
    let s = sums.get(c);
    if (!s) sums.set(c, (s = new Float64Array(dims)));
    for (let j = 0; j < dims; j++) s[j] += features[i * dims + j]!;
  }
  for (const s of sums.values()) {
    let sq = 0;
    for (let j = 0; j < dims; j++) sq += s[j]! * s[j]!;
    const norm = Math.sqrt(sq) || 1;
    for (let j = 0; j < dims; j++) s[j] /= norm;
  }
  return sums;
}

/** Each row projected onto `to` fixed pseudo-random ±1 directions (seeded: the same scores every time), then L2-normalised. */
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

/** The rows neighbours are searched among: all scored rows, or an evenly spaced sample of `max` of them. */
function referenceRows(cluster: ArrayLike<number>, max: number): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < cluster.length; i++) if (cluster[i]! >= 0) rows.push(i);
  if (rows.length <= max) return Int32Array.from(rows);
  return Int32Array.from({ length: max }, (_, m) => rows[Math.floor((m * rows.length) / max)]!);
}
