import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHarness } from './harness.js';

/** `clusterlab run FILE` through the real CLI, on 120 sample images. */
const { tmp, data, cache, run } = makeHarness(12);
const file = join(tmp, 'tiny.clusterlab.yaml');
const runs = join(tmp, 'runs');

test('a file with mistakes is refused, each as file:line:col: message, before anything is written', async () => {
  writeFileSync(
    file,
    `data: ${data}\nruns:\n  - method: scan\n    settings:\n      entropyWeigth: 3\n  - method: cc\n    clusters: 500\n`,
  );
  const r = await run(['run', file, '--runs', runs, '--cache', cache]);
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(
    r.stderr
      .trim()
      .split('\n')
      .map((l) => l.replace(/^.*tiny\.clusterlab\.yaml/, 'F')),
    [
      "F:5:7: unknown setting 'entropyWeigth' for scan; did you mean 'entropyWeight'?",
      `F:7:15: 500 clusters but ${data} has only 121 images`,
    ],
  );
});

test('a sweep trains its runs into named folders that record the entry; a second run skips them', async () => {
  writeFileSync(
    file,
    `data: ${data}\nimageSize: 12\ncolor: grayscale\nepochs: 1\nbackend: wasm\ngrid:\n  methods: [cc]\n  seeds: [1, 2]\n  batch: 32\n`,
  );
  const first = await run(['run', file, '--runs', runs, '--cache', cache]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /tiny: 2 done/);
  const runJson = JSON.parse(readFileSync(join(runs, 'tiny-cc-s2', 'run.json'), 'utf8'));
  assert.deepEqual(
    [runJson.status, runJson.config.seed, runJson.experiment],
    ['done', 2, { file, entry: 'cc-s2' }],
  );
  assert.equal(JSON.parse(readFileSync(join(runs, 'tiny.queue.json'), 'utf8')).state, 'finished');
  const second = await run(['run', file, '--runs', runs, '--cache', cache]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /cc-s1: done already, skipped[\s\S]*cc-s2: done already, skipped/);
});
