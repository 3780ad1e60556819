/**
 * "Doesn't belong": a per-image score in [0, 1] for reviewing a cluster's misfits worst first,
 * from the run's own outputs only (no labels). The mean of three terms, each in [0, 1]:
 *  - doubt: 1 - the confidence the run gave the image for its cluster;
 *  - off-centre: d_own / (d_own + d_next), where d is the cosine distance of the image's features
 *    to a cluster's centre (the normalised mean of its members' features), d_own to its own
 *    cluster's, d_next to the nearest other one's: 0 at its own centre, 0.5 halfway, above 0.5
 *    nearer another cluster's centre (a ratio, so it needs no scale per backbone);
 *  - neighbours: the share of its k nearest images (cosine, in the features) that are in another
 *    cluster, read from a neighbour table (src/common/neighbours.ts: on large runs searched among
 *    a sample, in projected features) that does not depend on the clusters, so a host computes it
 *    once per run and passes it again after each edit. The table holds 2k candidates per image, so
 *    images left out since (excluded) are skipped and k remain.
 * Clusters are the user's (after moves and merges), so a moved image is scored where it is now.
 */
import { sampledNeighbours, type NeighbourTable } from './neighbours.js';

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
  /** The run's sampledNeighbours table (NEIGHBOUR_CANDIDATES per row); computed here when absent. */
  neighbours?: NeighbourTable;
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
/** Neighbours kept per image: twice k, so k remain when some are left out. */
export const NEIGHBOUR_CANDIDATES = 2 * BELONG_K;

/** The neighbour table doesNotBelong reads, for a host to compute once per run. */
export function belongNeighbours(
  features: Float32Array,
  dims: number,
  o: { maxReference?: number; yieldEvery?: () => Promise<void> } = {},
): Promise<NeighbourTable> {
  return sampledNeighbours(features, dims, {
    k: NEIGHBOUR_CANDIDATES,
    maxReference: o.maxReference ?? BELONG_MAX_REFERENCE,
    ...(o.yieldEvery ? { yieldEvery: o.yieldEvery } : {}),
  });
}

/** Every row's score and its three terms; NaN for rows left out (cluster -1). */
export async function doesNotBelong(inp: BelongInput): Promise<BelongTerms> {
  const { features, dims, cluster, confidence } = inp;
  const n = cluster.length;
  if (features.length !== n * dims)
    throw new RangeError(`features: ${features.length} values for ${n} rows x ${dims}`);
  const k = inp.k ?? BELONG_K;
  const centres = clusterCentres(features, dims, cluster);
  const table =
    inp.neighbours ??
    (await belongNeighbours(features, dims, {
      ...(inp.maxReference !== undefined ? { maxReference: inp.maxReference } : {}),
      ...(inp.yieldEvery ? { yieldEvery: inp.yieldEvery } : {}),
    }));
  if (table.rows.length !== n * table.k)
    throw new RangeError(`neighbours: ${table.rows.length} entries for ${n} rows x ${table.k}`);
  const out: BelongTerms = {
    score: new Float64Array(n).fill(NaN),
    doubt: new Float64Array(n).fill(NaN),
    offCentre: new Float64Array(n).fill(NaN),
    neighbours: new Float64Array(n).fill(NaN),
  };
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
    // Its k nearest still scored (rows left out are nobody's neighbour), from the table's candidates.
    let found = 0;
    let elsewhere = 0;
    for (let m = 0; m < table.k && found < k; m++) {
      const r = table.rows[i * table.k + m]!;
      if (r < 0 || cluster[r]! < 0) continue;
      found++;
      if (cluster[r] !== c) elsewhere++;
    }
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
