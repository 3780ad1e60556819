import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Sum and Mean for the wasm backend over a block of axes that is not innermost, e.g. [0, 1, 2] of
 * NHWC (bias and batch-norm gradients) or [1, 2] (global average pooling). The stock kernels
 * transpose the reduced axes inwards first, ~12 ms for a [32, 16, 16, 256] tensor; viewed as
 * [outer, reduced, 1, inner] the same reduction is one XNNPACK average pool, ~0.3 ms. Other
 * reductions, and non-float32 ones, go to the stock kernel.
 */
export function reduceByPooling(stock: tf.KernelFunc, mean: boolean): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs['x'] as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const shape = x.shape;
    const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
    const lo = axes[0];
    const hi = axes[axes.length - 1];
    if (
      x.dtype !== 'float32' ||
      lo === undefined ||
      hi === undefined ||
      hi - lo + 1 !== axes.length ||
      hi === shape.length - 1
    )
      return stock(args);
    const outer = tf.util.sizeFromShape(shape.slice(0, lo));
    const reduced = tf.util.sizeFromShape(shape.slice(lo, hi + 1));
    const inner = tf.util.sizeFromShape(shape.slice(hi + 1));
    if (reduced < 2) return stock(args);
    const avgPool = tf.getKernel('AvgPool', 'wasm')!.kernelFunc;
    // The average pool reads the input through this view: same buffer, another shape.
    const view: tf.TensorInfo = { dataId: x.dataId, shape: [outer, reduced, 1, inner], dtype: 'float32' };
    let out = avgPool({
      inputs: { x: view },
      backend,
      attrs: { filterSize: [reduced, 1], strides: [1, 1], pad: 'valid' },
    }) as tf.TensorInfo;
    if (!mean) {
      const scale = backend.makeOutput([], 'float32', undefined, Float32Array.of(reduced));
      const scaled = tf
        .getKernel('Multiply', 'wasm')!
        .kernelFunc({ inputs: { a: out, b: scale }, backend, attrs: {} }) as tf.TensorInfo;
      backend.disposeData(out.dataId);
      backend.disposeData(scale.dataId);
      out = scaled;
    }
    const outShape = keepDims
      ? shape.map((d, i) => (i >= lo && i <= hi ? 1 : d))
      : shape.filter((_, i) => i < lo || i > hi);
    return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
  };
}
