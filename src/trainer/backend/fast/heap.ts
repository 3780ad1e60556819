import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ConvGeom } from './conv.js';

/**
 * Kernels for the wasm backend written in JS on its heap, for data movement its own kernels do
 * slowly. Each is registered for 'wasm' only; callers check the backend.
 */

/** What tfjs passes a kernel: its inputs by name, the backend, its attributes. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Name of the im2col kernel below. */
export const IM2COL_T = 'ClusterLabIm2ColT';

/**
 * Transposed im2col of x [n, h, w, c]: [kh * kw * c, n * outH * outW], row (tap, channel), zeros
 * where a tap falls into the padding. tfjs's StridedSlice takes ~4 ms per tap for a
 * [256, 28, 28] plane; this is a single pass.
 */
export function im2colT(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const g = args.attrs as unknown as ConvGeom;
  const m = g.n * g.outH * g.outW;
  const out = backend.makeOutput([g.kH * g.kW * g.inC, m], 'float32');
  // Views after makeOutput: allocating may grow (and so replace) the heap buffer.
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const c = g.inC;
  let o = 0;
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) {
      // Output columns whose source column lies inside the image: [vLo, vHi).
      const vLo = Math.min(g.outW, Math.max(0, Math.ceil((g.padLeft - kw) / g.sW)));
      const vHi = Math.max(vLo, Math.min(g.outW, Math.ceil((g.inW + g.padLeft - kw) / g.sW)));
      for (let ci = 0; ci < c; ci++) {
        for (let b = 0; b < g.n; b++) {
          for (let u = 0; u < g.outH; u++) {
            const r = u * g.sH + kh - g.padTop;
            if (r < 0 || r >= g.inH) {
              dst.fill(0, o, o + g.outW);
              o += g.outW;
              continue;
            }
            const rowBase = (b * g.inH + r) * g.inW;
            let v = 0;
            for (; v < vLo; v++) dst[o++] = 0;
            for (let col = v * g.sW + kw - g.padLeft; v < vHi; v++, col += g.sW)
              dst[o++] = src[(rowBase + col) * c + ci]!;
            for (; v < g.outW; v++) dst[o++] = 0;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Identity that shares the input's buffer, as the cpu backend's does; the stock wasm kernel copies.
 * The engine clones every tensor it keeps for a gradient, so this saves a full copy of each
 * activation per training step. Tensors are immutable, so sharing (as Reshape does) is safe.
 */
export function identityShared(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: tf.TensorInfo };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * UnsortedSegmentSum, which wasm lacks (it is tf.gather's gradient): out[s] = sum of the rows of x
 * whose segment id is s; ids outside [0, numSegments) are dropped, as on cpu.
 */
export function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32')
    throw new Error(`UnsortedSegmentSum on wasm: unsupported dtype ${x.dtype}`);
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const inner = tf.util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  dst.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = ids[r]!;
    if (s < 0 || s >= numSegments) continue;
    const from = r * inner;
    const to = s * inner;
    for (let k = 0; k < inner; k++) dst[to + k] += src[from + k]!;
  }
  return out;
}

/** Name of the tap-selection kernel below. */
export const PICK_TAPS = 'ClusterLabPickTaps';

/**
 * Chosen taps of a filter [kh, kw, ci, co]: out[a, b] = w[rows[a], cols[b]], as block copies of
 * ci * co values. Serves the flipped filter of the input gradient and the per-phase sub-filters of
 * strided convolutions; the stock Reverse and StridedSlice take ~170 and ~110 ms on a
 * [3, 3, 256, 512] filter.
 */
export function pickTaps(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { rows, cols } = args.attrs as unknown as { rows: number[]; cols: number[] };
  const kw = x.shape[1]!;
  const block = tf.util.sizeFromShape(x.shape.slice(2));
  const out = backend.makeOutput([rows.length, cols.length, ...x.shape.slice(2)], x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  let o = 0;
  for (const r of rows) {
    for (const c of cols) {
      const from = (r * kw + c) * block;
      dst.set(src.subarray(from, from + block), o);
      o += block;
    }
  }
  return out;
}
