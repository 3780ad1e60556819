import * as tf from '@tensorflow/tfjs-core';
import '../stockGradients.js';
import { convFilterGrad, convGeom, convInputGrad, type ConvGeom, type ConvPad } from './conv.js';
import { matMulAT, matMulBT, sumRows } from './linalg.js';
import { fastGradientsActive } from './mode.js';
import { IM2COL_T, PICK_TAPS, pickTaps, identityShared, im2colT, unsortedSegmentSum } from './heap.js';
import { maxPoolGradWasm } from './pool.js';
import { reduceByPooling } from './reduce.js';

/**
 * Registers our gradients and wasm kernels with tfjs (once per process):
 *  - gradients for the FusedConv2D and _FusedMatMul kernels, which tfjs lacks (its fused ops use
 *    customGrad); only our fused ops (ops.ts) put these kernels on the tape;
 *  - Conv2D and BatchMatMul gradients that are ours while the wasm backend is active and tfjs's
 *    otherwise, for code calling tf.conv2d / tf.matMul directly;
 *  - for the 'wasm' backend only: the missing Conv2DBackpropFilter and UnsortedSegmentSum kernels
 *    (so tfjs's own fused-op and gather gradients work there too), and faster MaxPoolGrad,
 *    Identity, Cast, Sum and Mean in place of the stock ones (heap.ts, pool.ts, reduce.ts).
 */

let installed = false;

/** Kernels we add to wasm that run other kernels inside (a profile should not count them twice). */
export const COMPOSITE_WASM_KERNELS: ReadonlySet<string> = new Set(['Conv2DBackpropFilter']);

type Strides = number | [number, number];
interface ConvAttrs {
  strides: Strides;
  pad: ConvPad;
  dilations?: Strides;
  dataFormat: string;
  dimRoundingMode?: string;
  activation?: string;
}

export function installFastGradients(): void {
  if (installed) return;
  installed = true;

  tf.registerGradient({
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      if (!plainConv(a)) throw new Error('FusedConv2D gradient: NHWC without dilation or rounding mode only');
      const g = convGeom(x.shape, filter.shape, a.strides, a.pad);
      const d = activationGrad(dy as tf.Tensor4D, y, a.activation);
      return {
        x: () => convInputGrad(d, filter, g),
        filter: () => convFilterGrad(x, d, g),
        bias: () => biasGrad(d, g),
      };
    },
  });

  tf.registerGradient({
    kernelName: '_FusedMatMul',
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a3, b3, y3] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const { transposeA, transposeB, activation } = attrs as unknown as {
        transposeA: boolean;
        transposeB: boolean;
        activation?: string;
      };
      if (transposeA || transposeB || a3.shape[0] !== 1 || b3.shape[0] !== 1)
        throw new Error('_FusedMatMul gradient: un-transposed, unbatched operands only');
      const as2d = (t: tf.Tensor3D): tf.Tensor2D => tf.reshape(t, [t.shape[1], t.shape[2]]);
      const [a, b, y] = [as2d(a3), as2d(b3), as2d(y3)];
      const d = activationGrad(as2d(dy as tf.Tensor3D), y, activation);
      return {
        a: () => tf.reshape(matMulBT(d, b), a3.shape),
        b: () => tf.reshape(matMulAT(a, d), b3.shape),
        bias: () => sumRows(d),
      };
    },
  });

  overrideGradient('Conv2D', (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as ConvAttrs;
    if (!plainConv(a)) return undefined;
    const g = convGeom(x.shape, filter.shape, a.strides, a.pad);
    return {
      x: () => convInputGrad(dy as tf.Tensor4D, filter, g),
      filter: () => convFilterGrad(x, dy as tf.Tensor4D, g),
    };
  });

  overrideGradient('BatchMatMul', (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    // Rank-2 operands only (what our models use); batched products keep the stock gradient.
    if (a.rank !== 2 || b.rank !== 2 || dy.rank !== 2) return undefined;
    const [A, B, D] = [a, b, dy] as tf.Tensor2D[] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    // y = op(A) op(B) with op = identity or transpose.
    if (!transposeA && !transposeB) return { a: () => matMulBT(D, B), b: () => matMulAT(A, D) };
    if (!transposeA && transposeB) return { a: () => tf.matMul(D, B), b: () => matMulAT(D, A) };
    if (transposeA && !transposeB) return { a: () => matMulBT(B, D), b: () => tf.matMul(A, D) };
    return { a: () => tf.transpose(tf.matMul(D, B)), b: () => tf.transpose(tf.matMul(A, D)) };
  });

  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
      if (!plainConv(a))
        throw new Error('Conv2DBackpropFilter on wasm: NHWC without dilation or rounding mode only');
      const g = convGeom(x.shape, a.filterShape, a.strides, a.pad);
      // A kernel may return a Tensor; the engine then adopts it as the output.
      return tf.tidy(() => convFilterGrad(x, dy, g)) as unknown as tf.TensorInfo;
    },
  });

  replaceWasmKernel('MaxPoolGrad', maxPoolGradWasm);
  const stockIdentity = tf.getKernel('Identity', 'wasm')?.kernelFunc;
  // Strings keep the stock path (they live outside the heap).
  replaceWasmKernel(
    'Identity',
    (args) =>
      ((args.inputs['x'] as tf.TensorInfo).dtype === 'string' && stockIdentity
        ? stockIdentity(args)
        : identityShared(args)) as tf.TensorInfo,
  );
  // A cast to the same dtype (tfjs's relu gradient does one per step) copies on wasm; share instead.
  const stockCast = tf.getKernel('Cast', 'wasm')!.kernelFunc;
  replaceWasmKernel('Cast', (args) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    const same = x.dtype === (args.attrs as unknown as { dtype: string }).dtype && x.dtype !== 'string';
    return (same ? identityShared(args) : stockCast(args)) as tf.TensorInfo;
  });
  tf.registerKernel({ kernelName: IM2COL_T, backendName: 'wasm', kernelFunc: im2colT });
  tf.registerKernel({ kernelName: PICK_TAPS, backendName: 'wasm', kernelFunc: pickTaps });
  for (const [name, mean] of [
    ['Sum', false],
    ['Mean', true],
  ] as const) {
    const stock = tf.getKernel(name, 'wasm')!.kernelFunc;
    replaceWasmKernel(name, reduceByPooling(stock, mean));
  }
  // tf.gather's gradient; missing on wasm.
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm'))
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: unsortedSegmentSum,
    });
}

/** dL/d(pre-activation): relu'(z) = [z > 0] = [y > 0], step(0) = 0 as in tfjs's fused gradients. */
function activationGrad<T extends tf.Tensor>(dy: T, y: T, activation: string | undefined): T {
  if (activation === undefined || activation === 'linear') return dy;
  if (activation === 'relu') return tf.mul(dy, tf.step(y));
  throw new Error(`no gradient for fused activation ${activation}`);
}

/**
 * Sum of d over n, h, w: a global average pool per image (XNNPACK, one pass) then a small column
 * sum. Summing [n*h*w, c] directly packs all of d for a matMul or transposes it for tf.sum.
 */
function biasGrad(d: tf.Tensor4D, g: ConvGeom): tf.Tensor1D {
  const perImage = tf.reshape(tf.avgPool(d, [g.outH, g.outW], 1, 'valid'), [g.n, g.outC]) as tf.Tensor2D;
  return tf.mul(sumRows(perImage), g.outH * g.outW);
}

type GradMap = { [input: string]: () => tf.Tensor };
type FastGrad = (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => GradMap | undefined;

/** Replaces a kernel's gradient by `fast` on wasm; elsewhere (or when `fast` declines) the stock one runs. */
function overrideGradient(kernelName: string, fast: FastGrad): void {
  const stock = tf.getGradient(kernelName);
  if (!stock) throw new Error(`no stock gradient registered for ${kernelName}`);
  tf.registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const mine = fastGradientsActive() && !Array.isArray(dy) ? fast(dy, saved, attrs) : undefined;
      return mine ?? stock.gradFunc(dy, saved, attrs);
    },
  });
}

function replaceWasmKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const stock = tf.getKernel(kernelName, 'wasm');
  if (stock) tf.unregisterKernel(kernelName, 'wasm');
  // Keep the stock setupFunc: it binds the wasm function the stock kernelFunc (our fallback) calls.
  tf.registerKernel({ ...stock, kernelName, backendName: 'wasm', kernelFunc });
}

function unitDilation(d: Strides | undefined): boolean {
  return d === undefined || d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1);
}

function plainConv(a: ConvAttrs): boolean {
  return a.dataFormat === 'NHWC' && unitDilation(a.dilations) && a.dimRoundingMode == null;
}
