/**
 * Near duplicates by the cosine of embeddings (a run's features, or its feature model's
 * embeddings): the same greedy representative grouping as the hashes (nearGroups.ts), with
 * candidates from random-hyperplane signatures (SimHash LSH): TABLES tables of BITS bits each,
 * two vectors at angle a share a table's key with probability (1 - a/pi)^BITS. Every candidate is
 * checked with its exact cosine, so nothing below the threshold is grouped; a pair at the threshold
 * is missed with probability at most MISS (pairs above it less).
 */
import {
  BucketIndex,
  countGroups,
  leaderGroups,
  type DuplicateGroup,
  type Grouping,
  type ThresholdCount,
} from './nearGroups.js';

const BITS = 16;
const MAX_TABLES = 64;
const MISS = 1e-3;

/** Tables for a miss rate of MISS at cosine `minCos`, capped at MAX_TABLES. */
export function tablesFor(minCos: number): number {
  const p = (1 - Math.acos(Math.min(1, minCos)) / Math.PI) ** BITS;
  return Math.min(MAX_TABLES, Math.max(1, Math.ceil(Math.log(MISS) / Math.log(1 - Math.min(p, 0.999)))));
}

/** A small seeded generator, so the same embeddings always give the same groups. */
function gaussians(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** keys[t][i]: row i's BITS-bit signature in table t (signs of its dot products with random directions). */
function signatures(rows: Float32Array, n: number, dim: number, tables: number): Int32Array[] {
  const g = gaussians(29);
  const keys: Int32Array[] = [];
  const planes = new Float32Array(BITS * dim);
  for (let t = 0; t < tables; t++) {
    for (let k = 0; k < planes.length; k++) planes[k] = g();
    const key = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let sig = 0;
      for (let b = 0; b < BITS; b++) {
        let dot = 0;
        for (let d = 0, o = i * dim, p = b * dim; d < dim; d++) dot += rows[o + d]! * planes[p + d]!;
        sig = (sig << 1) | (dot > 0 ? 1 : 0);
      }
      key[i] = sig;
    }
    keys.push(key);
  }
  return keys;
}

/**
 * Groups rows (L2-normalised, n x dim, row i is paths[i]) whose cosine to their representative is at
 * least `minCos`; counts for every cosine of `ladder` (each >= minCos). Member distance: 1 - cosine.
 * Rows are taken in path order, so the representative is a group's first path.
 */
export function cosineGroups(
  paths: readonly string[],
  rows: Float32Array,
  dim: number,
  minCos: number,
  ladder: readonly number[],
): Grouping {
  const n = paths.length;
  const order = [...paths.keys()].sort((a, b) =>
    paths[a]! < paths[b]! ? -1 : paths[a]! > paths[b]! ? 1 : 0,
  );
  const sorted = new Float32Array(n * dim);
  order.forEach((r, i) => sorted.set(rows.subarray(r * dim, (r + 1) * dim), i * dim));
  const index = new BucketIndex(signatures(sorted, n, dim, tablesFor(minCos)));
  const cosine = (i: number, j: number) => {
    let dot = 0;
    for (let d = 0, a = i * dim, b = j * dim; d < dim; d++) dot += sorted[a + d]! * sorted[b + d]!;
    return dot;
  };
  const groupAt = (c: number) => {
    index.reset();
    return leaderGroups(n, (i, claimed, visit) =>
      index.candidates(i, claimed, (j) => {
        const cos = cosine(i, j);
        if (cos >= c) visit(j, 1 - cos);
      }),
    );
  };
  const ones = new Int32Array(n).fill(1);
  const counts: ThresholdCount[] = [...new Set([...ladder, minCos])]
    .filter((c) => c > minCos)
    .sort((a, b) => b - a)
    .map((c) => ({ threshold: c, ...countGroups(groupAt(c).rep, ones) }));
  const { rep, distance } = groupAt(minCos);
  counts.push({ threshold: minCos, ...countGroups(rep, ones) });
  const byRep = new Map<number, number[]>();
  rep.forEach((r, i) => {
    const list = byRep.get(r);
    if (list) list.push(i);
    else byRep.set(r, [i]);
  });
  const groups: DuplicateGroup[] = [...byRep.values()]
    .filter((m) => m.length > 1)
    .map((m) => ({
      kind: 'near',
      members: m.map((i) => ({ path: paths[order[i]!]!, distance: Math.max(0, distance[i]!) })),
    }));
  return { groups, counts };
}
