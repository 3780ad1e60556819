// A method's knowledge is its spec's: the names of its columns, loss terms and stages the pages
// show, and the warnings a finished run gets, are looked up by the run's method.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seriesSpec, stageName } from '../../src/common/metricLabels.js';
import { METHOD_NAMES, METHOD_SPECS } from '../../src/common/methods/index.js';
import { runWarnings } from '../../src/extension/runWarnings.js';
import type { MetricsRow } from '../../src/protocol/run.js';

test("a run's columns, terms and stages read as its method's spec names them, with kinds", () => {
  assert.deepEqual(seriesSpec('acc', 'cc'), { label: 'ACC', kind: 'fraction' });
  assert.deepEqual(seriesSpec('terms.weightDecay', 'temi'), { label: 'Weight decay' });
  assert.deepEqual(seriesSpec('keptHead', 'scan'), { label: 'Kept head (index)', kind: 'index' });
  assert.deepEqual(seriesSpec('terms.crossEntropy', 'scan'), { label: 'Self-labeling loss' });
  assert.deepEqual(seriesSpec('terms.crossEntropy', 'deepcluster'), {
    label: 'Cross-entropy on the pseudo-labels',
  });
  assert.deepEqual(seriesSpec('terms.pmi', 'temi'), { label: 'PMI loss' });
  // A column no spec names is spelt out in words.
  assert.deepEqual(seriesSpec('someNewColumn', 'cc'), { label: 'Some new column' });
  assert.deepEqual(seriesSpec('terms.mystery', 'cc'), { label: 'Mystery term' });
  assert.equal(stageName('selflabel', 'scan'), 'self-labeling');
  assert.equal(stageName('scan', 'scan'), 'SCAN');
  assert.equal(stageName('train', 'cc'), 'train');
});

// Terms may differ: a cross-entropy is SCAN's self-labeling and DeepCluster's fit to its pseudo-labels.
test('every column and stage a spec names reads the same in every spec that names it (the compare page mixes methods)', () => {
  for (const kind of ['metrics', 'stages'] as const) {
    const seen = new Map<string, { label: unknown; by: string }>();
    for (const m of METHOD_NAMES) {
      const spec = METHOD_SPECS[m];
      const entries =
        kind === 'stages'
          ? (spec.stages ?? []).map((s) => [s.phase, s.name] as const)
          : Object.entries(spec[kind] ?? {});
      for (const [key, label] of entries) {
        const before = seen.get(key);
        if (before)
          assert.deepEqual(label, before.label, `${m} and ${before.by} name ${kind} ${key} differently`);
        else seen.set(key, { label, by: m });
      }
    }
  }
});

test("a finished run gets its method's stage warnings, and no other method's", () => {
  const row = (epoch: number, phase: string, extra: object): MetricsRow => ({
    epoch,
    phase,
    loss: 0,
    terms: {},
    imgPerSec: 1,
    seconds: 1,
    ...extra,
  });
  const idle = [row(1, 'heads', {}), row(2, 'selflabel', { confidentFraction: 0 })];
  const even = { sizes: [10, 10], n: 20 };
  assert.deepEqual(runWarnings('scanhead', even, idle), [
    'self-labeling found no confident image, so it did not train (lower its confidence threshold)',
  ]);
  assert.deepEqual(runWarnings('scan', even, [row(1, 'selflabel', { confidentFraction: 0.4 })]), []);
  assert.deepEqual(runWarnings('cc', even, idle), [], 'cc has no self-labeling stage');
});
