/**
 * External clustering scores against ground-truth labels: ACC (Hungarian), NMI, ARI and purity.
 * Conventions follow scikit-learn so numbers compare with published results. Entries whose truth
 * label is negative (unlabelled) take no part in any score.
 */
import type { AccKind, Scores, SuperScores } from '../../protocol/run.js';
import { assignmentWeight, maxWeightAssignment } from './hungarian.js';

export type { AccKind, Scores, SuperScores } from '../../protocol/run.js';

function checkLengths(a: Int32Array, b: Int32Array): void {
  if (a.length !== b.length)
    throw new RangeError(`label arrays differ in length (${a.length} vs ${b.length})`);
}

/** k x c co-occurrence counts of cluster and class; entries with truth < 0 are skipped. */
export function contingency(pred: Int32Array, truth: Int32Array, k: number, c: number): number[][] {
  checkLengths(pred, truth);
  const m = Array.from({ length: k }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < pred.length; i++) {
    const t = truth[i]!;
    if (t < 0) continue;
    const p = pred[i]!;
    // Out-of-range ids mean k or c was passed wrong; counting them silently would skew every score.
    if (p < 0 || p >= k) throw new RangeError(`cluster id ${p} at ${i} is outside 0..${k - 1}`);
    if (t >= c) throw new RangeError(`class id ${t} at ${i} is outside 0..${c - 1}`);
    m[p]![t]!++;
  }
  return m;
}

function total(m: number[][]): number {
  let n = 0;
  for (const row of m) for (const v of row) n += v;
  return n;
}

/**
 * Fraction of labelled entries whose cluster's matched class is their class, under the best
 * one-to-one cluster -> class matching. With k > c the unmatched clusters count as wrong.
 * No labelled entries: acc 0.
 */
export function clusteringAccuracy(
  pred: Int32Array,
  truth: Int32Array,
  k: number,
  c: number,
): { acc: number; mapping: Int32Array } {
  const m = contingency(pred, truth, k, c);
  const mapping = maxWeightAssignment(m, c);
  const n = total(m);
  return { acc: n === 0 ? 0 : assignmentWeight(m, mapping) / n, mapping };
}

/**
 * Fraction of labelled entries in their cluster's majority class. Several clusters may share a
 * class, so this suits over-clustering (k > c); it tends to 1 as k grows, so compare only at equal k.
 */
export function purity(pred: Int32Array, truth: Int32Array, k: number, c: number): number {
  const m = contingency(pred, truth, k, c);
  const n = total(m);
  let hit = 0;
  for (const row of m) hit += row.reduce((a, b) => Math.max(a, b), 0);
  return n === 0 ? 0 : hit / n;
}

/** Contingency table over the pairs where both labels are >= 0, with ids compacted. */
function pairTable(
  a: Int32Array,
  b: Int32Array,
): { table: Map<number, number>; rows: number[]; cols: number[]; n: number } {
  checkLengths(a, b);
  const ra = new Map<number, number>();
  const rb = new Map<number, number>();
  const rows: number[] = [];
  const cols: number[] = [];
  const table = new Map<number, number>();
  let n = 0;
  // Sparse: all-singleton partitions would make a dense table n x n. Cells are keyed u * nb + v,
  // so ids are compacted in a first pass (nb known) and counted in a second.
  const ia = new Int32Array(a.length);
  const ib = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < 0 || y < 0) {
      ia[i] = -1;
      continue;
    }
    let u = ra.get(x);
    if (u === undefined) ra.set(x, (u = rows.push(0) - 1));
    let v = rb.get(y);
    if (v === undefined) rb.set(y, (v = cols.push(0) - 1));
    ia[i] = u;
    ib[i] = v;
    rows[u]!++;
    cols[v]!++;
    n++;
  }
  const nb = cols.length;
  for (let i = 0; i < a.length; i++) {
    if (ia[i]! < 0) continue;
    const key = ia[i]! * nb + ib[i]!;
    table.set(key, (table.get(key) ?? 0) + 1);
  }
  return { table, rows, cols, n };
}

function entropy(counts: number[], n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/**
 * Normalised mutual information, MI / mean(H(a), H(b)) (arithmetic mean, natural log: sklearn's
 * default). Symmetric; pairs where either label is negative are left out. Degenerate cases as
 * sklearn: both partitions a single cluster (or empty) -> 1; one single cluster, the other not -> 0.
 */
export function nmi(a: Int32Array, b: Int32Array): number {
  const { table, rows, cols, n } = pairTable(a, b);
  if (rows.length === cols.length && rows.length <= 1) return 1;
  const nb = cols.length;
  let mi = 0;
  for (const [key, nij] of table) {
    const i = Math.floor(key / nb);
    const j = key - i * nb;
    mi += (nij / n) * Math.log((nij * n) / (rows[i]! * cols[j]!));
  }
  const norm = (entropy(rows, n) + entropy(cols, n)) / 2;
  // Rounding can push MI a hair outside [0, norm]; the true value cannot be.
  return Math.min(1, Math.max(0, mi) / Math.max(norm, Number.EPSILON));
}

const pairs = (x: number): number => (x * (x - 1)) / 2;

/**
 * Adjusted Rand index (Hubert & Arabie 1985), as sklearn's adjusted_rand_score: 1 for identical
 * partitions (including both single-cluster or both all-singletons), about 0 for chance, negative
 * below chance. Pairs where either label is negative are left out.
 */
export function ari(a: Int32Array, b: Int32Array): number {
  const { table, rows, cols, n } = pairTable(a, b);
  let index = 0;
  for (const nij of table.values()) index += pairs(nij);
  let sumA = 0;
  for (const r of rows) sumA += pairs(r);
  let sumB = 0;
  for (const c of cols) sumB += pairs(c);
  // Same pairs joined in both partitions (sklearn's fp == fn == 0): identical, even where the
  // formula below is 0 / 0.
  if (index === sumA && index === sumB) return 1;
  const expected = (sumA * sumB) / pairs(n);
  return (index - expected) / ((sumA + sumB) / 2 - expected);
}

/** Labelled-only copies of pred and truth, so nmi/ari see exactly the entries ACC scores. */
function labelledOnly(pred: Int32Array, truth: Int32Array): [Int32Array, Int32Array] {
  checkLengths(pred, truth);
  let n = 0;
  for (const t of truth) if (t >= 0) n++;
  if (n === truth.length) return [pred, truth];
  const p = new Int32Array(n);
  const t = new Int32Array(n);
  for (let i = 0, j = 0; i < truth.length; i++) {
    if (truth[i]! < 0) continue;
    p[j] = pred[i]!;
    t[j++] = truth[i]!;
  }
  return [p, t];
}

/** ACC (Hungarian), NMI and ARI of clusters 0..k-1 against classes 0..c-1. */
export function score(pred: Int32Array, truth: Int32Array, k: number, c: number): Scores {
  const acc = clusteringAccuracy(pred, truth, k, c).acc;
  const [p, t] = labelledOnly(pred, truth);
  return { acc, nmi: nmi(p, t), ari: ari(p, t) };
}

/**
 * Scores the clusters against super-classes: truth classes are mapped through classToSuper (a
 * class without super-class, -1, counts as unlabelled). ACC is the Hungarian one when
 * k == nSuper; otherwise a one-to-one matching would leave most clusters wrong by construction,
 * so ACC is majority-vote purity, and accKind says so.
 */
export function superClassScores(
  pred: Int32Array,
  classToSuper: Int32Array,
  truth: Int32Array,
  k: number,
  nSuper: number,
): SuperScores {
  checkLengths(pred, truth);
  const sup = new Int32Array(truth.length);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    if (t >= classToSuper.length)
      throw new RangeError(
        `class id ${t} at ${i} has no entry in classToSuper (${classToSuper.length} classes)`,
      );
    sup[i] = t < 0 ? -1 : classToSuper[t]!;
  }
  const accKind: AccKind = k === nSuper ? 'hungarian' : 'purity';
  const acc =
    accKind === 'hungarian' ? clusteringAccuracy(pred, sup, k, nSuper).acc : purity(pred, sup, k, nSuper);
  const [p, t] = labelledOnly(pred, sup);
  return { acc, nmi: nmi(p, t), ari: ari(p, t), accKind };
}
