import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize } from '../losses/contrastive.js';
import { readScores } from './readScores.js';
import { gatherRows, rowBlock } from './rows.js';

export interface KnnResult {
  /** N * K, row-major: row i's neighbours, most similar first, i itself excluded. */
  indices: Int32Array;
  similarities: Float32Array;
}

/** Rows per block; a block of similarities is batch x batch floats (16 MB at 2048). */
const DEFAULT_BATCH = 2048;

/**
 * Exact K nearest neighbours of every row by cosine similarity. The similarity matrix is symmetric,
 * so only its blocks on and above the diagonal are computed, one batch x batch matmul each (half
 * the flops of row blocks against all rows), and every value of an off-diagonal block is offered
 * to both its row and its column. Ties go to the lower index, so the result does not depend on the
 * block size beyond float rounding. With `rows`, only those rows' neighbours (among all rows) are
 * searched, row r of the result being rows[r]'s: rows x N similarities, for a sample of a big set.
 */
export async function knnCosine(
  x: tf.Tensor2D,
  K: number,
  opts: { batch?: number; rows?: Int32Array } = {},
): Promise<KnnResult> {
  const n = x.shape[0];
  if (!Number.isInteger(K) || K < 1 || K >= n)
    throw new Error(`knnCosine: K must be an integer in 1..${n - 1} (got ${K})`);
  const batch = Math.min(n, opts.batch ?? DEFAULT_BATCH);
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`knnCosine: batch must be a positive integer (got ${opts.batch})`);
  const blocks = Math.ceil(n / batch);
  const size = (b: number) => Math.min(batch, n - b * batch);

  const z = l2Normalize(x);
  // Right-hand operands as d x batch blocks of z^T, transposed once: a transposed operand in the
  // matmul itself is ~10x slower on wasm.
  const cols = Array.from({ length: blocks }, (_, b) =>
    tf.tidy(() => tf.transpose(rowBlock(z, b * batch, size(b)))),
  );
  if (opts.rows) return knnOfRows(z, cols, opts.rows, K, batch).finally(() => tf.dispose([z, ...cols]));
  const best = new TopK(n, K);
  try {
    for (let i = 0; i < blocks; i++) {
      const rows = rowBlock(z, i * batch, size(i));
      for (let j = i; j < blocks; j++) {
        const s = tf.matMul(rows, cols[j]!);
        await readScores(s, (v) => best.offerBlock(v, i * batch, size(i), j * batch, size(j), i !== j));
        s.dispose();
      }
      rows.dispose();
    }
  } finally {
    tf.dispose([z, ...cols]);
  }
  return resultOf(best);
}

/** The K nearest of the rows `rows` of z (unit rows) among all rows; cols are z^T in blocks of `batch`. */
async function knnOfRows(
  z: tf.Tensor2D,
  cols: tf.Tensor2D[],
  rows: Int32Array,
  K: number,
  batch: number,
): Promise<KnnResult> {
  const best = new TopK(rows.length, K, rows);
  for (let r0 = 0; r0 < rows.length; r0 += batch) {
    const nr = Math.min(batch, rows.length - r0);
    const q = gatherRows(z, rows.subarray(r0, r0 + nr));
    for (let j = 0; j < cols.length; j++) {
      const s = tf.matMul(q, cols[j]!);
      await readScores(s, (v) => best.offerBlock(v, r0, nr, j * batch, cols[j]!.shape[1], false));
      s.dispose();
    }
    q.dispose();
  }
  return resultOf(best);
}

function resultOf(best: TopK): KnnResult {
  if (best.indices.includes(-1))
    throw new Error('knnCosine: non-finite similarities (NaN or infinite values in x)');
  return { indices: best.indices, similarities: best.values };
}

/** The K best (similarity, index) of every row, sorted by similarity descending, then index. */
class TopK {
  readonly values: Float32Array;
  readonly indices: Int32Array;
  /** Each row's current K-th value, contiguous for the scan. */
  private readonly kth: Float32Array;

  /** `self[row]`: the index a row must not list as its own neighbour (default: the row itself). */
  constructor(
    n: number,
    private readonly K: number,
    private readonly self?: Int32Array,
  ) {
    this.values = new Float32Array(n * K).fill(-Infinity);
    this.indices = new Int32Array(n * K).fill(-1);
    this.kth = new Float32Array(n).fill(-Infinity);
  }

  /**
   * A block of similarities between rows r0.. (nr of them) and rows c0.. (nc): each value goes to
   * its row's list, and with `both` also to its column's. On the diagonal block, self is skipped.
   */
  offerBlock(v: Float32Array, r0: number, nr: number, c0: number, nc: number, both: boolean): void {
    const kth = this.kth;
    for (let r = 0; r < nr; r++) {
      const row = r0 + r;
      const me = this.self ? this.self[row]! : row;
      const off = r * nc;
      let t = kth[row]!;
      for (let c = 0; c < nc; c++) {
        const s = v[off + c]!;
        // >= lets ties reach insert, which orders them by index.
        if (s >= t && c0 + c !== me) {
          this.insert(row, s, c0 + c);
          t = kth[row]!;
        }
        if (both && s >= kth[c0 + c]!) this.insert(c0 + c, s, row);
      }
    }
  }

  private insert(row: number, s: number, index: number): void {
    const { values, indices, K } = this;
    const base = row * K;
    let p = base + K - 1;
    if (s < values[p]! || (s === values[p] && index > indices[p]!)) return;
    for (; p > base && (values[p - 1]! < s || (values[p - 1] === s && indices[p - 1]! > index)); p--) {
      values[p] = values[p - 1]!;
      indices[p] = indices[p - 1]!;
    }
    values[p] = s;
    indices[p] = index;
    this.kth[row] = values[base + K - 1]!;
  }
}
