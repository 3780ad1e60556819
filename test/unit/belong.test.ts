import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doesNotBelong } from '../../src/common/belong.js';
import { Rng } from '../../src/trainer/util/rng.js';

/**
 * Three clusters of 60 images in 16 dimensions (blobs around random centres), and `planted`
 * images drawn from cluster 1's blob but assigned to cluster 0 with the same confidence as the
 * rest: only the features can tell them apart.
 */
function synthetic(
  seed: number,
  planted: number,
  dims = 16,
): { features: Float32Array; cluster: Int32Array; confidence: Float64Array; misfits: number[] } {
  const rng = new Rng(seed);
  const r = () => rng.next();
  const gauss = () => rng.normal();
  const centres = Array.from({ length: 3 }, () => Array.from({ length: dims }, gauss));
  const rows: { f: number[]; c: number; conf: number }[] = [];
  for (let c = 0; c < 3; c++)
    for (let m = 0; m < 60; m++)
      rows.push({ f: centres[c]!.map((x) => x + 0.6 * gauss()), c, conf: 0.7 + 0.25 * r() });
  const misfits: number[] = [];
  for (let p = 0; p < planted; p++) {
    // Spread among cluster 0's rows, so the test does not pass by their position.
    const at = 7 + 11 * p;
    misfits.push(at);
    rows[at] = { f: centres[1]!.map((x) => x + 0.6 * gauss()), c: 0, conf: 0.7 + 0.25 * r() };
  }
  const features = new Float32Array(rows.length * dims);
  rows.forEach((row, i) => {
    const norm = Math.hypot(...row.f);
    row.f.forEach((x, j) => (features[i * dims + j] = x / norm));
  });
  return {
    features,
    cluster: Int32Array.from(rows, (x) => x.c),
    confidence: Float64Array.from(rows, (x) => x.conf),
    misfits,
  };
}

const worst = (score: Float64Array, n: number) =>
  [...score.keys()]
    .sort((a, b) => score[b]! - score[a]!)
    .slice(0, n)
    .sort((a, b) => a - b);

describe("doesn't-belong score", () => {
  it("ranks images planted in the wrong cluster first, though their confidence looks like everyone else's", async () => {
    for (const seed of [1, 2, 3]) {
      const s = synthetic(seed, 5);
      const t = await doesNotBelong({
        features: s.features,
        dims: 16,
        cluster: s.cluster,
        confidence: s.confidence,
      });
      assert.deepEqual(worst(t.score, 5), s.misfits, `seed ${seed}`);
      // Each feature term on its own already separates them: nearer cluster 1's centre, neighbours in cluster 1.
      for (const i of s.misfits)
        assert.ok(
          t.offCentre[i]! > 0.5 && t.neighbours[i]! > 0.5,
          `seed ${seed} row ${i}: ${t.offCentre[i]}, ${t.neighbours[i]}`,
        );
    }
  });

  it('the same with neighbours searched among a sample in projected features (large runs), and low confidence alone raises a score', async () => {
    // 256-wide features: the neighbour search runs in 64 random directions, among 60 of the 180 images.
    const wide = synthetic(6, 5, 256);
    const sampled = await doesNotBelong({
      features: wide.features,
      dims: 256,
      cluster: wide.cluster,
      confidence: wide.confidence,
      maxReference: 60,
    });
    assert.deepEqual(worst(sampled.score, 5), wide.misfits);
    for (const i of wide.misfits)
      assert.ok(sampled.neighbours[i]! > 0.5, `row ${i}: ${sampled.neighbours[i]}`);
    const s = synthetic(4, 5);
    const doubtful = 100; // a well-placed image of cluster 1, made doubtful
    const conf = Float64Array.from(s.confidence);
    conf[doubtful] = 0.05;
    const t = await doesNotBelong({ features: s.features, dims: 16, cluster: s.cluster, confidence: conf });
    const before = await doesNotBelong({
      features: s.features,
      dims: 16,
      cluster: s.cluster,
      confidence: s.confidence,
    });
    assert.ok(t.score[doubtful]! > before.score[doubtful]! + 0.2);
  });

  it("rows left out (cluster -1) get no score and are nobody's neighbour; bad sizes are refused", async () => {
    const s = synthetic(5, 0);
    const cluster = Int32Array.from(s.cluster);
    cluster[3] = -1;
    const t = await doesNotBelong({ features: s.features, dims: 16, cluster, confidence: s.confidence });
    assert.ok(Number.isNaN(t.score[3]!));
    assert.ok([...t.score].filter((_, i) => i !== 3).every((x) => x >= 0 && x <= 1));
    await assert.rejects(
      doesNotBelong({ features: s.features, dims: 15, cluster, confidence: s.confidence }),
      /features: \d+ values for 180 rows x 15/,
    );
  });
});
