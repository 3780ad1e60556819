// The clustering kernels (k-means, exact cosine kNN, PCA) on hand-checkable cases, on cpu and wasm.
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/trainer/backend/index.js';
import { symmetricEigen } from '../../src/trainer/cluster/eigen.js';
import { ClusterSums } from '../../src/trainer/cluster/clusterSums.js';
import { kmeans } from '../../src/trainer/cluster/kmeans.js';
import { knnCosine } from '../../src/trainer/cluster/knn.js';
import { NearestCentroids } from '../../src/trainer/cluster/nearest.js';
import { applyPca, fitPca } from '../../src/trainer/cluster/pca.js';
import { gatherRows, rowBlock } from '../../src/trainer/cluster/rows.js';
import { ari } from '../../src/common/eval/metrics.js';
import { Rng } from '../../src/trainer/util/rng.js';

before(async () => {
  await initBackend('wasm');
});

const near = (actual: number, expected: number, tol: number, msg = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${msg} ${actual} != ${expected} (tol ${tol})`);

/** Rows of a row-major matrix, as arrays. */
const rowsOf = (a: ArrayLike<number>, cols: number) =>
  Array.from({ length: a.length / cols }, (_, i) => Array.from(a).slice(i * cols, i * cols + cols));

/** A Householder reflection I - 2 u u^T / u.u: a symmetric orthogonal matrix with known rows. */
function reflection(u: number[]): number[][] {
  const uu = u.reduce((s, v) => s + v * v, 0);
  return u.map((ui, i) => u.map((uj, j) => (i === j ? 1 : 0) - (2 * ui * uj) / uu));
}

/** Unit vector up to sign, with its largest-magnitude entry positive. */
function canonical(v: number[]): number[] {
  const big = v.reduce((b, x, i) => (Math.abs(x) > Math.abs(v[b]!) ? i : b), 0);
  return v[big]! < 0 ? v.map((x) => -x) : v;
}

describe('symmetricEigen', () => {
  test('recovers Q diag(5, 3, 1, 0.5) Q^T', () => {
    const q = reflection([1, 2, -1, 3]);
    const lambda = [0.5, 3, 5, 1];
    const a = new Float64Array(16);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++)
        a[i * 4 + j] = q.reduce((s, row, k) => s + lambda[k]! * row[i]! * row[j]!, 0);
    const { values, vectors } = symmetricEigen(a, 4);
    assert.deepEqual(
      Array.from(values, (v) => +v.toFixed(12)),
      [5, 3, 1, 0.5],
    );
    const want = [2, 1, 3, 0].map((k) => canonical(q[k]!));
    rowsOf(vectors, 4).forEach((v, j) =>
      canonical(v).forEach((x, i) => near(x, want[j]![i]!, 1e-12, `vector ${j}[${i}]`)),
    );
  });

  test('a random 40 x 40: A v = lambda v, orthonormal, descending', () => {
    const n = 40;
    const rng = new Rng(4);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = symmetricEigen(a, n);
    const v = rowsOf(vectors, n);
    for (let k = 0; k < n; k++) {
      if (k > 0) assert.ok(values[k - 1]! >= values[k]!);
      for (let i = 0; i < n; i++)
        near(
          v[k]!.reduce((s, x, j) => s + a[i * n + j]! * x, 0),
          values[k]! * v[k]![i]!,
          1e-11,
          `row ${i} of A v${k}`,
        );
      for (let l = 0; l < n; l++)
        near(
          v[k]!.reduce((s, x, j) => s + x * v[l]![j]!, 0),
          k === l ? 1 : 0,
          1e-12,
          `v${k}.v${l}`,
        );
    }
  });

  test('degenerate matrices: zero, identity, rank one', () => {
    assert.deepEqual(Array.from(symmetricEigen(new Float64Array(9), 3).values), [0, 0, 0]);
    assert.deepEqual(Array.from(symmetricEigen(Float64Array.of(1, 0, 0, 1), 2).values), [1, 1]);
    const r1 = symmetricEigen(new Float64Array(9).fill(1), 3);
    near(r1.values[0]!, 3, 1e-12);
    canonical(Array.from(r1.vectors.subarray(0, 3))).forEach((x) => near(x, 1 / Math.sqrt(3), 1e-12));
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`on ${backend}`, () => {
    before(async () => {
      assert.ok(await tf.setBackend(backend));
    });

    test('row selection: gathered rows and row blocks, also of a tensor made on the other backend', async () => {
      const data = [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ];
      await tf.setBackend(backend === 'cpu' ? 'wasm' : 'cpu');
      const elsewhere = tf.tensor2d(data);
      await tf.setBackend(backend);
      const here = tf.tensor2d(data);
      for (const x of [here, elsewhere]) {
        const g = gatherRows(x, [3, 0, 3]);
        const b = rowBlock(x, 1, 2);
        assert.deepEqual(await g.array(), [data[3], data[0], data[3]]);
        assert.deepEqual(await b.array(), [data[1], data[2]]);
        tf.dispose([g, b]);
      }
      tf.dispose([here, elsewhere]);
    });

    test('k-means: two clusters with known centroids and inertia', async () => {
      // (0,0) (1,0) (2,0) -> centroid (1,0), inertia 1 + 0 + 1; (10,10) (10,12) -> (10,11), inertia 2.
      const x = tf.tensor2d([
        [10, 10],
        [0, 0],
        [1, 0],
        [10, 12],
        [2, 0],
      ]);
      const km = await kmeans(x, { k: 2, rng: new Rng(1), restarts: 2 });
      const a = km.assign;
      assert.ok(a[1] === a[2] && a[2] === a[4] && a[0] === a[3] && a[0] !== a[1], `assign ${a}`);
      const c = rowsOf(await km.centroids.data(), 2);
      assert.deepEqual(
        c[a[1]!]!.map((v) => +v.toFixed(5)),
        [1, 0],
      );
      assert.deepEqual(
        c[a[0]!]!.map((v) => +v.toFixed(5)),
        [10, 11],
      );
      near(km.inertia, 4, 1e-4);
      assert.equal(km.reseeded, 0);
      tf.dispose([x, km.centroids]);
    });

    test('k-means: well-separated blobs are recovered (ARI 1), deterministically', async () => {
      const { x, truth } = blobs(new Rng(7), 6, 40, 5);
      const opts = () => ({ k: 6, rng: new Rng(3) });
      const km = await kmeans(x, opts());
      assert.equal(ari(km.assign, truth), 1);
      const again = await kmeans(x, opts());
      assert.deepEqual(again.assign, km.assign);
      assert.equal(again.inertia, km.inertia);
      // The same seed's first restart is the single run above, so more restarts cannot do worse.
      const more = await kmeans(x, { ...opts(), restarts: 4 });
      assert.ok(more.inertia <= km.inertia + 1e-6);
      // Assignment in blocks of 7 rows: the same clustering.
      const blocked = await kmeans(x, { ...opts(), batch: 7 });
      assert.deepEqual(blocked.assign, km.assign);
      near(blocked.inertia, km.inertia, 1e-6 * km.inertia);
      // Converged long before 20 iterations: tol stops there.
      const early = await kmeans(x, { ...opts(), tol: 1e-6 });
      assert.ok(early.iters < 20, `iters ${early.iters}`);
      assert.equal(ari(early.assign, truth), 1);
      tf.dispose([x, km.centroids, again.centroids, more.centroids, blocked.centroids, early.centroids]);
    });

    test('k-means: the inertia of 800,000 terms is summed accurately', async () => {
      // A float32 sum of this many terms drifts by ~1% (it did, at 60,000 x 128); float64 does not.
      const n = 100_000;
      const d = 8;
      const rng = new Rng(13);
      const data = Float32Array.from(
        { length: n * d },
        (_, t) => (Math.floor(t / d) % 2) * 50 + rng.normal(),
      );
      const x = tf.tensor2d(data, [n, d]);
      const km = await kmeans(x, { k: 2, rng: new Rng(1), iters: 3 });
      const c = await km.centroids.data();
      let want = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < d; j++) want += (data[i * d + j]! - c[km.assign[i]! * d + j]!) ** 2;
      near(km.inertia, want, 1e-5 * want);
      tf.dispose([x, km.centroids]);
    });

    test('k-means: more clusters than distinct points re-seeds the empty ones by splitting', async () => {
      // 3 distinct points, 4 copies each, k = 5: duplicate centroids tie and leave clusters empty.
      const pts = [
        [0, 0],
        [5, 5],
        [-4, 6],
      ];
      const x = tf.tensor2d(Array.from({ length: 12 }, (_, i) => pts[i % 3]!));
      const km = await kmeans(x, { k: 5, rng: new Rng(2), iters: 5 });
      assert.ok(km.reseeded > 0, 'reseeded');
      const sizes = new Array(5).fill(0);
      km.assign.forEach((c) => sizes[c]++);
      assert.ok(
        sizes.every((s) => s > 0),
        `sizes ${sizes}`,
      );
      // Every cluster holds copies of one point, so the inertia is 0.
      km.assign.forEach((c, i) =>
        assert.equal(km.assign.filter((c2, j) => c2 === c && j % 3 !== i % 3).length, 0),
      );
      near(km.inertia, 0, 1e-5);
      tf.dispose([x, km.centroids]);
    });

    test('k-means: k = n gives every row its own cluster', async () => {
      const x = tf.tensor2d([[0], [1], [3]]);
      const km = await kmeans(x, { k: 3, rng: new Rng(5) });
      assert.deepEqual([...km.assign].sort(), [0, 1, 2]);
      near(km.inertia, 0, 1e-6);
      await assert.rejects(kmeans(x, { k: 4, rng: new Rng(5) }), /k must be/);
      tf.dispose([x, km.centroids]);
    });

    test('nearest centroids under moving centroids: bounds skip rows, assignments stay exact', async () => {
      const n = 300;
      const d = 5;
      const k = 7;
      const rng = new Rng(21);
      const data = gaussian(rng, n * d, 4);
      const x = tf.tensor2d(data, [n, d]);
      const sqNorms = Float64Array.from(rowsOf(data, d), (r) => r.reduce((a, v) => a + v * v, 0));
      // Blocks of 64 rows, as kmeans cuts them for a batch of 64.
      const blocks = Array.from({ length: 5 }, (_, b) =>
        tf.tensor2d(data.slice(b * 64 * d, Math.min(n, b * 64 + 64) * d), [Math.min(64, n - b * 64), d]),
      );
      const near = new NearestCentroids(x, blocks, sqNorms, 64);
      let host = Float32Array.from({ length: k * d }, () => 4 * rng.normal());
      let c = tf.tensor2d(host, [k, d]);
      await near.all(c, host);
      const brute = () =>
        rowsOf(data, d).map((r) => {
          const dist = rowsOf(host, d).map((cj) => cj.reduce((a, v, t) => a + (v - r[t]!) ** 2, 0));
          return dist.indexOf(Math.min(...dist));
        });
      assert.deepEqual(Array.from(near.assign), brute());
      // Small moves re-score few rows; one large move re-scores many; the result is always exact.
      for (const step of [0.05, 0.05, 3, 0.01]) {
        const before = host;
        host = Float32Array.from(before, (v) => v + step * rng.normal());
        c.dispose();
        c = tf.tensor2d(host, [k, d]);
        const rescored = await near.moved(c, before, host);
        assert.deepEqual(Array.from(near.assign), brute(), `after a move of ${step}`);
        if (step < 0.1) assert.ok(rescored < n / 4, `${rescored} rows re-scored after a move of ${step}`);
      }
      tf.dispose([x, c, ...blocks]);
    });

    test('cluster sums: incremental updates give the means of a fresh sum', async () => {
      const n = 40;
      const d = 3;
      const k = 4;
      const data = gaussian(new Rng(8), n * d);
      const x = tf.tensor2d(data, [n, d]);
      const assign = Int32Array.from({ length: n }, (_, i) => i % k);
      const sums = new ClusterSums(x, k);
      sums.means(assign).dispose();
      // Three rows change cluster: the incremental path (fewer than a quarter moved).
      assign[0] = 3;
      assign[5] = 2;
      assign[10] = 0;
      const means = sums.means(assign);
      const got = await means.data();
      const want = new Float64Array(k * d);
      const counts = new Array(k).fill(0);
      assign.forEach((a, i) => {
        counts[a]++;
        for (let j = 0; j < d; j++) want[a * d + j] += data[i * d + j]!;
      });
      want.forEach((v, t) => near(got[t]!, v / counts[Math.floor(t / d)], 1e-5, `mean ${t}`));
      sums.dispose();
      tf.dispose([x, means]);
    });

    test('kNN equals a brute-force reference, self excluded, whatever the block size', async () => {
      const n = 70;
      const d = 9;
      const K = 6;
      const data = gaussian(new Rng(11), n * d);
      // Row 5 twice (as row 40): each is the other's nearest, at similarity 1.
      data.copyWithin(40 * d, 5 * d, 6 * d);
      const want = bruteKnn(data, n, d, K);
      const x = tf.tensor2d(data, [n, d]);
      for (const batch of [undefined, 16, 1, 69]) {
        const got = await knnCosine(x, K, batch === undefined ? {} : { batch });
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < K; j++) {
            const p = i * K + j;
            assert.notEqual(got.indices[p], i, `self in row ${i}`);
            near(got.similarities[p]!, want.similarities[p]!, 2e-6, `similarity ${i},${j}`);
            // Near-equal similarities may come out in either order: then the one returned is as similar.
            if (got.indices[p] !== want.indices[p])
              near(want.sim(i, got.indices[p]!), want.similarities[p]!, 2e-6, `row ${i} rank ${j}`);
          }
          assert.equal(
            new Set(got.indices.subarray(i * K, i * K + K)).size,
            K,
            `row ${i} repeats a neighbour`,
          );
        }
        assert.equal(got.indices[5 * K], 40);
        assert.equal(got.indices[40 * K], 5);
      }
      await assert.rejects(knnCosine(x, n), /K must be/);
      x.dispose();
    });

    test('PCA: components are the known eigenvectors; whitened output has identity covariance', async () => {
      const q = reflection([2, -1, 1, 1, 3]);
      const amp = [1, 4, 2, 0.5, 3];
      // Rows mean +- amp_k q_k: covariance sum_k 2 amp_k^2 q_k q_k^T / (n - 1), eigenvectors q_k.
      const mean = [3, -2, 1, 0, 5];
      const rows = q.flatMap((qk, k) => [1, -1].map((s) => qk.map((v, i) => mean[i]! + s * amp[k]! * v)));
      const x = tf.tensor2d(rows);
      const p = await fitPca(x, 3);
      near(Math.max(...(await p.mean.data()).map((m, i) => Math.abs(m - mean[i]!))), 0, 1e-5, 'mean');
      const comps = rowsOf(await p.components.data(), 3);
      [1, 4, 2].forEach((k, j) =>
        canonical(q[k]!).forEach((v, i) => near(comps[i]![j]!, v, 1e-5, `component ${j}[${i}]`)),
      );
      assert.deepEqual(Array.from(await p.scale.data()), [1, 1, 1]);
      p.dispose();

      const w = await fitPca(x, 5, { whiten: true, eps: 0 });
      const scale = await w.scale.data();
      [4, 3, 2, 1, 0.5].forEach((a, j) =>
        near(scale[j]!, 1 / Math.sqrt((2 * a * a) / 9), 1e-4, `scale ${j}`),
      );
      x.dispose();
      w.dispose();

      // Correlated random data: the whitened projection has zero mean and identity covariance.
      const rng = new Rng(9);
      const n = 300;
      const mix = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => rng.normal()));
      const raw = Array.from({ length: n }, () => {
        const z = mix.map(() => rng.normal());
        return mix.map((row) => 7 + row.reduce((s, m, i) => s + m * z[i]!, 0));
      });
      const xr = tf.tensor2d(raw);
      const pw = await fitPca(xr, 4, { whiten: true, eps: 0 });
      const y = rowsOf(await applyPca(pw, xr).data(), 4);
      // The covariance summed over chunks of 7 rows: the same components.
      const chunked = await fitPca(xr, 4, { whiten: true, eps: 0, batch: 7 });
      const [c1, c2] = [await pw.components.data(), await chunked.components.data()];
      c1.forEach((v, i) => near(c2[i]!, v, 1e-4, `chunked component entry ${i}`));
      chunked.dispose();
      for (let a = 0; a < 4; a++) {
        near(y.reduce((s, r) => s + r[a]!, 0) / n, 0, 1e-4, `mean ${a}`);
        for (let b = 0; b < 4; b++)
          near(y.reduce((s, r) => s + r[a]! * r[b]!, 0) / (n - 1), a === b ? 1 : 0, 1e-3, `cov ${a},${b}`);
      }
      tf.dispose([xr]);
      pw.dispose();
    });
  });
}

/** n standard normal draws times `scale`. */
function gaussian(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** `per` points around each of k centres far apart (spread 1, centres ~30 apart), shuffled. */
function blobs(rng: Rng, k: number, per: number, d: number): { x: tf.Tensor2D; truth: Int32Array } {
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 30 * rng.normal()));
  const order = rng.permutation(k * per);
  const truth = Int32Array.from(order, (o) => o % k);
  const x = tf.tensor2d(Array.from(truth, (c) => centres[c]!.map((m) => m + rng.normal())));
  return { x, truth };
}

/** Cosine kNN in float64 by sorting every row (ties to the lower index), and the similarity of any pair. */
function bruteKnn(data: Float32Array, n: number, d: number, K: number) {
  const unit = rowsOf(data, d).map((r) => {
    const norm = Math.hypot(...r);
    return r.map((v) => v / norm);
  });
  const indices = new Int32Array(n * K);
  const similarities = new Float64Array(n * K);
  const sim = (i: number, j: number) => unit[i]!.reduce((acc, v, t) => acc + v * unit[j]![t]!, 0);
  for (let i = 0; i < n; i++) {
    const sims = unit.map((_, j) => ({ j, s: sim(i, j) })).filter((c) => c.j !== i);
    sims.sort((a, b) => b.s - a.s || a.j - b.j);
    sims.slice(0, K).forEach((c, r) => {
      indices[i * K + r] = c.j;
      similarities[i * K + r] = c.s;
    });
  }
  return { indices, similarities, sim };
}
