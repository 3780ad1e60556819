// Label-free scores and merge candidates on cases small enough to compute by hand (the comments
// show the arithmetic), and the trainer's sampled kNN against the exact pure search.
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  confidenceScores,
  knnConsistency,
  knnCosineExact,
  mergeCandidates,
  silhouetteCosine,
  sizeBalance,
} from '../../src/common/eval/labelFree.js';
import { initBackend } from '../../src/trainer/backend/index.js';
import { knnCosine } from '../../src/trainer/cluster/knn.js';
import { sampleRows, scoreLabelFree } from '../../src/trainer/run/labelFreeScores.js';
import { Rng } from '../../src/trainer/util/rng.js';

const near = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} != ${expected}`);

test('confidence: the mean of the images, and of each cluster (0 for an empty one)', () => {
  // (0.9 + 0.7 + 0.6) / 3; cluster 0: (0.9 + 0.7) / 2; cluster 1: 0.6; cluster 2: empty.
  const s = confidenceScores([0, 0, 1], [0.9, 0.7, 0.6], 3);
  near(s.confidence, 2.2 / 3);
  assert.equal(s.clusterConfidence.length, 3);
  near(s.clusterConfidence[0]!, 0.8);
  near(s.clusterConfidence[1]!, 0.6);
  assert.equal(s.clusterConfidence[2], 0);
});

test('balance: entropy of the sizes over log k; equal sizes 1, one cluster 0, an empty cluster lowers it', () => {
  near(sizeBalance([0, 1, 0, 1], 2), 1);
  near(sizeBalance([0, 0, 0, 0], 2), 0);
  // Sizes 3 and 1: -(0.75 ln 0.75 + 0.25 ln 0.25) / ln 2 = 0.811278...
  near(sizeBalance([0, 0, 0, 1], 2), 0.8112781244591328);
  // Sizes 2, 2, 0: ln 2 / ln 3.
  near(sizeBalance([0, 0, 1, 1], 3), Math.log(2) / Math.log(3));
});

test('kNN consistency: the share of neighbours in the same cluster, for all images or a sample of anchors', () => {
  const cluster = [0, 0, 1, 1];
  // K = 1: 0 -> 1 same, 1 -> 2 not, 2 -> 3 same, 3 -> 2 same: 3 of 4.
  near(knnConsistency(cluster, [1, 2, 3, 2], 1), 0.75);
  // K = 2: 0 -> {1 same, 2 not}, 1 -> {0 same, 3 not}, 2 -> {3 same, 0 not}, 3 -> {2 same, 1 not}: 4 of 8.
  near(knnConsistency(cluster, [1, 2, 0, 3, 3, 0, 2, 1], 2), 0.5);
  // Anchors 3 and 1 with neighbours 2 and 0: both same.
  near(knnConsistency(cluster, [2, 0], 1, [3, 1]), 1);
});

// Unit and non-unit vectors: p0 = (1, 0), p1 = 2 (0.8, 0.6), p2 = (0, 1), p3 = (-1, 0).
const PTS = new Float32Array([1, 0, 1.6, 1.2, 0, 1, -1, 0]);

test('exact cosine kNN: by cosine (length ignored), self excluded, ties to the lower index', () => {
  // cos: p0.p1 .8, p0.p2 0, p0.p3 -1, p1.p2 .6, p1.p3 -.8, p2.p3 0.
  // p2's second neighbour is p0 or p3 (both 0): the lower index.
  assert.deepEqual(Array.from(knnCosineExact(PTS, 2, 2)), [1, 2, 0, 2, 1, 0, 2, 1]);
  assert.deepEqual(Array.from(knnCosineExact(PTS, 2, 1, [3, 0])), [2, 1]);
});

test('silhouette on cosine distance: hand-computed, sampled, and the degenerate cases', () => {
  // Cluster 0 = {p0 (1,0), p1 (0,1)}, cluster 1 = {p2 (-1,0)}; d = 1 - cos: d01 = 1, d02 = 2, d12 = 1.
  // s0 = (b - a) / max = (2 - 1) / 2 = .5; s1 = (1 - 1) / 1 = 0; s2 alone in its cluster = 0. Mean 1/6.
  const three = new Float32Array([1, 0, 0, 1, -1, 0]);
  near(silhouetteCosine(three, 2, [0, 0, 1]), 1 / 6, 1e-7);
  // Adding p3 = (0, -1) to cluster 1: d03 = 1, d13 = 2, d23 = 1; every a = 1, every b = 1.5: s = 1/3 each.
  const four = new Float32Array([1, 0, 0, 1, -1, 0, 0, -1]);
  near(silhouetteCosine(four, 2, [0, 0, 1, 1]), 1 / 3, 1e-7);
  // Sampling 0, 1, 2 of the four is the three-point case; sampling 0 and 2 leaves each alone: 0.
  near(silhouetteCosine(four, 2, [0, 0, 1, 1], [0, 1, 2]), 1 / 6, 1e-7);
  assert.equal(silhouetteCosine(four, 2, [0, 0, 1, 1], [0, 2]), 0);
  assert.equal(silhouetteCosine(four, 2, [0, 0, 0, 0]), 0, 'one cluster: no silhouette');
});

test("merge candidates: crossing links over the pair's links, best first, a < b, cut to top", () => {
  const cluster = [0, 0, 1, 1, 2];
  // K = 2. Row 0 (c0) -> 1, 2: one 0-1 link; row 1 (c0) -> 2, 3: two 0-1; row 2 (c1) -> 3, 4: one 1-2;
  // row 3 (c1) -> 2, 0: one 0-1; row 4 (c2) -> 2, 0: one 1-2 and one 0-2.
  // 0-1: 4 links / (2 (2 + 2)) = .5; 1-2: 2 / (2 (2 + 1)) = 1/3; 0-2: 1 / (2 (2 + 1)) = 1/6.
  const nb = [1, 2, 2, 3, 3, 4, 2, 0, 2, 0];
  const m = mergeCandidates(cluster, nb, 2, 3);
  assert.deepEqual(
    m.map((c) => [c.a, c.b, c.count]),
    [
      [0, 1, 4],
      [1, 2, 2],
      [0, 2, 1],
    ],
  );
  near(m[0]!.score, 0.5);
  near(m[1]!.score, 1 / 3);
  near(m[2]!.score, 1 / 6);
  assert.equal(mergeCandidates(cluster, nb, 2, 3, undefined, 2).length, 2);
  assert.deepEqual(mergeCandidates([0, 0, 1, 1], [1, 0, 3, 2], 1, 2), [], 'no crossing links, no candidates');
});

test("the trainer kernel's kNN of sampled rows is the exact kNN of those rows among all", async () => {
  await initBackend('wasm');
  const rng = new Rng(3);
  const n = 300;
  const d = 8;
  const f = Float32Array.from({ length: n * d }, () => rng.normal());
  const rows = sampleRows(n, 40, 42, 'knn')!;
  assert.equal(rows.length, 40);
  assert.ok(
    rows.every((r, i) => i === 0 || r > rows[i - 1]!),
    'sorted, distinct',
  );
  assert.deepEqual(Array.from(sampleRows(n, 40, 42, 'knn')!), Array.from(rows), 'the same sample every time');
  const x = tf.tensor2d(f, [n, d]);
  const got = await knnCosine(x, 10, { rows, batch: 64 });
  x.dispose();
  assert.deepEqual(Array.from(got.indices), Array.from(knnCosineExact(f, d, 10, rows)));
});

test('scoreLabelFree: scores and merges of a clustering that splits two tight groups into three clusters', async () => {
  await initBackend('wasm');
  const rng = new Rng(5);
  // Two groups around opposite directions; group A is split into clusters 0 and 1 at random, B is cluster 2.
  const n = 60;
  const d = 4;
  const features = new Float32Array(n * d);
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = i < 40;
    features.set(
      [(a ? 1 : -1) + 0.05 * rng.normal(), 0.05 * rng.normal(), 0.05 * rng.normal(), 0.05 * rng.normal()],
      i * d,
    );
    cluster[i] = a ? (rng.next() < 0.5 ? 0 : 1) : 2;
  }
  const confidence = new Float32Array(n).fill(0.5);
  const r = await scoreLabelFree(
    { rows: n, dims: d, clusters: 3, features, probs: new Float32Array(n * 3) },
    { cluster, confidence },
    3,
    42,
  );
  near(r.scores.confidence, 0.5, 1e-7);
  assert.ok(
    r.scores.knnConsistency > 0.6 && r.scores.knnConsistency < 0.9,
    `B is consistent, A half: ${r.scores.knnConsistency}`,
  );
  assert.equal(r.scores.silhouetteSample, n);
  assert.deepEqual([r.merges[0]!.a, r.merges[0]!.b], [0, 1], 'the split group is the pair to merge');
  assert.ok(
    r.merges.every((m) => !(m.a === 0 && m.b === 2) && !(m.a === 1 && m.b === 2)),
    'far groups share no neighbours',
  );
});
