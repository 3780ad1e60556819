import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAssignments } from '../../src/common/runFiles.js';
import { score } from '../../src/common/eval/metrics.js';
import { makeHarness } from './harness.js';

const { tmp, data, cache, run } = makeHarness(24);

const train = (out: string, extra: string[] = []) =>
  run([
    'train',
    '--method',
    'cc',
    '--data',
    data,
    '--clusters',
    '10',
    '--image-size',
    '16',
    '--batch',
    '64',
    '--backend',
    'wasm',
    '--cache',
    cache,
    '--out',
    out,
    ...extra,
  ]);

test('train writes the whole run folder and prints the metrics', async () => {
  const out = join(tmp, 'full');
  const r = await train(out, ['--epochs', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ACC 0\.\d{3}\s+NMI 0\.\d{3}\s+ARI -?\d\.\d{3}/);
  assert.match(r.stdout, /super-class ACC/);
  assert.match(
    r.stdout,
    /k-means on the raw pixels of the same images: ACC 0\.\d{3}\s+NMI 0\.\d{3}\s+ARI -?\d\.\d{3}/,
  );
  assert.match(r.stdout, /skipped 1 file/);

  const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  assert.equal(runJson.status, 'done');
  assert.equal(runJson.backend.name, 'wasm');
  assert.equal(runJson.config.method, 'cc');
  // Every CC setting, its default filled in from the spec, so a resume keeps them whatever the defaults become.
  assert.deepEqual(runJson.config.params, {
    instanceTemperature: 0.5,
    clusterTemperature: 1,
    cropMin: 0.08,
    blur: 0,
    schedule: 'cosine',
  });
  assert.equal(runJson.dataset.images, 240);
  assert.equal(runJson.epoch, 2);

  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    metrics.map((m) => m.epoch),
    [1, 2],
  );
  for (const m of metrics) {
    assert.ok(Number.isFinite(m.loss) && m.imgPerSec > 0);
    assert.ok(['instance', 'cluster', 'entropy'].every((k) => Number.isFinite(m.terms[k])));
    assert.ok(
      ['acc', 'nmi', 'ari', 'superAcc'].every((k) => Number.isFinite(m[k])),
      JSON.stringify(m),
    );
  }

  const rows = readFileSync(join(out, 'assignments.csv'), 'utf8').trim().split('\n');
  assert.equal(rows[0], 'path,cluster,confidence,label');
  assert.equal(rows.length, 241);
  for (const row of rows.slice(1)) {
    const [path, cluster, conf, label] = row.split(',');
    assert.ok(existsSync(join(data, path!)), path);
    assert.ok(Number(cluster) >= 0 && Number(cluster) < 10);
    assert.ok(Number(conf) > 0 && Number(conf) <= 1);
    assert.equal(path!.split('/')[1], label);
  }

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.n, 240);
  assert.equal(summary.k, 10);
  assert.equal(
    summary.sizes.reduce((a: number, b: number) => a + b, 0),
    240,
  );
  // The scores are those of the assignments written beside them (whether the method learns is learning.test.ts's job).
  const assigned = parseAssignments(readFileSync(join(out, 'assignments.csv'), 'utf8'));
  const classes: string[] = runJson.dataset.classes;
  const scores = score(
    Int32Array.from(assigned, (a) => a.cluster),
    Int32Array.from(assigned, (a) => classes.indexOf(a.label!)),
    10,
    classes.length,
  );
  assert.deepEqual([summary.acc, summary.nmi, summary.ari], [scores.acc, scores.nmi, scores.ari]);
  assert.equal(metrics.at(-1).acc, summary.acc);
  assert.ok(summary.super.acc >= summary.acc, 'a super-class holds whole classes, so its ACC is never lower');
  assert.deepEqual(Object.keys(summary.pixelKmeans).sort(), ['acc', 'ari', 'nmi']);
  assert.equal(summary.skipped.length, 1);
  assert.equal(summary.skipped[0].path, 'bags/bag/broken.png');
  assert.ok(summary.skipped[0].reason.length > 5);
  assert.equal(JSON.parse(readFileSync(join(out, 'checkpoint', 'manifest.json'), 'utf8')).epoch, 2);
});

test('resume continues from the checkpoint and ends where an uninterrupted run ends', async () => {
  const out = join(tmp, 'resumed');
  assert.equal((await train(out, ['--epochs', '1'])).code, 0);
  const r = await run(['train', '--resume', out, '--epochs', '2', '--cache', cache]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming from the checkpoint of epoch 1/);
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(metrics.length, 2);
  // Same seed, backend and epochs as the run above: the same assignments, to the last digit.
  assert.equal(
    readFileSync(join(out, 'assignments.csv'), 'utf8'),
    readFileSync(join(tmp, 'full', 'assignments.csv'), 'utf8'),
  );
});

test('help lists every method with its settings, defaults and ranges', async () => {
  const r = await run(['help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--method cc\|scan\|deepcluster\|kmeans\|scanhead\|temi /);
  assert.match(r.stdout, /^ {2}scan \(SCAN\): .*; 18 epochs, batch 256, --lr 0\.0001$/m);
  assert.match(r.stdout, /^ {4}entropyWeight=5 +lambda: .* — a number from 0 to 100$/m);
  assert.match(r.stdout, /^ {4}pcaDim=N +.*\[default: min\(256, .*; paper: 256, /m);
});
