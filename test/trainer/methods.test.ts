import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assignsLikeTrainingOf, makeHarness, readMetricsRows } from './harness.js';

// SCAN and DeepCluster through the real CLI on 120 sample images (12 per class), tiny settings.
const { tmp, data, cache, run } = makeHarness(12);
const common = ['--data', data, '--image-size', '16', '--batch', '32', '--backend', 'wasm', '--cache', cache];
const readJson = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const assignsLikeTraining = (out: string) => assignsLikeTrainingOf(out, data);

test('SCAN runs pretext, mining, SCAN and self-labeling, one metrics row per stage epoch', async () => {
  const out = join(tmp, 'scan');
  const r = await run([
    'train',
    '--method',
    'scan',
    ...common,
    '--clusters',
    '10',
    '--epochs',
    '3',
    '--param',
    'heads=3',
    '--param',
    'neighbours=5',
    '--param',
    'threshold=0.2',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ACC 0\.\d{3}/);
  const rows = readMetricsRows(out);
  assert.deepEqual(
    rows.map((m) => [m.epoch, m.phase]),
    [
      [1, 'pretext'],
      [2, 'scan'],
      [3, 'selflabel'],
    ],
  );
  assert.ok(Number.isFinite(rows[0]!.terms.instance));
  // Mining happens once, at the first SCAN epoch, and reports how often neighbours share a class.
  assert.ok(
    rows[1]!.neighbourAgreement > 0.1 && rows[1]!.neighbourAgreement <= 1,
    String(rows[1]!.neighbourAgreement),
  );
  assert.ok(['consistency', 'entropy', 'weightDecay'].every((k) => Number.isFinite(rows[1]!.terms[k])));
  // The one SCAN epoch is scored in inference mode and kept, with the head that scored lowest.
  assert.ok(rows[1]!.evalHead >= 0 && rows[1]!.evalHead < 3);
  assert.deepEqual(
    [rows[1]!.keptEpoch, rows[1]!.keptHead, rows[1]!.keptLoss],
    [2, rows[1]!.evalHead, Math.fround(rows[1]!.evalLoss)],
  ); // kept as float32 state
  assert.ok(Math.abs(rows[1]!.evalLoss - (rows[1]!.evalConsistency - rows[1]!.evalEntropy)) < 1e-9);
  assert.deepEqual([rows[2]!.keptEpoch, rows[2]!.keptHead], [2, rows[1]!.keptHead]);
  assert.ok(rows[2]!.confidentFraction >= 0 && rows[2]!.confidentFraction <= 1);
  const config = readJson(out, 'run.json').config;
  assert.deepEqual(
    [config.params.pretextEpochs, config.params.scanEpochs, config.params.selflabelEpochs],
    [1, 1, 1],
  );
  assert.equal(readJson(out, 'summary.json').n, 120);
  await assignsLikeTraining(out); // by the kept head
});

test('SCAN --stages pretext stops after the pretext; --resume with all stages finishes like a full run', async () => {
  const out = join(tmp, 'scan-staged');
  const args = [
    'train',
    '--method',
    'scan',
    ...common,
    '--clusters',
    '10',
    '--epochs',
    '3',
    '--param',
    'heads=3',
    '--param',
    'neighbours=5',
    '--param',
    'threshold=0.2',
  ];
  const first = await run([...args, '--stages', 'pretext', '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(
    readMetricsRows(out).map((m) => m.phase),
    ['pretext'],
  );
  assert.equal(readJson(out, 'run.json').epoch, 1);
  await assignsLikeTraining(out); // by the k-means centroids of the pretext features
  const rest = await run(['train', '--resume', out, '--stages', 'pretext,scan,selflabel', '--cache', cache]);
  assert.equal(rest.code, 0, rest.stderr);
  assert.deepEqual(
    readMetricsRows(out).map((m) => m.phase),
    ['pretext', 'scan', 'selflabel'],
  );
  assert.equal(
    readFileSync(join(out, 'assignments.csv'), 'utf8'),
    readFileSync(join(tmp, 'scan', 'assignments.csv'), 'utf8'),
  );
});

test('DeepCluster over-clusters: k-means every epoch, NMI to the previous epoch, purity beside ACC', async () => {
  const out = join(tmp, 'dc');
  const r = await run([
    'train',
    '--method',
    'deepcluster',
    ...common,
    '--clusters',
    '15',
    '--epochs',
    '2',
    '--param',
    'pcaDim=32',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /purity 0\.\d{3}/);
  const rows = readMetricsRows(out);
  const summary = readJson(out, 'summary.json');
  // The epoch reported, and why, as summary.json records it.
  assert.ok(
    r.stdout.includes(
      `reported epoch ${summary.kept.epoch} of 2 (pick=${summary.kept.rule}): ${summary.kept.why}\n`,
    ),
    r.stdout,
  );
  assert.deepEqual(
    rows.map((m) => m.epoch),
    [1, 2],
  );
  assert.ok(
    rows.every(
      (m) => Number.isInteger(m.reseeded) && m.reseeded >= 0 && Number.isFinite(m.terms.crossEntropy),
    ),
  );
  // Every epoch's clustering against the pseudo-labels it trained on (epoch 1's: the untrained net's).
  assert.ok(
    rows.every(
      (m) =>
        m.nmiPrevious > 0 && m.nmiPrevious <= 1 && m.classifierConfidence > 0 && m.classifierConfidence <= 1,
    ),
  );
  assert.equal(summary.k, 15);
  assert.equal(summary.sizes.length, 15);
  assert.ok(summary.purity >= summary.acc, 'majority vote is never below one-to-one matching');
  await assignsLikeTraining(out); // through the kept PCA and centroids
});

test('DeepCluster with Sobel input and inverse-size weights trains and resumes to the same result', async () => {
  const dc = (balance: string) => [
    'train',
    '--method',
    'deepcluster',
    ...common,
    '--clusters',
    '10',
    '--param',
    'sobel=true',
    '--param',
    `balance=${balance}`,
    '--param',
    'pcaDim=16',
  ];
  const args = dc('weighted');
  const full = join(tmp, 'dc-full');
  assert.equal((await run([...args, '--epochs', '2', '--out', full])).code, 0);
  const resumed = join(tmp, 'dc-resumed');
  assert.equal((await run([...args, '--epochs', '1', '--out', resumed])).code, 0);
  const r = await run(['train', '--resume', resumed, '--epochs', '2', '--cache', cache]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    readFileSync(join(resumed, 'assignments.csv'), 'utf8'),
    readFileSync(join(full, 'assignments.csv'), 'utf8'),
  );
  const bad = await run([...dc('odd'), '--epochs', '1', '--out', join(tmp, 'dc-bad')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /balance must be uniform or weighted/);
  assert.ok(!existsSync(join(tmp, 'dc-bad', 'run.json')), 'refused before the run folder was made');
});
