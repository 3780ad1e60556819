// The 2-D map: the same seed gives the same layout, and kNN preservation measures what it says.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../src/trainer/backend/index.js';
import { computeLayout, preservation } from '../../src/trainer/layout/umap.js';
import { Rng } from '../../src/trainer/util/rng.js';

before(async () => {
  await initBackend('wasm');
});

/** Three tight groups of 60 unit-ish vectors in 16 dims around random centres. */
function blobs(seed: number): { features: Float32Array; rows: number; dims: number } {
  const rng = new Rng(seed);
  const rows = 180;
  const dims = 16;
  const centres = Array.from({ length: 3 }, () => Array.from({ length: dims }, () => rng.normal()));
  const features = new Float32Array(rows * dims);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < dims; j++) features[i * dims + j] = centres[i % 3]![j]! + 0.2 * rng.normal();
  return { features, rows, dims };
}

test('the same seed lays out the same map; another seed another; groups stay apart', async () => {
  const { features, rows, dims } = blobs(1);
  const steps: number[] = [];
  const a = await computeLayout(features, rows, dims, {
    seed: 7,
    onProgress: (done, total) => steps.push(done / total),
  });
  const b = await computeLayout(features, rows, dims, { seed: 7 });
  const c = await computeLayout(features, rows, dims, { seed: 8 });
  assert.equal(a.xy.length, rows * 2);
  assert.ok(a.xy.every(Number.isFinite));
  assert.deepEqual(Array.from(a.xy), Array.from(b.xy), 'reproducible');
  assert.notDeepEqual(Array.from(a.xy), Array.from(c.xy));
  assert.match(a.method, /^umap \(pca 16, 15 neighbours, min dist 0\.1, seed 7\)$/);
  assert.equal(steps.at(-1), 1);
  assert.deepEqual(
    [...steps].sort((x, y) => x - y),
    steps,
    'progress only goes forward',
  );
  // Every point's nearest 2-D neighbour is in its own group.
  for (let i = 0; i < rows; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < rows; j++) {
      const d =
        j === i ? Infinity : (a.xy[2 * i]! - a.xy[2 * j]!) ** 2 + (a.xy[2 * i + 1]! - a.xy[2 * j + 1]!) ** 2;
      if (d < bestD) [best, bestD] = [j, d];
    }
    assert.equal(best % 3, i % 3, `point ${i}`);
  }
  assert.ok(a.knnPreservation > 0.2 && a.knnPreservation <= 1, `${a.knnPreservation}`);
});

test('kNN preservation: 1 for a layout that is the data, lower for a shuffled one', async () => {
  // Points on a circle: cosine neighbours are Euclidean neighbours in the plane.
  const rows = 60;
  const pts = Float32Array.from({ length: rows * 2 }, (_, t) =>
    (t % 2 ? Math.sin : Math.cos)((2 * Math.PI * Math.floor(t / 2)) / rows),
  );
  assert.equal(await preservation(pts, rows, 2, pts, 1), 1);
  const shuffled = new Float32Array(rows * 2);
  const p = new Rng(2).permutation(rows);
  for (let i = 0; i < rows; i++) shuffled.set(pts.subarray(2 * p[i]!, 2 * p[i]! + 2), 2 * i);
  assert.ok((await preservation(pts, rows, 2, shuffled, 1)) < 0.5);
  await assert.rejects(computeLayout(pts.subarray(0, 20), 10, 2, { seed: 1 }), /more than 15 images/);
});
