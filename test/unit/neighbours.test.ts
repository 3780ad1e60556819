import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { belongNeighbours, doesNotBelong } from '../../src/common/belong.js';
import { nearestRows, sampledNeighbours } from '../../src/common/neighbours.js';
import { Rng } from '../../src/trainer/util/rng.js';

/** n random unit rows of `dims`. */
function unitRows(seed: number, n: number, dims: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let j = 0; j < dims; j++) sq += (x[i * dims + j] = rng.normal()) ** 2;
    for (let j = 0; j < dims; j++) x[i * dims + j]! /= Math.sqrt(sq);
  }
  return x;
}

/** Every other row by cosine, most similar first: the brute-force answer. */
function bruteForce(x: Float32Array, dims: number, i: number, keep: (r: number) => boolean): number[] {
  const n = x.length / dims;
  const sim = (r: number) => {
    let d = 0;
    for (let j = 0; j < dims; j++) d += x[i * dims + j]! * x[r * dims + j]!;
    return d;
  };
  return [...Array(n).keys()].filter((r) => r !== i && keep(r)).sort((a, b) => sim(b) - sim(a));
}

describe('nearest neighbours in run features', () => {
  it('nearestRows: the exact k nearest among the rows kept, the row itself first', () => {
    const dims = 96;
    const x = unitRows(7, 300, dims);
    const keep = (r: number) => r % 3 !== 0;
    for (const i of [0, 1, 150, 299]) {
      const got = nearestRows(x, dims, i, 11, keep);
      assert.equal(got.rows[0], i, 'itself first, even where keep refuses it');
      assert.ok(Math.abs(got.similarity[0]! - 1) < 1e-5);
      assert.deepEqual([...got.rows.slice(1)], bruteForce(x, dims, i, keep).slice(0, 10), `row ${i}`);
      for (let m = 1; m < got.similarity.length; m++) assert.ok(got.similarity[m - 1]! >= got.similarity[m]!);
    }
  });

  it('sampledNeighbours: exact among all rows when they fit the reference and the dims; otherwise only reference rows', async () => {
    const x = unitRows(8, 120, 32);
    const t = await sampledNeighbours(x, 32, { k: 5, maxReference: 1000 });
    for (const i of [0, 33, 119])
      assert.deepEqual([...t.rows.subarray(i * 5, i * 5 + 5)], bruteForce(x, 32, i, () => true).slice(0, 5));
    const sampled = await sampledNeighbours(x, 32, { k: 5, maxReference: 40 });
    const reference = new Set(Array.from({ length: 40 }, (_, m) => Math.floor((m * 120) / 40)));
    assert.ok([...sampled.rows].every((r) => reference.has(r)));
    // Wider than 64: projected to 64 directions, so near, not exact: on 6 blobs, neighbours stay in their blob.
    const rng = new Rng(9);
    const centres = Array.from({ length: 6 }, () => Array.from({ length: 256 }, () => rng.normal()));
    const wide = new Float32Array(120 * 256);
    for (let i = 0; i < 120; i++) {
      const f = centres[i % 6]!.map((c) => c + 0.8 * rng.normal());
      const norm = Math.hypot(...f);
      f.forEach((v, j) => (wide[i * 256 + j] = v / norm));
    }
    const p = await sampledNeighbours(wide, 256, { k: 10, maxReference: 1000 });
    const sameBlob = [...p.rows].filter((r, m) => r % 6 === Math.floor(m / 10) % 6).length;
    assert.ok(sameBlob / p.rows.length > 0.95, `same blob ${sameBlob} of ${p.rows.length}`);
  });

  it("doesn't belong with a table computed once gives the scores it computes itself, after an edit and with rows left out", async () => {
    const dims = 16;
    const x = unitRows(10, 200, dims);
    const rng = new Rng(3);
    const cluster = Int32Array.from({ length: 200 }, () => Math.floor(rng.next() * 4));
    const confidence = Float64Array.from({ length: 200 }, () => rng.next());
    const table = await belongNeighbours(x, dims);
    const same = async (c: Int32Array) => {
      const own = await doesNotBelong({ features: x, dims, cluster: c, confidence });
      const shared = await doesNotBelong({ features: x, dims, cluster: c, confidence, neighbours: table });
      assert.deepEqual(shared.score, own.score);
    };
    await same(cluster);
    const moved = Int32Array.from(cluster);
    moved.fill(2, 0, 30);
    await same(moved);
    // Rows left out (excluded since): skipped in the table, k = 10 neighbours still counted from the 20 kept.
    const out = Int32Array.from(cluster);
    for (let i = 0; i < 200; i += 4) out[i] = -1;
    const t = await doesNotBelong({ features: x, dims, cluster: out, confidence, neighbours: table });
    for (const i of [1, 2, 3, 101]) {
      const kept = bruteForce(x, dims, i, (r) => out[r]! >= 0).slice(0, 10);
      const elsewhere = kept.filter((r) => out[r] !== out[i]).length / 10;
      assert.ok(
        Math.abs(t.neighbours[i]! - elsewhere) < 1e-9,
        `row ${i}: ${t.neighbours[i]} vs ${elsewhere}`,
      );
    }
    await assert.rejects(
      doesNotBelong({
        features: x,
        dims,
        cluster,
        confidence,
        neighbours: { k: 20, rows: new Int32Array(5) },
      }),
      /neighbours: 5 entries for 200 rows x 20/,
    );
  });
});
