import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/trainer/backend/stockGradients.js';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ConfigError, defaultConfig, validateConfig } from '../../src/trainer/run/config.js';
import { learningRateAt, setLearningRate } from '../../src/trainer/methods/schedule.js';

before(async () => {
  await tf.setBackend('cpu');
});

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('cosine: the base rate at the first epoch, half way down at the middle, towards 0 at the end; constant stays', () => {
  close(learningRateAt('cosine', 1e-3, 1, 4), 1e-3);
  close(learningRateAt('cosine', 1e-3, 2, 4), (1e-3 * (1 + Math.SQRT1_2)) / 2);
  close(learningRateAt('cosine', 1e-3, 3, 4), 5e-4);
  close(learningRateAt('cosine', 1e-3, 4, 4), (1e-3 * (1 - Math.SQRT1_2)) / 2);
  close(learningRateAt('constant', 1e-3, 4, 4), 1e-3);
  assert.throws(
    () => validateConfig({ ...defaultConfig('cc', '/d'), params: { schedule: 'step' } }),
    (e: Error) =>
      e instanceof ConfigError &&
      /^cc setting schedule must be cosine or constant \(got 'step'\)$/.test(e.message),
  );
});

test('a rate set between steps is the one the next step of Adam and of momentum SGD takes', () => {
  for (const make of [() => tf.train.adam(1), () => tf.train.momentum(1, 0.9)]) {
    const optimizer = make();
    const x = tf.variable(tf.scalar(0));
    setLearningRate(optimizer, 0.25);
    // Adam's first step moves by lr * m_hat / (sqrt(v_hat) + eps) = lr for a gradient of 1; SGD by lr * g.
    optimizer.minimize(() => tf.mul(x, 1) as tf.Scalar, false, [x]);
    assert.ok(
      Math.abs(x.dataSync()[0]! + 0.25) < 1e-5,
      `${optimizer.getClassName()} moved to ${x.dataSync()[0]}`,
    );
    optimizer.dispose();
    x.dispose();
  }
});
