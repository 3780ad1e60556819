// Tiny real runs of the CLI, one per method, write the per-image features and probabilities, and
// the label-free scores, in the formats the compare and map pages read; each runs with a hook that
// fails any attempt to reach the network, so every method's whole run needs nothing from outside.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRunFeatures } from '../../src/common/features.js';
import { METHOD_NAMES, METHOD_SPECS } from '../../src/common/methods/index.js';
import { readLayout } from '../../src/common/layout.js';
import { parseAssignments } from '../../src/common/runFiles.js';
import type { MetricsRow, SummaryJson } from '../../src/protocol/run.js';
import { makeHarness } from './harness.js';
import { SMALL_RUNS, trainArgs } from './smallRuns.js';

const { tmp, data, cache, run } = makeHarness(8);
const OFFLINE = ['--import', join(process.cwd(), 'test', 'reliability', 'hooks', 'offline.mjs')];

/** features.json's rows are assignments.csv's, unit length; the probabilities' argmax is the assigned cluster. */
async function checkFeatures(out: string, epoch: number): Promise<void> {
  const f = await readRunFeatures(out);
  assert.ok(f, 'features.json written');
  const rows = parseAssignments(readFileSync(join(out, 'assignments.csv'), 'utf8'));
  assert.equal(f.meta.rows, rows.length);
  assert.equal(f.meta.clusters, 10);
  assert.equal(f.meta.epoch, epoch);
  const { dims, clusters } = f.meta;
  for (let i = 0; i < rows.length; i++) {
    let norm = 0;
    for (let j = 0; j < dims; j++) norm += f.features[i * dims + j]! ** 2;
    assert.ok(Math.abs(Math.sqrt(norm) - 1) < 2e-3, `row ${i} has length ${Math.sqrt(norm)}`);
    const p: number[] = Array.from(f.probs.subarray(i * clusters, (i + 1) * clusters));
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    const best: number = p.indexOf(Math.max(...p));
    assert.equal(
      best,
      rows[i]!.cluster,
      `${rows[i]!.path}: probs argmax ${best}, assigned ${rows[i]!.cluster}`,
    );
    assert.ok(Math.abs(p[best]! - rows[i]!.confidence) < 1e-5);
  }
}

for (const method of METHOD_NAMES) {
  test(`${METHOD_SPECS[method].label}: features and probabilities of the last epoch, label-free scores per eval epoch and in the summary, nothing from the network`, async () => {
    const small = SMALL_RUNS[method];
    const out = join(tmp, method);
    const r = await run(trainArgs(small, data, cache, out), { nodeArgs: OFFLINE });
    // The hook turns any attempt into a failure and a line on stderr.
    assert.doesNotMatch(r.stderr, /NETWORK ACCESS ATTEMPTED/);
    assert.equal(r.code, 0, r.stderr);
    await checkFeatures(out, small.epochs);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricsRow);
    for (const m of metrics) {
      for (const key of ['confidence', 'balance', 'knnConsistency', 'silhouette'] as const)
        assert.equal(typeof m[key], 'number', `${key} in epoch ${m.epoch}`);
      // A run this short may still put every image in one cluster: balance 0 is a fair score then.
      assert.ok(
        m.confidence! >= 0.1 &&
          m.confidence! <= 1 &&
          m.balance! >= 0 &&
          m.balance! <= 1 &&
          m.silhouette! >= -1 &&
          m.silhouette! <= 1,
        JSON.stringify(m),
      );
    }
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SummaryJson;
    const lf = s.labelFree!;
    assert.equal(lf.confidence, metrics.at(-1)!.confidence, 'the summary scores the last epoch');
    assert.equal(lf.clusterConfidence.length, 10);
    assert.equal(lf.silhouetteSample, 80, 'a small set: every image');
    assert.ok(lf.knnConsistency >= 0 && lf.knnConsistency <= 1, `${lf.knnConsistency}`);
    const merges = s.mergeCandidates!;
    assert.ok(merges.length <= 20 && merges.length <= s.sizes.filter((n) => n > 0).length ** 2);
    assert.ok(
      merges.every(
        (m, i) =>
          m.a < m.b &&
          m.count > 0 &&
          m.score > 0 &&
          m.score <= 1 &&
          (i === 0 || merges[i - 1]!.score >= m.score),
      ),
    );
  });
}

test('SCAN after its pretext: the probabilities follow the k-means clustering it keeps as state', async () => {
  const out = join(tmp, 'scan-pretext');
  const r = await run(
    trainArgs({ method: 'scan', epochs: 1, extra: ['--stages', 'pretext'] }, data, cache, out),
  );
  assert.equal(r.code, 0, r.stderr);
  await checkFeatures(out, 1);
});

test("clusterlab map lays out the run's features, prints the kNN preservation, and then finds its map up to date", async () => {
  const out = join(tmp, 'cc');
  const r = await run(['map', out, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^map of 80 images \(epoch 2\)/);
  assert.match(
    r.stdout,
    /kNN preservation 0\.\d{3}, \d+\.\d s, umap \(pca 50, 15 neighbours, min dist 0\.1, seed 42\)/,
  );
  assert.match(r.stderr, /map layout: \d+\/\d+ \(100%\)/);
  assert.equal((await readLayout(out))!.meta.rows, 80);
  const again = await run(['map', out]);
  assert.match(again.stdout, /already up to date/);
  const bad = await run(['map', join(tmp, 'nowhere')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^clusterlab: .*nowhere is not a run folder: it has no run\.json$/m);
});
