import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/trainer/backend/stockGradients.js';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { TrainConfig } from '../../src/protocol/run.js';
import { applyOp, cutoutHole, STRONG_OPS, strongAugment } from '../../src/trainer/data/strongAugment.js';
import {
  scanLoss,
  scanLossOfStacked,
  scanLossOverHeads,
  selfLabelTargets,
  weightedCrossEntropy,
} from '../../src/trainer/losses/scan.js';
import { weightDecay } from '../../src/trainer/losses/weightDecay.js';
import { uniformOverLabels } from '../../src/trainer/methods/deepcluster.js';
import { resolveScanConfig, scanStageOf } from '../../src/trainer/methods/scan/stages.js';
import { sobel } from '../../src/trainer/models/sobel.js';
import { defaultConfig } from '../../src/trainer/run/config.js';
import { Rng } from '../../src/trainer/util/rng.js';

before(async () => {
  await tf.setBackend('cpu');
});

const value = (t: tf.Scalar) => t.dataSync()[0]!;
const close = (got: number, want: number, tol = 1e-5) =>
  assert.ok(Math.abs(got - want) < tol, `${got} != ${want}`);

test('SCAN loss: consistency is -mean log <p_a, p_n>, entropy is lambda (log K - H(marginal))', () => {
  const anchors = tf.tensor2d([
    [1, 0],
    [0.5, 0.5],
  ]);
  const neighbours = tf.tensor2d([
    [0.8, 0.2],
    [0.5, 0.5],
  ]);
  const t = scanLoss(anchors, neighbours, 5);
  // dots 0.8 and 0.5.
  close(value(t.consistency), -(Math.log(0.8) + Math.log(0.5)) / 2);
  // Anchor marginal (0.75, 0.25).
  close(value(t.entropy), 5 * (Math.log(2) + 0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)));
});

test('SCAN loss: agreeing one-hot neighbours spread over all clusters cost nothing', () => {
  const p = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const t = scanLoss(p, p, 5);
  close(value(t.consistency), 0);
  close(value(t.entropy), 0);
});

test("SCAN loss over stacked heads: each term is the sum of every head's own scanLoss, gradients too", () => {
  const rng = new Rng(3);
  // 3 heads, 4 anchors then their 4 neighbours, 5 clusters; logits of order 1-3.
  const logits = tf.tensor3d(
    Float32Array.from({ length: 8 * 3 * 5 }, () => 2 * rng.normal()),
    [8, 3, 5],
  );
  const perHead = (l: tf.Tensor3D) =>
    [0, 1, 2].map((h) => tf.squeeze(tf.slice(l, [0, h, 0], [-1, 1, -1]), [1]) as tf.Tensor2D);
  const own = (l: tf.Tensor3D, w: number) =>
    perHead(l).map((x) => {
      const [pa, pn] = tf.split(tf.softmax(x), 2, 0) as [tf.Tensor2D, tf.Tensor2D];
      return scanLoss(pa, pn, w);
    });
  const stacked = scanLossOfStacked(logits, 5);
  const sum = (ts: tf.Scalar[]) => ts.reduce((a, t) => a + value(t), 0);
  close(value(stacked.consistency), sum(own(logits, 5).map((t) => t.consistency)));
  close(value(stacked.entropy), sum(own(logits, 5).map((t) => t.entropy)));
  // The list form (SCAN's image heads) goes through the stacked one.
  const listed = scanLossOverHeads(perHead(logits), 5);
  close(value(listed.consistency), value(stacked.consistency));
  close(value(listed.entropy), value(stacked.entropy));
  const total = (f: (l: tf.Tensor3D) => tf.Scalar) =>
    tf
      .grad((l: tf.Tensor) => f(l as tf.Tensor3D))(logits)
      .dataSync();
  const a = total((l) => {
    const t = scanLossOfStacked(l, 5);
    return tf.add(t.consistency, t.entropy);
  });
  const b = total((l) => tf.addN(own(l, 5).flatMap((t) => [t.consistency, t.entropy])));
  a.forEach((g, i) => close(g, b[i]!));
});

test('self-labeling targets: only rows above the threshold count, weighted n / class count', () => {
  const probs = Float32Array.from([
    0.995, 0.003, 0.002, 0.1, 0.2, 0.7, 0.001, 0.998, 0.001, 0.992, 0.004, 0.004,
  ]);
  const t = selfLabelTargets(probs, 3, 0.99);
  assert.deepEqual(Array.from(t.targets), [0, 2, 1, 0]);
  assert.equal(t.confident, 3);
  // Class 0 twice, class 1 once among 3 confident rows: 3/2 and 3/1; the unconfident row 0.
  assert.deepEqual(Array.from(t.weights), [1.5, 0, 3, 1.5]);
});

test('weighted cross-entropy is the weighted mean of the rows', () => {
  const logits = tf.tensor2d([
    [0, 0],
    [Math.log(3), 0],
  ]);
  // Row 0: -log 1/2; row 1 (target 1, softmax 3/4, 1/4): -log 1/4.
  const got = value(weightedCrossEntropy(logits, Int32Array.from([0, 1]), Float32Array.from([1, 3])));
  close(got, (Math.log(2) + 3 * Math.log(4)) / 4);
});

test('weight decay term is wd/2 times the squared norm, so its gradient is wd * w', () => {
  const v = tf.variable(tf.tensor1d([1, -2, 3]));
  close(value(weightDecay([v], 0.1)), 0.05 * 14);
  const { grads } = tf.variableGrads(() => weightDecay([v], 0.1), [v]);
  const g = Array.from(grads[v.name]!.dataSync());
  [0.1, -0.2, 0.3].forEach((want, i) => close(g[i]!, want));
  v.dispose();
});

test('strong augmentation ops follow PIL on hand-set values', () => {
  const op = (name: string) => STRONG_OPS.indexOf(name);
  let img = Float32Array.from([0.2, 0.6, 1.0]);
  applyOp(img, 1, 3, 1, op('solarize'), 0.5, false); // threshold 128/255
  assert.deepEqual(
    Array.from(img).map((v) => +v.toFixed(4)),
    [0.2, 0.4, 0],
  );
  img = Float32Array.from([0.2, 0.4, 0.6]);
  applyOp(img, 1, 3, 1, op('autocontrast'), 0, false);
  assert.deepEqual(
    Array.from(img).map((v) => +v.toFixed(4)),
    [0, 0.5, 1],
  );
  img = Float32Array.from([0.2, 0.4, 0.6]);
  applyOp(img, 1, 3, 1, op('brightness'), 0.5, false); // factor 0.5
  assert.deepEqual(
    Array.from(img).map((v) => +v.toFixed(4)),
    [0.1, 0.2, 0.3],
  );
  img = Float32Array.from([0.5]);
  applyOp(img, 1, 1, 1, op('posterize'), 0, false); // 4 bits: 128 & 0xf0
  close(img[0]!, 128 / 255);
  // translateX by +0.1 of a 10-pixel row samples one pixel to the right; the last one is black.
  img = Float32Array.from({ length: 10 }, (_, i) => i / 10);
  applyOp(img, 1, 10, 1, op('translateX'), 1, false);
  assert.deepEqual(
    Array.from(img).map((v) => +v.toFixed(4)),
    [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0],
  );
  // rotate by 0 degrees and identity change nothing.
  img = Float32Array.from({ length: 9 }, (_, i) => i / 9);
  const orig = img.slice();
  applyOp(img, 3, 3, 1, op('rotate'), 0.5, false);
  applyOp(img, 3, 3, 1, op('identity'), 0.3, false);
  assert.deepEqual(Array.from(img), Array.from(orig));
});

test('cutout fills a clipped square with the given colour', () => {
  const img = new Float32Array(16).fill(1);
  cutoutHole(img, 4, 4, 1, 2, 1, 1, [0.25]);
  // Official Cutout: rows and columns centre - length//2 up to (not including) centre + length//2.
  assert.deepEqual(Array.from(img), [0.25, 0.25, 1, 1, 0.25, 0.25, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  const rgb = new Float32Array(2 * 2 * 3).fill(1);
  cutoutHole(rgb, 2, 2, 3, 2, 1, 1, [0.1, 0.2, 0.3]);
  assert.deepEqual(
    Array.from(rgb.subarray(0, 3)).map((v) => +v.toFixed(4)),
    [0.1, 0.2, 0.3],
  );
});

test('strong augmentation is deterministic under a seed and keeps pixels in [0, 1]', () => {
  const rng = new Rng(3);
  const x = tf.tensor4d(
    Float32Array.from({ length: 4 * 8 * 8 * 3 }, () => rng.next()),
    [4, 8, 8, 3],
  );
  const a = strongAugment(x, new Rng(7)).dataSync();
  const b = strongAugment(x, new Rng(7)).dataSync();
  const c = strongAugment(x, new Rng(8)).dataSync();
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.notDeepEqual(Array.from(a), Array.from(c));
  assert.ok(a.every((v) => v >= 0 && v <= 1));
});

test('DeepCluster sampler: every non-empty cluster equally often, n draws', () => {
  const assign = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1]);
  const order = uniformOverLabels(assign, 3, new Rng(1));
  assert.equal(order.length, 8);
  const ones = Array.from(order).filter((i) => assign[i] === 1).length;
  // 5 draws per cluster (8 / 2 + 1), shuffled and cut to 8: each cluster keeps 3 to 5.
  assert.ok(ones >= 3 && ones <= 5, `cluster 1 drawn ${ones} times`);
  const zeros = Array.from(order).filter((i) => assign[i] === 0);
  assert.equal(new Set(zeros).size, zeros.length, 'a big cluster is sampled without replacement');
});

test('Sobel: a vertical edge gives a horizontal gradient only', () => {
  const x = tf.tensor4d([0, 0, 1, 0, 0, 1, 0, 0, 1], [1, 3, 3, 1]);
  const y = sobel(x).dataSync();
  // Centre pixel, channels (d/dx, d/dy): correlation with [1 0 -1; 2 0 -2; 1 0 -1] and its transpose.
  close(y[(1 * 3 + 1) * 2]!, -4);
  close(y[(1 * 3 + 1) * 2 + 1]!, 0);
});

test('SCAN stages: --epochs is split by share, --stages stops early, lengths are kept', () => {
  const defaults = resolveScanConfig(defaultConfig('scan', '/d'));
  assert.deepEqual(
    [
      defaults.params.pretextEpochs,
      defaults.params.scanEpochs,
      defaults.params.selflabelEpochs,
      defaults.epochs,
    ],
    [6, 10, 2, 18],
  );
  // 10 epochs: one each, then 7 by the weights 5:9:1 (2.33, 4.2, 0.47 -> 2, 4, 0), the one left
  // over to the largest remainder, self-labeling's.
  const base: TrainConfig = { ...defaultConfig('scan', '/d'), epochs: 10 };
  const all = resolveScanConfig(base);
  assert.deepEqual(
    [all.params.pretextEpochs, all.params.scanEpochs, all.params.selflabelEpochs, all.epochs],
    [3, 5, 2, 10],
  );
  assert.deepEqual(
    [
      scanStageOf(all, 1),
      scanStageOf(all, 3),
      scanStageOf(all, 4),
      scanStageOf(all, 8),
      scanStageOf(all, 9),
      scanStageOf(all, 12),
    ],
    [
      { stage: 'pretext', index: 1, length: 3 },
      { stage: 'pretext', index: 3, length: 3 },
      { stage: 'scan', index: 1, length: 5 },
      { stage: 'scan', index: 5, length: 5 },
      { stage: 'selflabel', index: 1, length: 2 },
      { stage: 'selflabel', index: 4, length: 2 },
    ],
  );
  const pretextOnly = resolveScanConfig({ ...base, params: { stages: 'pretext' } });
  assert.equal(pretextOnly.epochs, 3);
  // Resuming the pretext-only run with all stages continues to the same total.
  assert.equal(
    resolveScanConfig({ ...pretextOnly, params: { ...pretextOnly.params, stages: 'pretext,scan,selflabel' } })
      .epochs,
    10,
  );
  assert.throws(
    () => resolveScanConfig({ ...base, params: { stages: 'scan' } }),
    /^ConfigError: scan setting stages must be pretext, pretext,scan or pretext,scan,selflabel \(got 'scan'\)$/,
  );
  assert.throws(
    () => resolveScanConfig({ ...base, params: { mineOn: 'pixels' } }),
    /^ConfigError: scan setting mineOn must be backbone or projection \(got 'pixels'\)$/,
  );
  const given = resolveScanConfig({ ...base, params: { pretextEpochs: 4 } });
  // 6 left: one each, then 4 by the weights 9:1 (3.6, 0.4 -> 3, 0), the one left over to SCAN's.
  assert.deepEqual(
    [given.params.pretextEpochs, given.params.scanEpochs, given.params.selflabelEpochs],
    [4, 5, 1],
  );
});
