import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/trainer/backend/stockGradients.js';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ntXent } from '../../src/trainer/losses/contrastive.js';
import { marginalNegEntropy } from '../../src/trainer/losses/entropy.js';

before(async () => {
  await tf.setBackend('cpu');
});

const value = (t: tf.Scalar) => t.dataSync()[0]!;

test('NT-Xent on two orthogonal pairs matches the hand value', () => {
  // z = [e1, e2, e1, e2]; row 0 sees logits {e1.e2, e1.e1, e1.e2}/tau = {0, 1/tau, 0} and its
  // positive is 1/tau, so every row's loss is log(2 + e^(1/tau)) - 1/tau.
  const a = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  assert.ok(Math.abs(value(ntXent(a, a, 1)) - (Math.log(2 + Math.E) - 1)) < 1e-5);
  assert.ok(Math.abs(value(ntXent(a, a, 0.5)) - (Math.log(2 + Math.exp(2)) - 2)) < 1e-5);
});

test('NT-Xent normalizes rows: scaling an input changes nothing', () => {
  const a = tf.tensor2d([
    [3, 0],
    [0, 2],
  ]);
  const b = tf.tensor2d([
    [0.5, 0],
    [0, 7],
  ]);
  assert.ok(Math.abs(value(ntXent(a, b, 1)) - (Math.log(2 + Math.E) - 1)) < 1e-5);
});

test('NT-Xent: a positive pair that points away costs more than one that agrees', () => {
  const a = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const swapped = tf.tensor2d([
    [0, 1],
    [1, 0],
  ]);
  // Hand value for swapped views, tau 1: row 0 (e1) has logits {e1.e2=0, e1.e2=0, e1.e1=1} and
  // positive 0 -> log(2 + e); same for every row.
  assert.ok(Math.abs(value(ntXent(a, swapped, 1)) - Math.log(2 + Math.E)) < 1e-5);
  assert.ok(value(ntXent(a, swapped, 1)) > value(ntXent(a, a, 1)));
});

test('NT-Xent gradient pulls a positive pair together', () => {
  const b = tf.tensor2d([
    [1, 0.2],
    [0.1, 1],
    [-1, 0.3],
  ]);
  const a0 = tf.tensor2d([
    [0.2, 1],
    [1, 0.1],
    [0.3, -1],
  ]);
  const g = tf.grad((a: tf.Tensor) => ntXent(a as tf.Tensor2D, b, 0.5))(a0);
  const stepped = tf.sub(a0, tf.mul(g, 0.1)) as tf.Tensor2D;
  assert.ok(value(ntXent(stepped, b, 0.5)) < value(ntXent(a0, b, 0.5)));
});

test('marginal negative entropy: 0 for uniform use, log K for one cluster', () => {
  const uniform = tf.tensor2d([
    [0.5, 0.5],
    [0.5, 0.5],
  ]);
  const collapsed = tf.tensor2d([
    [1, 0, 0],
    [1, 0, 0],
  ]);
  const balancedHard = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  assert.ok(Math.abs(value(marginalNegEntropy(uniform))) < 1e-6);
  assert.ok(Math.abs(value(marginalNegEntropy(collapsed)) - Math.log(3)) < 1e-5);
  assert.ok(Math.abs(value(marginalNegEntropy(balancedHard))) < 1e-6);
  // P = [0.75, 0.25]: log 2 + 0.75 log 0.75 + 0.25 log 0.25
  const skew = tf.tensor2d([
    [1, 0],
    [0.5, 0.5],
  ]);
  assert.ok(
    Math.abs(
      value(marginalNegEntropy(skew)) - (Math.log(2) + 0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)),
    ) < 1e-5,
  );
});

test("NT-Xent with the first view's rows as anchors (the SCAN repo's SimCLRLoss) averages those rows only", () => {
  // z = [e1, e2, e1, e1], tau 1. Row 0: logits {0, 1, 1}, positive 1; row 1: {0, 0, 0}, positive 0;
  // rows 2 and 3 (both e1) see {1, 0, 1}, positives 1 and 0.
  const a = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const b = tf.tensor2d([
    [1, 0],
    [1, 0],
  ]);
  const l = Math.log(1 + 2 * Math.E);
  assert.ok(Math.abs(value(ntXent(a, b, 1, 'first')) - (l - 1 + Math.log(3)) / 2) < 1e-5);
  assert.ok(Math.abs(value(ntXent(a, b, 1)) - (l - 1 + Math.log(3) + l - 1 + l) / 4) < 1e-5);
});
