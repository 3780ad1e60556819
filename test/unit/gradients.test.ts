// Our wasm gradients (src/trainer/backend/fast) against tfjs's stock gradients on the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../src/trainer/backend/index.js';
import {
  convFilterGrad,
  convGeom,
  convInputGrad,
  type ConvPad,
  type FilterGradMethod,
} from '../../src/trainer/backend/fast/conv.js';
import { setFastGradients } from '../../src/trainer/backend/fast/mode.js';
import { fusedConv2d, fusedMatMul } from '../../src/trainer/backend/fast/ops.js';
import { Rng } from '../../src/trainer/util/rng.js';

type Backend = 'cpu' | 'wasm';
const TOL = 1e-3;

before(async () => {
  await initBackend('wasm');
});

function randn(seed: number, n: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface Input {
  shape: number[];
  seed: number;
}

/**
 * Gradients of sum(f(inputs) * c) w.r.t. every input on `backend`, c a fixed random cotangent,
 * i.e. the vector-Jacobian product with c. Also returns f's output.
 */
async function vjp(
  backend: Backend,
  inputs: Input[],
  f: (xs: tf.Tensor[]) => tf.Tensor,
): Promise<{ y: Float32Array; grads: Float32Array[] }> {
  assert.ok(await tf.setBackend(backend));
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(randn(i.seed, sizeOf(i.shape)), i.shape));
    const y = f(xs);
    const c = tf.tensor(randn(999, y.size), y.shape);
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(args), c)))(xs);
    return { y: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

/** Relative L2 error of `got` against `want`; fails on empty or all-zero references. */
function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: size`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  assert.ok(want.length > 0 && den > 0, `${what}: the reference is all zeros, the check would be vacuous`);
  const rel = Math.sqrt(num / den);
  assert.ok(rel < TOL, `${what}: relative error ${rel.toExponential(2)} >= ${TOL}`);
}

async function compare(
  what: string,
  inputs: Input[],
  stock: (xs: tf.Tensor[]) => tf.Tensor,
  mine: (xs: tf.Tensor[]) => tf.Tensor = stock,
): Promise<void> {
  const want = await vjp('cpu', inputs, stock);
  const got = await vjp('wasm', inputs, mine);
  assertClose(got.y, want.y, `${what} forward`);
  want.grads.forEach((g, i) => assertClose(got.grads[i]!, g, `${what} d/d input ${i}`));
}

interface ConvCase {
  h: number;
  w: number;
  inC: number;
  outC: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
}

function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  let i = 0;
  for (const k of [1, 2, 3])
    for (const stride of [1, 2])
      for (const pad of ['same', 'valid'] as const)
        for (const inC of [1, 3, 5]) {
          // Odd and even sizes, non-square; out channels vary too.
          const h = [7, 9, 8][i % 3]!;
          const w = [5, 6, 7][(i + 1) % 3]!;
          cases.push({ h, w, inC, outC: [1, 3, 5, 4][i % 4]!, k, stride, pad });
          i++;
        }
  return cases;
}

const label = (c: ConvCase) => `x[3,${c.h},${c.w},${c.inC}] k${c.k} s${c.stride} ${c.pad} out ${c.outC}`;

test('fused conv2d (bias, relu) gradients match the cpu backend on odd shapes', async () => {
  for (const c of convCases()) {
    const inputs = [
      { shape: [3, c.h, c.w, c.inC], seed: 1 },
      { shape: [c.k, c.k, c.inC, c.outC], seed: 2 },
      { shape: [c.outC], seed: 3 },
    ];
    for (const activation of ['relu', 'linear'] as const) {
      await compare(
        `${label(c)} ${activation}`,
        inputs,
        ([x, w, b]) =>
          tf.fused.conv2d({
            x: x as tf.Tensor4D,
            filter: w as tf.Tensor4D,
            bias: b,
            strides: c.stride,
            pad: c.pad,
            activation,
          }),
        ([x, w, b]) =>
          fusedConv2d({
            x: x as tf.Tensor4D,
            filter: w as tf.Tensor4D,
            bias: b as tf.Tensor1D,
            strides: c.stride,
            pad: c.pad,
            activation,
          }),
      );
    }
  }
});

test('plain tf.conv2d gradients on wasm (our Conv2D gradient) match the cpu backend', async () => {
  for (const c of convCases()) {
    await compare(
      label(c),
      [
        { shape: [3, c.h, c.w, c.inC], seed: 4 },
        { shape: [c.k, c.k, c.inC, c.outC], seed: 5 },
      ],
      ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad),
    );
  }
});

test('every filter-gradient method and the input gradient match the cpu backend', async () => {
  const cases: ConvCase[] = [
    ...convCases(),
    { h: 14, w: 14, inC: 32, outC: 64, k: 3, stride: 1, pad: 'same' },
    { h: 9, w: 9, inC: 8, outC: 6, k: 3, stride: 2, pad: 'same' },
  ];
  for (const c of cases) {
    const xShape = [3, c.h, c.w, c.inC];
    const wShape = [c.k, c.k, c.inC, c.outC];
    const want = await vjp(
      'cpu',
      [
        { shape: xShape, seed: 6 },
        { shape: wShape, seed: 7 },
      ],
      ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad),
    );
    assert.ok(await tf.setBackend('wasm'));
    const g = convGeom(xShape, wShape, c.stride, c.pad as ConvPad);
    const dy = tf.tensor4d(randn(999, 3 * g.outH * g.outW * c.outC), [3, g.outH, g.outW, c.outC]);
    const x = tf.tensor4d(randn(6, sizeOf(xShape)), xShape as [number, number, number, number]);
    const w = tf.tensor4d(randn(7, sizeOf(wShape)), wShape as [number, number, number, number]);
    assertClose(convInputGrad(dy, w, g).dataSync() as Float32Array, want.grads[0]!, `${label(c)} dx`);
    for (const method of ['conv', 'convT', 'matmul'] as FilterGradMethod[]) {
      assertClose(
        convFilterGrad(x, dy, g, method).dataSync() as Float32Array,
        want.grads[1]!,
        `${label(c)} dw via ${method}`,
      );
    }
    tf.dispose([dy, x, w]);
  }
});

test('stock fused conv2d gradient runs on wasm through our Conv2DBackpropFilter kernel', async () => {
  // Linear: with an activation tf.fused.conv2d does not fuse under a gradient tape (plain Conv2D).
  for (const c of convCases().filter((_, i) => i % 3 === 0)) {
    await compare(
      `${label(c)} via tf.fused.conv2d`,
      [
        { shape: [3, c.h, c.w, c.inC], seed: 8 },
        { shape: [c.k, c.k, c.inC, c.outC], seed: 9 },
        { shape: [c.outC], seed: 10 },
      ],
      ([x, w, b]) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          bias: b,
          strides: c.stride,
          pad: c.pad,
          activation: 'linear',
        }),
    );
  }
});

test('fused matMul (dense) gradients match the cpu backend', async () => {
  for (const [m, k, n] of [
    [3, 5, 4],
    [3, 1, 7],
    [256, 37, 10],
    [5, 200, 3],
  ] as const) {
    for (const activation of ['relu', 'linear'] as const) {
      const inputs = [
        { shape: [m, k], seed: 11 },
        { shape: [k, n], seed: 12 },
        { shape: [n], seed: 13 },
      ];
      await compare(
        `dense [${m},${k}]x[${k},${n}] ${activation}`,
        inputs,
        ([a, b, bias]) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation }),
        ([a, b, bias]) =>
          fusedMatMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: bias as tf.Tensor1D, activation }),
      );
    }
  }
});

test('tf.matMul gradients with every transpose combination match the cpu backend', async () => {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const [m, k, n] = [3, 5, 4];
      const a = transposeA ? [k, m] : [m, k];
      const b = transposeB ? [n, k] : [k, n];
      await compare(
        `matMul tA=${transposeA} tB=${transposeB}`,
        [
          { shape: a, seed: 14 },
          { shape: b, seed: 15 },
        ],
        ([x, y]) => tf.matMul(x!, y!, transposeA, transposeB),
      );
    }
  }
});

test('maxPool gradient (our wasm MaxPoolGrad) matches the cpu backend', async () => {
  for (const [h, w, c, size, stride, pad] of [
    [7, 5, 3, 2, 2, 'valid'],
    [8, 8, 1, 2, 2, 'valid'],
    [9, 7, 5, 3, 2, 'same'],
    [6, 5, 2, 3, 1, 'same'],
    [7, 7, 4, 2, 1, 'valid'],
  ] as const) {
    await compare(
      `maxPool x[3,${h},${w},${c}] ${size}/${stride} ${pad}`,
      [{ shape: [3, h, w, c], seed: 16 }],
      ([x]) => tf.maxPool(x as tf.Tensor4D, size, stride, pad),
    );
  }
});

test('tf.gather gradient (UnsortedSegmentSum, added to wasm) matches the cpu backend', async () => {
  // Repeated and unused indices, gathering along axis 0 and along an inner axis.
  const indices = [2, 0, 2, 4, 1, 2];
  for (const axis of [0, 1]) {
    await compare(`gather axis ${axis}`, [{ shape: [5, 5, 3], seed: 20 }], ([x]) =>
      tf.gather(x!, tf.tensor1d(indices, 'int32'), axis),
    );
  }
});

test('tf.sum and tf.mean on wasm (pooling route for leading and middle axes) match the cpu backend', async () => {
  const shape = [3, 5, 4, 6];
  const axesList = [[0, 1, 2], [1, 2], [0], [1], [0, 1], [2], [3], [2, 3], [0, 1, 2, 3]];
  for (const axes of axesList) {
    for (const keepDims of [false, true]) {
      const run = async (backend: Backend) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const x = tf.tensor(randn(21, sizeOf(shape)), shape);
          const s = tf.sum(x, axes, keepDims);
          const m = tf.mean(x, axes, keepDims);
          return { shape: s.shape, sum: s.dataSync() as Float32Array, mean: m.dataSync() as Float32Array };
        });
      };
      const want = await run('cpu');
      const got = await run('wasm');
      assert.deepEqual(got.shape, want.shape, `shape of sum over ${axes}`);
      assertClose(got.sum, want.sum, `sum over [${axes}] keepDims=${keepDims}`);
      assertClose(got.mean, want.mean, `mean over [${axes}] keepDims=${keepDims}`);
    }
  }
  // Integer sums keep the stock kernel and stay exact.
  assert.ok(await tf.setBackend('wasm'));
  assert.deepEqual(
    Array.from(tf.sum(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32'), [0, 1]).dataSync()),
    [16, 20],
  );
});

test('maxPool gradient on ties goes to the first maximum, as on cpu', async () => {
  // ReLU outputs are full of equal zeros; a 2x2 window of zeros must pass its gradient once.
  const x = [0, 0, 1, 1, 0, 0, 1, 1, 2, 0, 3, 3, 0, 2, 3, 3];
  const run = async (backend: Backend) => {
    await tf.setBackend(backend);
    const weights = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), weights));
    return Array.from(tf.tidy(() => tf.grad(f)(tf.tensor4d(x, [1, 4, 4, 1]))).dataSync());
  };
  const want = await run('cpu');
  assert.deepEqual(await run('wasm'), want);
  assert.equal(
    want.reduce((a, b) => a + b, 0),
    10,
  );
});

test("with setFastGradients('always') the cpu backend computes our gradients too, to the same values", async () => {
  const c: ConvCase = { h: 9, w: 7, inC: 3, outC: 4, k: 3, stride: 2, pad: 'same' };
  const inputs = [
    { shape: [3, c.h, c.w, c.inC], seed: 17 },
    { shape: [c.k, c.k, c.inC, c.outC], seed: 18 },
    { shape: [c.outC], seed: 19 },
  ];
  const f = ([x, w, b]: tf.Tensor[]) =>
    fusedConv2d({
      x: x as tf.Tensor4D,
      filter: w as tf.Tensor4D,
      bias: b as tf.Tensor1D,
      strides: c.stride,
      pad: c.pad,
      activation: 'relu',
    });
  const want = await vjp('cpu', inputs, f);
  setFastGradients('always');
  try {
    const got = await vjp('cpu', inputs, f);
    want.grads.forEach((g, i) => assertClose(got.grads[i]!, g, `input ${i}`));
  } finally {
    setFastGradients('auto');
  }
});
