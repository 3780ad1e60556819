import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildRunModel } from '../../src/extension/views/runModel.js';
import { mapLayoutOf } from '../../src/extension/views/mapModel.js';
import type { Assignment, RunJson } from '../../src/protocol/run.js';
import { Rng } from '../../src/trainer/util/rng.js';
import { PointIndex } from '../../webview/map/pointIndex.js';

/** The even-odd rule over every point: what the grid must agree with. */
function bruteInPolygon(xy: Float32Array, poly: number[]): number[] {
  const out: number[] = [];
  const m = poly.length / 2;
  for (let i = 0; i < xy.length / 2; i++) {
    const [px, py] = [xy[2 * i]!, xy[2 * i + 1]!];
    let inside = false;
    for (let a = 0, b = m - 1; a < m; b = a++) {
      const [ax, ay, bx, by] = [poly[2 * a]!, poly[2 * a + 1]!, poly[2 * b]!, poly[2 * b + 1]!];
      if (ay > py !== by > py && px < ((bx - ax) * (py - ay)) / (by - ay) + ax) inside = !inside;
    }
    if (inside) out.push(i);
  }
  return out;
}

describe('map: point index and layout', () => {
  it('the grid lasso and nearest point agree with testing every point', () => {
    const stream = new Rng(7);
    const r = () => stream.next();
    const xy = Float32Array.from({ length: 2 * 20_000 }, (_, j) => (j % 2 ? 3 : 1) * (r() - 0.5) ** 3 * 8);
    const index = new PointIndex(xy);
    for (let trial = 0; trial < 20; trial++) {
      // A star: concave, so the even-odd rule matters.
      const [cx, cy, radius] = [(r() - 0.5) * 0.5, (r() - 0.5) * 1.5, 0.05 + r() * 0.4];
      const poly = Array.from({ length: 20 }, (_, k) => {
        const t = (2 * Math.PI * k) / 20;
        const rr = radius * (k % 2 ? 0.4 : 1);
        return [cx + rr * Math.cos(t), cy + rr * Math.sin(t)];
      }).flat();
      const want = bruteInPolygon(xy, poly);
      assert.deepEqual(index.inPolygon(poly), want);
      const [qx, qy, qr] = [(r() - 0.5) * 0.6, (r() - 0.5) * 1.8, 0.02];
      let best = -1;
      let bestD = qr * qr;
      for (let i = 0; i < xy.length / 2; i++) {
        const d = (xy[2 * i]! - qx) ** 2 + (xy[2 * i + 1]! - qy) ** 2;
        if (d <= bestD) [best, bestD] = [i, d];
      }
      assert.equal(index.nearest(qx, qy, qr), best);
    }
    assert.ok(new PointIndex(new Float32Array(0)).inPolygon([0, 0, 1, 0, 1, 1]).length === 0);
  });

  it('scales the layout into the unit square and places images added after training near their cluster', () => {
    const run = { config: { clusters: 2 }, dataset: { classes: [], root: '/data' } } as unknown as RunJson;
    const rows: Assignment[] = [
      { path: 'a.png', cluster: 0, confidence: 0.9 },
      { path: 'b.png', cluster: 0, confidence: 0.8 },
      { path: 'c.png', cluster: 1, confidence: 0.7 },
    ];
    const xy = Float32Array.from([10, 20, 12, 20, 30, 40]);
    const live = {
      added: new Map([['new.png', { cluster: 1, confidence: 0.6 }]]),
      removed: new Set(['b.png']),
    };
    const m = buildRunModel(
      '/run',
      run,
      rows,
      { format: 'clusterlab-labels', version: 1, names: {}, merges: [], moves: {} } as never,
      live,
    );
    const layout = mapLayoutOf(
      m,
      rows,
      {
        format: 'clusterlab-layout',
        version: 1,
        rows: 3,
        method: 'umap',
        epoch: 1,
        knnPreservation: 0.5,
        seconds: 1,
      },
      xy,
    );
    assert.deepEqual(m.paths, ['a.png', 'c.png', 'new.png']);
    assert.equal(layout.xy.length, 2 * m.paths.length);
    // a (10, 20) and c (30, 40): the larger side, 20, becomes 1.
    assert.deepEqual(layout.xy.slice(0, 4), [0, 0, 1, 1]);
    assert.deepEqual(layout.placed, [2]);
    const [nx, ny] = layout.xy.slice(4);
    assert.ok(Math.hypot(nx! - 1, ny! - 1) < 0.05, `new image at ${nx}, ${ny}: near cluster 1 (c)`);
  });
});
