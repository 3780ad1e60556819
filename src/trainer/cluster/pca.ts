import * as tf from '@tensorflow/tfjs-core';
import { matMulAT } from '../backend/fast/linalg.js';
import { symmetricEigen } from './eigen.js';
import { rowBlock } from './rows.js';

export interface Pca {
  mean: tf.Tensor1D;
  /** d x m, unit columns in order of decreasing variance. */
  components: tf.Tensor2D;
  /** m: 1 / sqrt(eigenvalue + eps) when whitening, else ones. */
  scale: tf.Tensor1D;
  dispose(): void;
}

export interface PcaOptions {
  whiten?: boolean;
  /**
   * Added to each eigenvalue before whitening. Default: 1e-5 times the average variance, so that
   * directions with no variance (dead features) are not blown up to noise of size 1.
   */
  eps?: number;
  /** Rows per covariance chunk; default: as many as keep the chunk's copies under 32M floats. */
  batch?: number;
}

/** Default covariance chunk: its centred and transposed copies stay under 32M floats each whatever N is. */
const CHUNK_ELEMS = 1 << 25;

/**
 * PCA of the rows of x [N, d] from the d x d covariance (divided by N - 1, as scikit-learn): one
 * N d^2 matmul on the device plus a float64 eigen-decomposition of d x d in JS. Each component's
 * largest-magnitude entry is made positive, so the result does not depend on the solver's signs.
 */
export async function fitPca(x: tf.Tensor2D, dim: number, opts: PcaOptions = {}): Promise<Pca> {
  const [n, d] = x.shape;
  if (!Number.isInteger(dim) || dim < 1 || dim > d)
    throw new Error(`fitPca: dim must be an integer in 1..${d} (got ${dim})`);
  if (n < 2) throw new Error(`fitPca: needs at least 2 rows (got ${n})`);
  const mean = tf.mean(x, 0) as tf.Tensor1D;
  const rows = opts.batch ?? Math.max(1, Math.floor(CHUNK_ELEMS / d));
  if (!Number.isInteger(rows) || rows < 1)
    throw new Error(`fitPca: batch must be a positive integer (got ${opts.batch})`);
  // Chunks' products summed in float64; each symmetrised (its two float32 triangles may differ in
  // the last bits).
  const sym = new Float64Array(d * d);
  for (let r0 = 0; r0 < n; r0 += rows) {
    const part = tf.tidy(() => {
      const xc = tf.sub(rows >= n ? x : rowBlock(x, r0, Math.min(rows, n - r0)), mean) as tf.Tensor2D;
      return matMulAT(xc, xc);
    });
    const c = await part.data();
    part.dispose();
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) sym[i * d + j] += (c[i * d + j]! + c[j * d + i]!) / (2 * (n - 1));
    }
  }
  const { values, vectors } = symmetricEigen(sym, d);

  const comps = new Float32Array(d * dim);
  for (let j = 0; j < dim; j++) {
    const v = vectors.subarray(j * d, j * d + d);
    let big = 0;
    for (let i = 1; i < d; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
    const sign = v[big]! < 0 ? -1 : 1;
    for (let i = 0; i < d; i++) comps[i * dim + j] = sign * v[i]!;
  }
  let scale: Float32Array;
  if (opts.whiten) {
    let trace = 0;
    for (let i = 0; i < d; i++) trace += sym[i * d + i]!;
    const eps = opts.eps ?? (1e-5 * trace) / d;
    // Rounding can leave a zero-variance direction slightly negative.
    scale = Float32Array.from(values.subarray(0, dim), (l) => 1 / Math.sqrt(Math.max(l, 0) + eps));
  } else scale = new Float32Array(dim).fill(1);

  const components = tf.tensor2d(comps, [d, dim]);
  const scaleT = tf.tensor1d(scale);
  return { mean, components, scale: scaleT, dispose: () => tf.dispose([mean, components, scaleT]) };
}

/** (x - mean) @ components * scale. */
export function applyPca(p: Pick<Pca, 'mean' | 'components' | 'scale'>, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(tf.sub(x, p.mean), tf.mul(p.components, p.scale)));
}
