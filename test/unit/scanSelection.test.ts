import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TrainConfig } from '../../src/protocol/run.js';
import { initBackend } from '../../src/trainer/backend/index.js';
import type { Dataset } from '../../src/trainer/data/dataset.js';
import { scanEvaluate } from '../../src/trainer/losses/scan.js';
import { epochRng, type Method } from '../../src/trainer/methods/method.js';
import { createSCAN } from '../../src/trainer/methods/scan/index.js';
import { resolveScanConfig } from '../../src/trainer/methods/scan/stages.js';
import { defaultConfig } from '../../src/trainer/run/config.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/trainer/run/checkpoint.js';
import { Rng } from '../../src/trainer/util/rng.js';

before(async () => {
  await initBackend('wasm');
});
const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-scan-selection-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const close = (got: number, want: number, tol = 1e-9) =>
  assert.ok(Math.abs(got - want) < tol, `${got} != ${want}`);

test('scanEvaluate: BCE over each image with itself and its first m neighbours, minus the marginal entropy', () => {
  // Three images, two clusters; rows of 2 mined neighbours, of which the first is scored (m = 1).
  const probs = Float32Array.from([1, 0, 0.5, 0.5, 0, 1]);
  const neighbours = [1, 2, 0, 2, 1, 0];
  const e = scanEvaluate(probs, 2, neighbours, 2, 1);
  // Pairs: (0,0) 1, (0,1) .5, (1,1) .5, (1,0) .5, (2,2) 1, (2,1) .5.
  close(e.consistency, (4 * Math.log(2)) / 6, 1e-7);
  close(e.entropy, Math.log(2), 1e-7); // marginal (.5, .5)
  close(e.total, e.consistency - e.entropy);
  // A dead pair costs torch's clamped 100, not infinity.
  const dead = scanEvaluate(Float32Array.from([1, 0, 0, 1]), 2, [1, 0], 1, 1);
  close(dead.consistency, 100 / 2);
});

/** 32 tiny grey images of 4 patterns with noise. */
function tinyDataset(): Dataset {
  const n = 32;
  const size = 8;
  const rng = new Rng(7);
  const pixels = new Uint8Array(n * size * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const on = [x < size / 2, y < size / 2, (x + y) % 4 < 2, x > 1 && x < 6 && y > 1 && y < 6][
          labels[i]!
        ];
        pixels[(i * size + y) * size + x] = Math.max(
          0,
          Math.min(255, (on ? 200 : 40) + Math.round(rng.uniform(-30, 30))),
        );
      }
    }
  }
  return {
    root: tmp,
    entries: [],
    n,
    size,
    channels: 1,
    pixels,
    labels,
    superLabels: new Int32Array(n).fill(-1),
    classes: ['a', 'b', 'c', 'd'],
    superClasses: [],
    skipped: [],
  };
}

const ds = tinyDataset();
// scanLr 1e-7 (the least allowed): the SCAN stage barely moves a weight, so the test decides how good each epoch's heads are.
const config: TrainConfig = resolveScanConfig({
  ...defaultConfig('scan', tmp),
  imageSize: 8,
  channels: 1,
  clusters: 4,
  epochs: 5,
  batchSize: 16,
  params: {
    pretextEpochs: 1,
    scanEpochs: 3,
    selflabelEpochs: 1,
    heads: 3,
    neighbours: 4,
    scanLr: 1e-7,
    scanBatch: 16,
    selflabelBatch: 16,
  },
});
const signal = new AbortController().signal;
const train = (m: Method, epoch: number) => m.trainEpoch(epoch, epochRng(config, epoch), () => {}, signal);
const keptPart = (m: Method) =>
  [...m.params.all()]
    .filter(([n]) => n.startsWith('backbone.') || n.startsWith('cluster_head.'))
    .map(([n, v]) => [n, Array.from(v.dataSync())] as const);
/** Heads' weights times `factor`: x100 gives near one-hot heads whose neighbours agree (a low score), x0 uniform ones (score 0). */
const scaleHeads = (m: Method, factor: number) => {
  for (const [n, v] of m.params.trainable)
    if (n.startsWith('cluster_head.')) tf.tidy(() => v.assign(tf.mul(v, factor)));
};

test('SCAN keeps the epoch and head with the lowest evaluation score, ends the stage with its weights, and a resume keeps them', async () => {
  const m = createSCAN({ config, ds });
  m.enterEpoch!(1);
  await train(m, 1);
  m.enterEpoch!(2);
  scaleHeads(m, 100);
  const e2 = (await train(m, 2)).extra!;
  const weights2 = keptPart(m);
  scaleHeads(m, 0);
  m.enterEpoch!(3);
  const e3 = (await train(m, 3)).extra!;
  // The run loop's order: the next epoch is entered, then the checkpoint written.
  m.enterEpoch!(4);
  await saveCheckpoint(tmp, 'scan', 3, m.params, m.optimizer);
  const e4 = (await train(m, 4)).extra!;

  assert.ok(
    e3.evalLoss! > e2.evalLoss! && e4.evalLoss! > e2.evalLoss!,
    `uniform heads score worse: ${e2.evalLoss} ${e3.evalLoss} ${e4.evalLoss}`,
  );
  assert.deepEqual([e2.keptEpoch, e2.keptHead], [2, e2.evalHead]);
  assert.deepEqual([e3.keptEpoch, e4.keptEpoch, e4.keptHead], [2, 2, e2.evalHead]);
  assert.notDeepEqual(keptPart(m), keptPart(createSCAN({ config, ds })));
  assert.deepEqual(keptPart(m), weights2, 'the SCAN stage ends with epoch 2 weights, heads not zeroed');
  const after4 = await train(m, 5);
  assert.equal(after4.extra!.keptHead, e2.evalHead, 'self-labeling trains the kept head');

  // Resumed from the checkpoint of epoch 3 in a fresh model: the same choice and the same weights.
  const r = createSCAN({ config, ds });
  r.enterEpoch!(4);
  assert.equal(await loadCheckpoint(tmp, 'scan', r.params, r.optimizer), 3);
  const r4 = (await train(r, 4)).extra!;
  assert.deepEqual(r4, e4);
  assert.deepEqual(keptPart(r), weights2);
  m.params.dispose();
  r.params.dispose();
});
