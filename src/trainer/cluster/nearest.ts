import * as tf from '@tensorflow/tfjs-core';
import { readScores } from './readScores.js';
import { gatherRows } from './rows.js';

/**
 * Float32 rounding of a score 2 x.c - |c|^2, per dimension and per unit of |x|^2 + |c|^2: a
 * generous bound (4 d ulps), so that a row is never skipped on the strength of rounding noise.
 */
const ROUNDING = 4 * 2 ** -24;

/**
 * The nearest centroid of every row across Lloyd iterations, with Hamerly's bounds: for each row
 * an upper bound on the distance to its centroid and a lower bound on the distance to any other.
 * When centroid j moves by delta_j, a row's upper bound grows by its own centroid's move and its
 * lower bound shrinks by the largest move among the others; only rows whose upper bound exceeds
 * the lower can have changed cluster, and only those are scored again. Once clusters settle, that
 * is a small share of the rows, so most of the matmul of a plain Lloyd iteration is skipped, with
 * the same assignments.
 */
export class NearestCentroids {
  readonly assign: Int32Array;
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  private readonly n: number;
  private readonly d: number;

  /**
   * @param x the rows; `blocks`, the same rows cut in consecutive blocks of `batch` (or [x]);
   *   `sqNorms`, their squared norms.
   */
  constructor(
    private readonly x: tf.Tensor2D,
    private readonly blocks: tf.Tensor2D[],
    private readonly sqNorms: Float64Array,
    private readonly batch: number,
  ) {
    [this.n, this.d] = x.shape;
    this.assign = new Int32Array(this.n);
    this.upper = new Float64Array(this.n);
    this.lower = new Float64Array(this.n);
  }

  /** Scores every row against `centroids` [k, d]; `host` is their values. */
  async all(centroids: tf.Tensor2D, host: Float32Array): Promise<void> {
    await this.score(centroids, host, null);
  }

  /** Rows whose cluster the caller changed (a re-seeding split): their bounds no longer hold. */
  invalidate(rows: Iterable<number>): void {
    for (const i of rows) this.upper[i] = Infinity;
  }

  /**
   * After the centroids moved from `before` to `after` (host values, [k, d] row-major), re-scores
   * the rows whose bounds allow another cluster. Returns how many were re-scored.
   */
  async moved(centroids: tf.Tensor2D, before: Float32Array, after: Float32Array): Promise<number> {
    const { d, n, assign, upper, lower } = this;
    const k = after.length / d;
    const shift = new Float64Array(k);
    let first = -1;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = j * d; t < j * d + d; t++) s += (after[t]! - before[t]!) ** 2;
      shift[j] = Math.sqrt(s);
      if (first < 0 || shift[j]! > shift[first]!) first = j;
    }
    let second = 0;
    for (let j = 0; j < k; j++) if (j !== first) second = Math.max(second, shift[j]!);
    const active: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = assign[i]!;
      upper[i] = upper[i]! + shift[a]!;
      lower[i] = lower[i]! - (a === first ? second : shift[first]!);
      if (upper[i]! > lower[i]!) active.push(i);
    }
    // Gathering most of the rows costs more than scoring all of them from the blocks.
    await this.score(centroids, after, active.length > n / 2 ? null : active);
    return active.length;
  }

  /** Nearest and second-nearest centroid of the given rows (all when null); sets their bounds. */
  private async score(centroids: tf.Tensor2D, host: Float32Array, rows: number[] | null): Promise<void> {
    const { d, sqNorms, assign, upper, lower } = this;
    const k = centroids.shape[0];
    let cmax = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = j * d; t < j * d + d; t++) s += host[t]! ** 2;
      cmax = Math.max(cmax, s);
    }
    // argmin |x - c|^2 = argmax 2 x.c - |c|^2: one matmul with a bias per block of rows.
    const [w, bias] = tf.tidy(() => [
      tf.mul(tf.transpose(centroids), 2) as tf.Tensor2D,
      tf.neg(tf.sum(tf.square(centroids), 1)),
    ]);
    const chunks = rows === null ? this.blocks.length : Math.ceil(rows.length / this.batch);
    try {
      let start = 0;
      for (let c = 0; c < chunks; c++) {
        const ids = rows?.slice(c * this.batch, (c + 1) * this.batch);
        const xs = ids ? gatherRows(this.x, ids) : this.blocks[c]!;
        const scores = tf.fused.matMul({ a: xs, b: w!, bias });
        if (ids) xs.dispose();
        const m = scores.shape[0];
        await readScores(scores, (v) => {
          for (let r = 0; r < m; r++) {
            const i = ids ? ids[r]! : start + r;
            const off = r * k;
            let b1 = -Infinity;
            let b2 = -Infinity;
            let j1 = 0;
            for (let j = 0; j < k; j++) {
              const s = v[off + j]!;
              if (s > b1) {
                b2 = b1;
                b1 = s;
                j1 = j;
              } else if (s > b2) b2 = s;
            }
            assign[i] = j1;
            const sq = sqNorms[i]!;
            const slack = ROUNDING * d * (sq + cmax);
            upper[i] = Math.sqrt(Math.max(0, sq - b1) + slack);
            lower[i] = Math.sqrt(Math.max(0, sq - b2 - slack));
          }
        });
        scores.dispose();
        start += m;
      }
    } finally {
      tf.dispose([w!, bias!]);
    }
  }
}
