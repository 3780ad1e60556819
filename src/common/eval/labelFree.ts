// Scores of a clustering that need no labels, from the run's per-image confidences, clusters and
// features: how sure the model is, how even the clusters are, and how well they follow the
// feature space. Pure functions: the trainer scores epochs with them, the host compares runs.

import type { LabelFree as LabelFreeScores, MergeCandidate } from '../../protocol/run.js';

export type { LabelFreeScores, MergeCandidate };

/** Mean confidence, overall and per cluster. */
export function confidenceScores(
  cluster: ArrayLike<number>,
  confidence: ArrayLike<number>,
  k: number,
): { confidence: number; clusterConfidence: number[] } {
  const sum = new Float64Array(k);
  const size = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < cluster.length; i++) {
    sum[cluster[i]!] += confidence[i]!;
    size[cluster[i]!]++;
    total += confidence[i]!;
  }
  return {
    confidence: cluster.length > 0 ? total / cluster.length : 0,
    clusterConfidence: Array.from(sum, (s, c) => (size[c]! > 0 ? s / size[c]! : 0)),
  };
}

/** H(sizes / n) / log k, empty clusters included (they lower it). */
export function sizeBalance(cluster: ArrayLike<number>, k: number): number {
  if (k < 2 || cluster.length === 0) return 1;
  const size = new Float64Array(k);
  for (let i = 0; i < cluster.length; i++) size[cluster[i]!]++;
  let h = 0;
  for (const s of size) if (s > 0) h -= (s / cluster.length) * Math.log(s / cluster.length);
  return h / Math.log(k);
}

/**
 * Mean over the rows of `neighbours` (K per row, as knn gives them) of the share of a row's
 * neighbours in its cluster. Row r is image anchors[r] (default: image r), so a sample of images
 * with their neighbours among all images scores the same way as the whole set.
 */
export function knnConsistency(
  cluster: ArrayLike<number>,
  neighbours: ArrayLike<number>,
  K: number,
  anchors?: ArrayLike<number>,
): number {
  const rows = neighbours.length / K;
  if (rows === 0) return 0;
  let same = 0;
  for (let r = 0; r < rows; r++) {
    const c = cluster[anchors ? anchors[r]! : r]!;
    for (let j = 0; j < K; j++) if (cluster[neighbours[r * K + j]!] === c) same++;
  }
  return same / (rows * K);
}

/**
 * Exact K nearest neighbours by cosine similarity of each image (or of each of `anchors`) among
 * all `rows` images, self excluded, ties to the lower index: the reference the trainer's blocked
 * kernel (src/trainer/cluster/knn.ts) is fast at, for small sets and tests.
 */
export function knnCosineExact(
  features: Float32Array,
  dims: number,
  K: number,
  anchors?: ArrayLike<number>,
): Int32Array {
  const n = features.length / dims;
  const norm = rowNorms(features, dims);
  const q = anchors ?? Array.from({ length: n }, (_, i) => i);
  const out = new Int32Array(q.length * K);
  const sims = new Float64Array(n);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < q.length; r++) {
    const i = q[r]!;
    for (let j = 0; j < n; j++) sims[j] = j === i ? -Infinity : cosine(features, dims, i, j, norm);
    order.sort((a, b) => sims[b]! - sims[a]! || a - b);
    for (let j = 0; j < K; j++) out[r * K + j] = order[j]!;
  }
  return out;
}

/**
 * Silhouette on cosine distance (1 - cos) among the images `sample` (all when absent), as
 * scikit-learn's silhouette_score(sample_size=...) computes it: distances only between sampled
 * images; an image alone in its cluster within the sample scores 0; fewer than two clusters, 0.
 */
export function silhouetteCosine(
  features: Float32Array,
  dims: number,
  cluster: ArrayLike<number>,
  sample?: ArrayLike<number>,
): number {
  const idx = sample ?? Array.from({ length: features.length / dims }, (_, i) => i);
  const m = idx.length;
  const ids = [...new Set(Array.from(idx, (i) => cluster[i]!))];
  if (ids.length < 2) return 0;
  const slot = new Map(ids.map((c, s) => [c, s]));
  const label = Int32Array.from(idx, (i) => slot.get(cluster[i]!)!);
  const count = new Float64Array(ids.length);
  for (const l of label) count[l]++;
  const norm = rowNorms(features, dims);
  // sum[p * C + c]: sampled image p's summed distance to sampled members of cluster c.
  const C = ids.length;
  const sum = new Float64Array(m * C);
  for (let p = 0; p < m; p++) {
    for (let q = p + 1; q < m; q++) {
      const d = 1 - cosine(features, dims, idx[p]!, idx[q]!, norm);
      sum[p * C + label[q]!] += d;
      sum[q * C + label[p]!] += d;
    }
  }
  let total = 0;
  for (let p = 0; p < m; p++) {
    const own = label[p]!;
    if (count[own]! < 2) continue;
    const a = sum[p * C + own]! / (count[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < C; c++) if (c !== own) b = Math.min(b, sum[p * C + c]! / count[c]!);
    const s = Math.max(a, b);
    total += s > 0 ? (b - a) / s : 0;
  }
  return total / m;
}

/**
 * Pairs of clusters whose images are each other's neighbours, best first (at most `top`). For
 * clusters a and b, count = links from a's rows to neighbours in b plus b's to a; score = count /
 * (K (n_a + n_b)) with n the rows (anchors) in each: the share of all the pair's kNN links that
 * cross between the two, in [0, 1], so big clusters do not win by size alone. Ties: higher count,
 * then lower ids.
 */
export function mergeCandidates(
  cluster: ArrayLike<number>,
  neighbours: ArrayLike<number>,
  K: number,
  k: number,
  anchors?: ArrayLike<number>,
  top = 20,
): MergeCandidate[] {
  const rows = neighbours.length / K;
  const size = new Float64Array(k);
  const links = new Map<number, number>();
  for (let r = 0; r < rows; r++) {
    const a = cluster[anchors ? anchors[r]! : r]!;
    size[a]++;
    for (let j = 0; j < K; j++) {
      const b = cluster[neighbours[r * K + j]!]!;
      if (b === a) continue;
      const key = Math.min(a, b) * k + Math.max(a, b);
      links.set(key, (links.get(key) ?? 0) + 1);
    }
  }
  const out: MergeCandidate[] = [];
  for (const [key, count] of links) {
    const a = Math.floor(key / k);
    const b = key % k;
    out.push({ a, b, count, score: count / (K * (size[a]! + size[b]!)) });
  }
  out.sort((x, y) => y.score - x.score || y.count - x.count || x.a - y.a || x.b - y.b);
  return out.slice(0, top);
}

function rowNorms(features: Float32Array, dims: number): Float64Array {
  const n = features.length / dims;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += features[i * dims + j]! ** 2;
    out[i] = Math.sqrt(s) || 1;
  }
  return out;
}

function cosine(features: Float32Array, dims: number, i: number, j: number, norm: Float64Array): number {
  let s = 0;
  const a = i * dims;
  const b = j * dims;
  for (let t = 0; t < dims; t++) s += features[a + t]! * features[b + t]!;
  return s / (norm[i]! * norm[j]!);
}
