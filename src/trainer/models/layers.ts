import * as tf from '@tensorflow/tfjs-core';
import { fusedConv2d, fusedMatMul } from '../backend/fast/ops.js';
import { Rng } from '../util/rng.js';

/**
 * Building blocks for our models, on tfjs-core ops only (no tfjs-layers): we need to own every
 * op that runs in a training step so the wasm backend's gradients can be ours.
 * Layout is NHWC; conv filters are [kh, kw, in, out].
 */

/** Initial values of a variable of n elements, drawn from rng. */
export type Init = (n: number, rng: Rng) => Float32Array;

/** Named variables of a model: `trainable` get gradients, `state` (batch-norm statistics) do not. */
export class ParamSet {
  private static count = 0;
  readonly trainable = new Map<string, tf.Variable>();
  readonly state = new Map<string, tf.Variable>();
  /** tfjs variable names are global to the engine, so two models need different ones. */
  readonly prefix = `m${ParamSet.count++}/`;

  constructor(readonly rng: Rng) {}

  private readonly inits = new Map<string, Init>();

  add(name: string, shape: number[], init: Init, trainable = true): tf.Variable {
    const map = trainable ? this.trainable : this.state;
    if (this.trainable.has(name) || this.state.has(name)) throw new Error(`duplicate parameter ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const v = tf.variable(tf.tensor(init(size, this.rng), shape, 'float32'), trainable, this.prefix + name);
    map.set(name, v);
    this.inits.set(name, init);
    return v;
  }

  /** Draws fresh initial values, from `rng`, for every variable whose name starts with `prefix`. */
  reinitialize(prefix: string, rng: Rng): void {
    for (const [name, v] of this.all()) {
      if (!name.startsWith(prefix)) continue;
      const init = this.inits.get(name)!;
      tf.tidy(() => v.assign(tf.tensor(init(v.size, rng), v.shape, 'float32')));
    }
  }

  /** Every variable, trainable first, in creation order: the checkpoint's order. */
  all(): Map<string, tf.Variable> {
    return new Map([...this.trainable, ...this.state]);
  }

  /** A tfjs variable name (or an optimizer slot named after one) without this model's prefix. */
  logicalName(engineName: string): string {
    return engineName.startsWith(this.prefix) ? engineName.slice(this.prefix.length) : engineName;
  }

  dispose(): void {
    for (const v of this.all().values()) v.dispose();
  }
}

export interface Layer {
  apply(x: tf.Tensor, training: boolean): tf.Tensor;
}

/** Kaiming-uniform with a = sqrt(5), PyTorch's default for conv and linear weights. */
function kaimingUniform(fanIn: number): Init {
  const bound = 1 / Math.sqrt(fanIn);
  return (n, rng) => Float32Array.from({ length: n }, () => rng.uniform(-bound, bound));
}

export const zeros: Init = (n) => new Float32Array(n);

/** Normal with mean 0 and standard deviation `std` (PyTorch's normal_(0, std)). */
export function normalInit(std: number): Init {
  return (n, rng) => Float32Array.from({ length: n }, () => rng.normal() * std);
}
const ones: Init = (n) => new Float32Array(n).fill(1);

export interface ConvOptions {
  stride?: number;
  bias?: boolean;
  /** Fused activation; relu lets the backend do conv + bias + relu in one kernel. */
  activation?: 'linear' | 'relu';
}

export function conv2d(
  p: ParamSet,
  name: string,
  inC: number,
  outC: number,
  k: number,
  opts: ConvOptions = {},
): Layer {
  const { stride = 1, bias = true, activation = 'linear' } = opts;
  const init = kaimingUniform(inC * k * k);
  const w = p.add(`${name}.weight`, [k, k, inC, outC], init);
  const b = bias ? p.add(`${name}.bias`, [outC], init) : undefined;
  return {
    apply: (x) =>
      // tf.fused.conv2d off wasm; on wasm the same kernel with our faster gradient.
      fusedConv2d({
        x: x as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: stride,
        pad: 'same',
        bias: b as tf.Tensor1D | undefined,
        activation,
      }),
  };
}

export function dense(
  p: ParamSet,
  name: string,
  inF: number,
  outF: number,
  activation: 'linear' | 'relu' = 'linear',
  init?: { weight: Init; bias: Init },
): Layer {
  const w = p.add(`${name}.weight`, [inF, outF], init?.weight ?? kaimingUniform(inF));
  const b = p.add(`${name}.bias`, [outF], init?.bias ?? kaimingUniform(inF));
  return {
    apply: (x) =>
      fusedMatMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b as tf.Tensor1D, activation }),
  };
}

/** Batch norm over N, H, W (or N for 2-D input); running statistics are state, momentum 0.1 as in PyTorch. */
export function batchNorm(p: ParamSet, name: string, channels: number, eps = 1e-5, momentum = 0.1): Layer {
  const gamma = p.add(`${name}.weight`, [channels], ones);
  const beta = p.add(`${name}.bias`, [channels], zeros);
  const runMean = p.add(`${name}.running_mean`, [channels], zeros, false);
  const runVar = p.add(`${name}.running_var`, [channels], ones, false);
  return {
    apply: (x, training) => {
      const axes = x.rank === 4 ? [0, 1, 2] : [0];
      if (!training) return tf.batchNorm(x, runMean, runVar, beta, gamma, eps);
      const { mean, variance } = tf.moments(x, axes);
      tf.tidy(() => {
        const n = x.size / channels;
        runMean.assign(tf.add(tf.mul(runMean, 1 - momentum), tf.mul(mean, momentum)));
        runVar.assign(
          tf.add(tf.mul(runVar, 1 - momentum), tf.mul(variance, (momentum * n) / Math.max(n - 1, 1))),
        );
      });
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
    },
  };
}

export const relu: Layer = { apply: (x) => tf.relu(x) };

export function maxPool(size: number): Layer {
  return { apply: (x) => tf.maxPool(x as tf.Tensor4D, size, size, 'valid') };
}

export const globalAvgPool: Layer = { apply: (x) => tf.mean(x, [1, 2]) };

export const flatten: Layer = { apply: (x) => tf.reshape(x, [x.shape[0]!, -1]) };

export function sequential(...layers: Layer[]): Layer {
  return { apply: (x, training) => layers.reduce((h, l) => l.apply(h, training), x) };
}
