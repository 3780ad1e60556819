// Our UMAP epoch loop on umap-js's graph: three well-separated blobs stay apart, and a seed fixes the map.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UMAP } from 'umap-js';
import { problemFromUmapJs, UmapOptimizer } from '../../src/trainer/layout/umapOptimize.js';
import { Rng } from '../../src/trainer/util/rng.js';

const ROWS = 300;
const DIMS = 8;

/** Point i belongs to blob i % 3: unit-variance noise around centres 10 apart. */
function blobs(): number[][] {
  const rng = new Rng(3);
  return Array.from({ length: ROWS }, (_, i) =>
    Array.from({ length: DIMS }, (_, d) => (d === i % 3 ? 10 : 0) + rng.normal()),
  );
}

/** umap-js's graph and initial embedding (its own kNN, from a seeded stream), then our epochs. */
function layout(seed: number): { xy: Float32Array; epochs: number } {
  const rng = new Rng(seed);
  const umap = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, random: () => rng.next() });
  const epochs = umap.initializeFit(blobs());
  const opt = new UmapOptimizer(problemFromUmapJs(umap), seed);
  let steps = 0;
  while (!opt.done) {
    opt.step();
    steps++;
  }
  return { xy: opt.xy, epochs: steps === epochs ? epochs : -1 };
}

test('three blobs stay apart in 2-D, and the same seed gives the same map', () => {
  const a = layout(5);
  assert.equal(a.epochs, 500, "umap-js's epoch count for 300 points");
  assert.ok(a.xy.every(Number.isFinite));
  const centre = [0, 1, 2].map((c) => {
    let x = 0;
    let y = 0;
    for (let i = c; i < ROWS; i += 3) [x, y] = [x + a.xy[2 * i]!, y + a.xy[2 * i + 1]!];
    return [(3 * x) / ROWS, (3 * y) / ROWS] as const;
  });
  let spread = 0;
  for (let i = 0; i < ROWS; i++)
    spread = Math.max(
      spread,
      Math.hypot(a.xy[2 * i]! - centre[i % 3]![0], a.xy[2 * i + 1]! - centre[i % 3]![1]),
    );
  for (const [p, q] of [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const) {
    const gap = Math.hypot(centre[p]![0] - centre[q]![0], centre[p]![1] - centre[q]![1]);
    assert.ok(
      gap > 2 * spread,
      `blobs ${p} and ${q}: centres ${gap.toFixed(2)} apart, a point lies ${spread.toFixed(2)} from its centre`,
    );
  }
  assert.deepEqual(Array.from(layout(5).xy), Array.from(a.xy), 'reproducible');
  assert.notDeepEqual(Array.from(layout(6).xy), Array.from(a.xy));
});
