import * as tf from '@tensorflow/tfjs-core';
import type { ConvPad } from './conv.js';
import { fastGradientsActive } from './mode.js';
import { installFastGradients } from './register.js';

/**
 * The fused layer ops (conv + bias + relu, dense + bias + relu). Off the wasm backend they are
 * exactly tf.fused.conv2d and tf.fused.matMul. On wasm they run the same fused kernels directly,
 * so the tape records FusedConv2D / _FusedMatMul and our registered gradients for those run (tfjs
 * has none: its fused ops wrap the kernels in customGrad, which also computes the gradient of
 * every input eagerly, even the data batch's).
 */

export type Activation = 'linear' | 'relu';

export interface Conv2dArgs {
  x: tf.Tensor4D;
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D;
  strides: number | [number, number];
  pad: ConvPad;
  activation?: Activation;
}

/** y = activation(conv2d(x, filter) + bias), NHWC, no dilation. */
export function fusedConv2d(args: Conv2dArgs): tf.Tensor4D {
  const { x, filter, bias, strides, pad, activation = 'linear' } = args;
  if (!fastGradientsActive()) return tf.fused.conv2d({ x, filter, strides, pad, bias, activation });
  installFastGradients();
  const attrs = {
    strides,
    pad,
    dataFormat: 'NHWC',
    dilations: 1,
    activation,
    leakyreluAlpha: 0,
  } as unknown as tf.NamedAttrMap;
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  return tf.engine().runKernel('FusedConv2D', inputs, attrs) as tf.Tensor4D;
}

export interface MatMulArgs {
  a: tf.Tensor2D;
  b: tf.Tensor2D;
  bias?: tf.Tensor1D;
  activation?: Activation;
}

/** y = activation(a b + bias) for a [m, k], b [k, n]. */
export function fusedMatMul(args: MatMulArgs): tf.Tensor2D {
  const { a, b, bias, activation = 'linear' } = args;
  if (!fastGradientsActive()) return tf.fused.matMul({ a, b, bias, activation }) as tf.Tensor2D;
  installFastGradients();
  const attrs = {
    transposeA: false,
    transposeB: false,
    activation,
    leakyreluAlpha: 0,
  } as unknown as tf.NamedAttrMap;
  // The kernel takes rank-3 operands.
  const inputs: tf.NamedTensorMap = { a: tf.reshape(a, [1, ...a.shape]), b: tf.reshape(b, [1, ...b.shape]) };
  if (bias) inputs['bias'] = bias;
  const y = tf.engine().runKernel('_FusedMatMul', inputs, attrs) as tf.Tensor3D;
  return tf.reshape(y, [a.shape[0], b.shape[1]]);
}
