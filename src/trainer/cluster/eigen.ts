/**
 * Eigen-decomposition of a small dense symmetric matrix in float64 JS: Householder reduction to
 * tridiagonal form, then implicit QR steps with Wilkinson shifts. PCA needs this for a d x d
 * covariance (d up to a few hundred), where it costs about 10 d^3 flops.
 *
 * The orthogonal factor is kept transposed (row i = i-th basis vector) so that both the
 * reflections and the rotations update contiguous rows.
 */

export interface SymmetricEigen {
  /** Descending. */
  values: Float64Array;
  /** Row-major n x n; row j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

const EPS = Number.EPSILON;

/** `a` is row-major n x n and symmetric (only its lower triangle is read); it is not modified. */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} entries, got ${a.length}`);
  const s = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const z = tridiagonalize(s, n, d, e);
  diagonalize(d, e, z, n);
  return sortDescending(d, z, n);
}

/**
 * Reduces s (its lower triangle is used and overwritten) to a tridiagonal T = Q^T s Q with diagonal
 * d and off-diagonal e, and returns Z = Q^T. Step k reflects rows/columns k+1.. so that column k is
 * zero below k+1. Only the lower triangle is updated; S v reads it row by row, adding each entry's
 * mirror image into the output as it goes, so every loop is contiguous.
 */
function tridiagonalize(s: Float64Array, n: number, d: Float64Array, e: Float64Array): Float64Array {
  // Householder vectors by rows (row k: step k's v) and their 2 / v.v.
  const vs = new Float64Array(n * n);
  const betas = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    const lo = k + 1;
    const v = vs.subarray(k * n, k * n + n);
    let tail = 0;
    for (let i = lo + 1; i < n; i++) {
      v[i] = s[i * n + k]!;
      tail += v[i]! * v[i]!;
    }
    const x0 = s[lo * n + k]!;
    if (tail === 0) {
      e[k] = x0;
      continue;
    }
    const norm = Math.sqrt(x0 * x0 + tail);
    // The sign that avoids cancellation in v[lo].
    const alpha = x0 >= 0 ? -norm : norm;
    v[lo] = x0 - alpha;
    const beta = 2 / (v[lo]! * v[lo]! + tail);
    betas[k] = beta;
    e[k] = alpha;
    // H S H = S - v w^T - w v^T on the trailing block, with p = beta S v, w = p - (beta p.v / 2) v.
    w.fill(0, lo, n);
    for (let i = lo; i < n; i++) {
      const row = i * n;
      const vi = v[i]!;
      let acc = s[row + i]! * vi;
      for (let j = lo; j < i; j++) {
        const a = s[row + j]!;
        acc += a * v[j]!;
        w[j] = w[j]! + a * vi;
      }
      w[i] = w[i]! + acc;
    }
    let pv = 0;
    for (let i = lo; i < n; i++) {
      w[i] = beta * w[i]!;
      pv += w[i]! * v[i]!;
    }
    const half = (beta * pv) / 2;
    for (let i = lo; i < n; i++) w[i] = w[i]! - half * v[i]!;
    for (let i = lo; i < n; i++) {
      const row = i * n;
      const vi = v[i]!;
      const wi = w[i]!;
      for (let j = lo; j <= i; j++) s[row + j] = s[row + j]! - vi * w[j]! - wi * v[j]!;
    }
  }
  for (let i = 0; i < n; i++) d[i] = s[i * n + i]!;
  if (n >= 2) e[n - 2] = s[(n - 1) * n + n - 2]!;

  // Z = Q^T = H_{n-3} ... H_0, built from the right: before step k the product so far is the
  // identity outside the trailing block from k+2, so Z H_k changes rows and columns k+1.. only.
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k]!;
    if (beta === 0) continue;
    const lo = k + 1;
    const v = vs.subarray(k * n, k * n + n);
    for (let r = lo; r < n; r++) {
      const row = r * n;
      let dot = 0;
      for (let c = lo; c < n; c++) dot += z[row + c]! * v[c]!;
      const f = beta * dot;
      for (let c = lo; c < n; c++) z[row + c] = z[row + c]! - f * v[c]!;
    }
  }
  return z;
}

/**
 * Implicit symmetric QR on the tridiagonal (d, e): e is driven to zero, d becomes the
 * eigenvalues, and every rotation R applied as T <- R T R^T is applied to the rows of Z.
 */
function diagonalize(d: Float64Array, e: Float64Array, z: Float64Array, n: number): void {
  let scale = 0;
  for (let i = 0; i < n; i++)
    scale = Math.max(
      scale,
      Math.abs(d[i]!) + (i > 0 ? Math.abs(e[i - 1]!) : 0) + (i < n - 1 ? Math.abs(e[i]!) : 0),
    );
  // Below this an off-diagonal is zero at working precision even next to zero diagonals.
  const floor = EPS * EPS * scale;
  const negligible = (i: number) =>
    Math.abs(e[i]!) <= EPS * (Math.abs(d[i]!) + Math.abs(d[i + 1]!)) || Math.abs(e[i]!) <= floor;
  let hi = n - 1;
  let steps = 0;
  while (hi > 0) {
    if (negligible(hi - 1)) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0 && !negligible(lo - 1)) lo--;
    if (++steps > 50 * n) throw new Error('symmetricEigen: QR iteration did not converge');
    qrStep(d, e, z, n, lo, hi);
  }
}

/** One shifted QR step on the unreduced block lo..hi, chasing the bulge down with rotations. */
function qrStep(d: Float64Array, e: Float64Array, z: Float64Array, n: number, lo: number, hi: number): void {
  // Wilkinson shift: the eigenvalue of the trailing 2 x 2 nearer d[hi].
  const delta = (d[hi - 1]! - d[hi]!) / 2;
  const eh = e[hi - 1]!;
  const shift = d[hi]! - (eh * eh) / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, eh));
  let x = d[lo]! - shift;
  let y = e[lo]!;
  for (let k = lo; k < hi; k++) {
    const r = Math.hypot(x, y);
    const c = r === 0 ? 1 : x / r;
    const sn = r === 0 ? 0 : y / r;
    if (k > lo) e[k - 1] = r;
    const a = d[k]!;
    const b = e[k]!;
    const cc = d[k + 1]!;
    d[k] = c * c * a + 2 * c * sn * b + sn * sn * cc;
    d[k + 1] = sn * sn * a - 2 * c * sn * b + c * c * cc;
    e[k] = c * sn * (cc - a) + (c * c - sn * sn) * b;
    if (k + 1 < hi) {
      // The rotation moves part of e[k+1] into the bulge at (k+2, k).
      y = sn * e[k + 1]!;
      e[k + 1] = c * e[k + 1]!;
    }
    x = e[k]!;
    const p = k * n;
    const q = p + n;
    for (let j = 0; j < n; j++) {
      const zp = z[p + j]!;
      const zq = z[q + j]!;
      z[p + j] = c * zp + sn * zq;
      z[q + j] = c * zq - sn * zp;
    }
  }
}

function sortDescending(d: Float64Array, z: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]! || i - j);
  const values = Float64Array.from(order, (i) => d[i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => vectors.set(z.subarray(from * n, from * n + n), to * n));
  return { values, vectors };
}
