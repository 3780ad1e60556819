/**
 * Agreement between clusterings of the same images by different runs, needing no labels: NMI or
 * ARI between two runs (images matched by path, so runs whose folders gained or lost images still
 * compare on what they share), seed stability, and the contingency table of two runs' clusters
 * with the Hungarian matching between them.
 */
import { maxWeightAssignment } from './hungarian.js';
import { ari, nmi } from './metrics.js';

/** One run's clustering: per image its dataset-relative path and cluster id. */
export interface Clustering {
  paths: readonly string[];
  clusters: ArrayLike<number>;
}

export type AgreementMeasure = 'nmi' | 'ari';

/** Both clusterings on the images both list, in a's order. */
export function alignByPath(a: Clustering, b: Clustering): { paths: string[]; a: Int32Array; b: Int32Array } {
  // Runs of one dataset list it in the same order (the scan's): no lookup table needed.
  if (a.paths.length === b.paths.length && a.paths.every((p, i) => p === b.paths[i]))
    return { paths: [...a.paths], a: Int32Array.from(a.clusters), b: Int32Array.from(b.clusters) };
  const inB = new Map<string, number>();
  b.paths.forEach((p, i) => inB.set(p, i));
  const paths: string[] = [];
  const ca: number[] = [];
  const cb: number[] = [];
  a.paths.forEach((p, i) => {
    const j = inB.get(p);
    if (j === undefined) return;
    paths.push(p);
    ca.push(a.clusters[i]!);
    cb.push(b.clusters[j]!);
  });
  return { paths, a: Int32Array.from(ca), b: Int32Array.from(cb) };
}

/** NMI or ARI between two runs on their shared images; undefined when they share none. */
export function agreement(a: Clustering, b: Clustering, measure: AgreementMeasure): number | undefined {
  const x = alignByPath(a, b);
  if (x.paths.length === 0) return undefined;
  return measure === 'nmi' ? nmi(x.a, x.b) : ari(x.a, x.b);
}

/** Every pair's NMI and ARI (symmetric, 1 on the diagonal, null where two runs share no image); each pair is aligned once. */
export function agreementMatrices(
  runs: readonly Clustering[],
): Record<AgreementMeasure, (number | null)[][]> {
  const grid = () => runs.map((_, i) => runs.map((__, j): number | null => (i === j ? 1 : null)));
  const out = { nmi: grid(), ari: grid() };
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const x = alignByPath(runs[i]!, runs[j]!);
      if (x.paths.length === 0) continue;
      out.nmi[i]![j] = out.nmi[j]![i] = nmi(x.a, x.b);
      out.ari[i]![j] = out.ari[j]![i] = ari(x.a, x.b);
    }
  }
  return out;
}

/**
 * Seed stability: the mean adjusted Rand index over every pair of runs that differ only by seed.
 * 1 when each seed finds the same partition, 0 for agreement no better than chance (at any K, where
 * NMI rises with K by chance); undefined for fewer than two runs (nothing to compare).
 */
export function seedStability(runs: readonly Clustering[]): number | undefined {
  const values: number[] = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const v = agreement(runs[i]!, runs[j]!, 'ari');
      if (v !== undefined) values.push(v);
    }
  }
  return values.length === 0 ? undefined : values.reduce((s, v) => s + v, 0) / values.length;
}

export interface CrossTable {
  /** Run A's cluster ids (rows) and run B's (columns), ascending. */
  rows: number[];
  cols: number[];
  /** counts[r][c]: shared images in A's rows[r] and B's cols[c]. */
  counts: number[][];
  /** Per row, the column index the Hungarian matching pairs it with (-1: none). */
  match: number[];
  /** Share of the shared images in matched cells: where A and B agree under the matching. */
  matchedShare: number;
  /** Shared images. */
  n: number;
}

/** The contingency table between two runs' clusters on their shared images, with the best one-to-one matching. */
export function crossTable(a: Clustering, b: Clustering): CrossTable {
  const x = alignByPath(a, b);
  const rows = [...new Set(x.a)].sort((p, q) => p - q);
  const cols = [...new Set(x.b)].sort((p, q) => p - q);
  const ri = new Map(rows.map((id, i) => [id, i]));
  const ci = new Map(cols.map((id, i) => [id, i]));
  const counts = rows.map(() => new Array<number>(cols.length).fill(0));
  for (let i = 0; i < x.paths.length; i++) counts[ri.get(x.a[i]!)!]![ci.get(x.b[i]!)!]!++;
  const match = Array.from(maxWeightAssignment(counts, cols.length));
  let matched = 0;
  match.forEach((c, r) => (matched += c >= 0 ? counts[r]![c]! : 0));
  return {
    rows,
    cols,
    counts,
    match,
    matchedShare: x.paths.length ? matched / x.paths.length : 0,
    n: x.paths.length,
  };
}

/** The images run A put in `clusterA` and run B in `clusterB`, in A's order: one cell of crossTable. */
export function cellImages(a: Clustering, b: Clustering, clusterA: number, clusterB: number): string[] {
  const x = alignByPath(a, b);
  return x.paths.filter((_, i) => x.a[i] === clusterA && x.b[i] === clusterB);
}
