// A small model from layers.ts trains on wasm with our gradients as it does on cpu with tfjs's.
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../src/trainer/backend/index.js';
import { buildBackbone } from '../../src/trainer/models/backbones.js';
import {
  conv2d,
  dense,
  flatten,
  maxPool,
  ParamSet,
  sequential,
  type Layer,
} from '../../src/trainer/models/layers.js';
import { Rng } from '../../src/trainer/util/rng.js';

const N = 12;
const CLASSES = 5;

before(async () => {
  await initBackend('wasm');
});

function model(): { net: Layer; params: ParamSet } {
  const p = new ParamSet(new Rng(3));
  const net = sequential(
    conv2d(p, 'conv1', 1, 4, 3, { activation: 'relu' }),
    maxPool(2),
    conv2d(p, 'conv2', 4, 6, 3, { activation: 'relu' }),
    maxPool(2),
    flatten,
    dense(p, 'fc1', 3 * 3 * 6, 16, 'relu'),
    dense(p, 'fc2', 16, CLASSES),
  );
  return { net, params: p };
}

function batch(): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const rng = new Rng(5);
  const x = tf.tensor4d(
    Float32Array.from({ length: N * 13 * 13 }, () => rng.next()),
    [N, 13, 13, 1],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Int32Array.from({ length: N }, () => rng.int(CLASSES)),
      'int32',
    ),
    CLASSES,
  ) as tf.Tensor2D;
  return { x, y };
}

/** Builds the model on `backend`, takes `steps` Adam steps; returns losses, first gradients and final parameters. */
async function train(backend: 'cpu' | 'wasm', steps: number, lr: number) {
  assert.ok(await tf.setBackend(backend));
  const { net, params } = model();
  const { x, y } = batch();
  const vars = [...params.trainable.values()];
  const loss = () => tf.losses.softmaxCrossEntropy(y, net.apply(x, true) as tf.Tensor2D) as tf.Scalar;
  const { grads } = tf.variableGrads(loss, vars);
  const firstGrads = Object.fromEntries(
    Object.entries(grads).map(([k, g]) => [params.logicalName(k), g.dataSync() as Float32Array]),
  );
  tf.dispose(Object.values(grads));
  const opt = tf.train.adam(lr);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = opt.minimize(loss, true, vars)!;
    losses.push(l.dataSync()[0]!);
    l.dispose();
  }
  const final = Object.fromEntries([...params.trainable].map(([k, v]) => [k, v.dataSync() as Float32Array]));
  params.dispose();
  opt.dispose();
  tf.dispose([x, y]);
  return { losses, firstGrads, final };
}

function relErr(got: Float32Array, want: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  assert.ok(den > 0, 'reference is all zeros');
  return Math.sqrt(num / den);
}

test('one Adam step: gradients and parameters on wasm match cpu', async () => {
  const cpu = await train('cpu', 1, 1e-3);
  const wasm = await train('wasm', 1, 1e-3);
  assert.equal(Object.keys(wasm.firstGrads).length, 8);
  for (const [name, g] of Object.entries(cpu.firstGrads)) {
    const e = relErr(wasm.firstGrads[name]!, g);
    assert.ok(e < 1e-3, `gradient of ${name}: relative error ${e.toExponential(2)}`);
  }
  for (const [name, p] of Object.entries(cpu.final)) {
    const e = relErr(wasm.final[name]!, p);
    assert.ok(e < 1e-4, `${name} after one step: relative error ${e.toExponential(2)}`);
  }
  assert.ok(Math.abs(wasm.losses[0]! - cpu.losses[0]!) < 1e-4);
});

test('a few Adam steps on wasm lower the loss', async () => {
  const { losses } = await train('wasm', 25, 2e-2);
  assert.ok(losses.every(Number.isFinite), losses.join(', '));
  assert.ok(
    losses[losses.length - 1]! < 0.8 * losses[0]!,
    `loss went ${losses.map((l) => l.toFixed(3)).join(' -> ')}`,
  );
});

test('ResNet-18 (stride-2 and 1x1 convs, batch norm) has the same gradients on wasm as on cpu', async () => {
  const run = async (backend: 'cpu' | 'wasm') => {
    assert.ok(await tf.setBackend(backend));
    const p = new ParamSet(new Rng(9));
    const { net } = buildBackbone('resnet18', p, 3, 8);
    const head = dense(p, 'head', 512, CLASSES);
    const rng = new Rng(10);
    const x = tf.tensor4d(
      Float32Array.from({ length: 3 * 8 * 8 * 3 }, () => rng.normal()),
      [3, 8, 8, 3],
    );
    const y = tf.oneHot(tf.tensor1d([0, 3, 1], 'int32'), CLASSES) as tf.Tensor2D;
    const vars = [...p.trainable.values()];
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(y, head.apply(net.apply(x, true), true) as tf.Tensor2D) as tf.Scalar,
      vars,
    );
    const out = {
      loss: value.dataSync()[0]!,
      grads: Object.fromEntries(
        Object.entries(grads).map(([k, g]) => [p.logicalName(k), g.dataSync() as Float32Array]),
      ),
    };
    tf.dispose([value, x, y, ...Object.values(grads)]);
    p.dispose();
    return out;
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  assert.ok(Math.abs(cpu.loss - wasm.loss) < 1e-4 * Math.abs(cpu.loss));
  const names = Object.keys(cpu.grads);
  assert.ok(names.length > 60, `${names.length} gradients`);
  for (const name of names) {
    const e = relErr(wasm.grads[name]!, cpu.grads[name]!);
    assert.ok(e < 1e-3, `gradient of ${name}: relative error ${e.toExponential(2)}`);
  }
});
