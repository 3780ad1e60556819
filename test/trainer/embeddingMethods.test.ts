import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assignsLikeTrainingOf, makeHarness, readMetricsRows } from './harness.js';

// The embedding methods through the real CLI on 120 sample images (12 per class) without a feature
// model: they cluster the flattened pixels (16 x 16 RGB: 768 dims), write the run folder every
// page reads, and assign new images from the checkpoint as training placed them.
const { tmp, data, cache, run } = makeHarness(12);
const common = [
  '--data',
  data,
  '--image-size',
  '16',
  '--backend',
  'wasm',
  '--cache',
  cache,
  '--clusters',
  '10',
];
const readJson = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));

/** The run finished, clustered all 120 images, and saved the unit pixel embeddings as its features. */
function checkRun(out: string): void {
  assert.equal(readJson(out, 'summary.json').n, 120);
  const meta = readJson(out, 'features.json');
  assert.deepEqual([meta.rows, meta.dims, meta.clusters], [120, 768, 10]);
}

test('kmeans: restarts on the unit pixel embeddings, the lowest inertia kept over epochs', async () => {
  const out = join(tmp, 'kmeans');
  const r = await run([
    'train',
    '--method',
    'kmeans',
    ...common,
    '--epochs',
    '2',
    '--param',
    'restarts=2',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = readMetricsRows(out);
  assert.deepEqual(
    rows.map((m) => m.phase),
    ['kmeans', 'kmeans'],
  );
  // The loss is the kept (lowest) inertia per image: it never rises.
  assert.ok(rows[1]!.loss <= rows[0]!.loss && rows[1]!.loss > 0, JSON.stringify(rows.map((m) => m.loss)));
  checkRun(out);
  await assignsLikeTrainingOf(out, data);
});

test('scanhead: SCAN epochs with mining and head selection, then self-labeling', async () => {
  const out = join(tmp, 'scanhead');
  const params = [
    '--param',
    'heads=3',
    '--param',
    'neighbours=5',
    '--param',
    'selflabelEpochs=1',
    '--param',
    'threshold=0.2',
  ];
  const r = await run([
    'train',
    '--method',
    'scanhead',
    ...common,
    '--epochs',
    '3',
    '--batch',
    '32',
    ...params,
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = readMetricsRows(out);
  assert.deepEqual(
    rows.map((m) => m.phase),
    ['heads', 'heads', 'selflabel'],
  );
  assert.ok(
    rows[0]!.neighbourAgreement > 0.1 && rows[0]!.neighbourAgreement <= 1,
    String(rows[0]!.neighbourAgreement),
  );
  assert.equal(rows[1]!.neighbourAgreement, undefined, 'mined once');
  assert.ok(rows[1]!.keptHead >= 0 && rows[1]!.keptHead < 3);
  assert.equal(rows[2]!.keptHead, rows[1]!.keptHead);
  checkRun(out);
  await assignsLikeTrainingOf(out, data); // by the kept head
});

test('scanhead refuses a run whose self-labeling leaves no SCAN epoch, in one line, before any work', async () => {
  const r = await run([
    'train',
    '--method',
    'scanhead',
    ...common,
    '--epochs',
    '2',
    '--param',
    'selflabelEpochs=2',
    '--out',
    join(tmp, 'refused'),
  ]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /--epochs 2 leaves no SCAN epochs before the 2 self-labeling ones/);
});

test('temi: teacher-student heads, the selected head predicts', async () => {
  const out = join(tmp, 'temi');
  const r = await run([
    'train',
    '--method',
    'temi',
    ...common,
    '--epochs',
    '2',
    '--batch',
    '32',
    '--param',
    'heads=2',
    '--param',
    'neighbours=5',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = readMetricsRows(out);
  assert.deepEqual(
    rows.map((m) => m.phase),
    ['temi', 'temi'],
  );
  assert.ok(rows.every((m) => m.selectedHead === 0 || m.selectedHead === 1));
  assert.ok(rows.every((m) => Number.isFinite(m.terms.pmi)));
  checkRun(out);
  await assignsLikeTrainingOf(out, data); // by the teacher's selected head
});
