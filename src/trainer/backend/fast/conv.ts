import * as tf from '@tensorflow/tfjs-core';
import { IM2COL_T, PICK_TAPS } from './heap.js';

/**
 * Gradients of a 2-D convolution (NHWC, filter [kh, kw, in, out], no dilation) built from kernels
 * that are fast on the wasm backend: XNNPACK's forward convolution and its un-transposed matMul.
 * tfjs's own Conv2DBackpropInput is ~6x slower than a forward conv there, Conv2DBackpropFilter does
 * not exist, and matMul with a transposed operand falls back to a naive loop.
 */

export type ConvPad =
  'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvGeom {
  n: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  padTop: number;
  padLeft: number;
}

export function convGeom(
  xShape: number[],
  wShape: number[],
  strides: number | [number, number],
  pad: ConvPad,
): ConvGeom {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    wShape as [number, number, number, number],
    strides,
    1,
    pad,
  );
  return {
    n: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

type Pairs = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Rows [start, start + len) of `t` along a spatial axis, where rows outside [0, size) read as
 * zeros: returns the (possibly cropped) tensor and the non-negative zero padding still needed on
 * each side, which the caller hands to the convolution so no padded copy is made.
 */
function window(
  t: tf.Tensor4D,
  axis: 1 | 2,
  start: number,
  len: number,
): { t: tf.Tensor4D; before: number; after: number } {
  const size = t.shape[axis];
  const lo = Math.max(start, 0);
  const hi = Math.min(start + len, size);
  let out = t;
  if (lo > 0 || hi < size) {
    const begin = [0, 0, 0, 0];
    const extent = [...t.shape];
    begin[axis] = lo;
    extent[axis] = Math.max(hi - lo, 0);
    out = tf.slice(t, begin, extent);
  }
  const before = lo - start;
  return { t: out, before, after: len - before - Math.max(hi - lo, 0) };
}

/** One stride phase along an axis: output rows p, p+s, ... and the filter taps that reach them. */
interface Phase {
  /** Output rows in this phase. */
  count: number;
  /** First tap k ≡ (p + pad) mod s, taps first, first+s, ... */
  first: number;
  taps: number;
  /** dy row read by the last tap for the phase's first output row. */
  offset: number;
}

function phase(p: number, size: number, k: number, s: number, pad: number): Phase {
  const count = p < size ? Math.ceil((size - p) / s) : 0;
  const first = (((p + pad) % s) + s) % s;
  const taps = first < k ? Math.ceil((k - first) / s) : 0;
  const q = (p + pad - first) / s;
  return { count, first, taps, offset: q - (taps - 1) };
}

/**
 * dL/dx of y = conv(x, w). Stride 1 is one forward conv of dy with the spatially flipped,
 * in/out-swapped filter. Stride s > 1 splits dx into s*s phases (output rows ≡ p mod s); each
 * phase is a stride-1 forward conv of dy with the taps that reach it, and the phases are
 * interleaved afterwards. That does the minimum arithmetic, unlike convolving a zero-dilated dy.
 */
export function convInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeom): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = Array.from({ length: g.sH }, (_, p) => phase(p, g.inH, g.kH, g.sH, g.padTop));
    const cols = Array.from({ length: g.sW }, (_, p) => phase(p, g.inW, g.kW, g.sW, g.padLeft));
    const part = (r: Phase, c: Phase): tf.Tensor4D => {
      if (r.count === 0 || c.count === 0) return tf.zeros([g.n, r.count, c.count, g.inC]);
      if (r.taps === 0 || c.taps === 0) return tf.zeros([g.n, r.count, c.count, g.inC]);
      // Taps first, first+s, ... in reverse order (correlation runs the other way), in/out swapped.
      const f = tf.transpose(pickTaps(w, tapsDown(r, g.sH), tapsDown(c, g.sW)), [0, 1, 3, 2]);
      const h = window(dy, 1, r.offset, r.count + r.taps - 1);
      const v = window(h.t, 2, c.offset, c.count + c.taps - 1);
      const pad: Pairs = [
        [0, 0],
        [h.before, h.after],
        [v.before, v.after],
        [0, 0],
      ];
      if (v.t.shape[1] === 0 || v.t.shape[2] === 0) return tf.zeros([g.n, r.count, c.count, g.inC]);
      return tf.conv2d(v.t, f, 1, pad);
    };
    if (g.sH === 1 && g.sW === 1) return part(rows[0]!, cols[0]!);
    // Interleave: pad every phase to the largest, stack to [n, H', sH, W', sW, c], then fold.
    const hMax = rows[0]!.count;
    const wMax = cols[0]!.count;
    const grid = rows.map((r) => {
      const across = cols.map((c) => {
        const t = part(r, c);
        return t.shape[1] < hMax || t.shape[2] < wMax
          ? tf.pad(t, [
              [0, 0],
              [0, hMax - t.shape[1]],
              [0, wMax - t.shape[2]],
              [0, 0],
            ])
          : t;
      });
      return tf.stack(across, 3);
    });
    const folded = tf.reshape(tf.stack(grid, 2), [g.n, hMax * g.sH, wMax * g.sW, g.inC]) as tf.Tensor4D;
    return folded.shape[1] === g.inH && folded.shape[2] === g.inW
      ? folded
      : tf.slice(folded, [0, 0, 0, 0], [g.n, g.inH, g.inW, g.inC]);
  });
}

/** A phase's taps, last first. */
function tapsDown(p: Phase, s: number): number[] {
  return Array.from({ length: p.taps }, (_, a) => p.first + s * (p.taps - 1 - a));
}

/** w[rows[a], cols[b]]: a JS kernel on wasm, where Reverse and StridedSlice are very slow. */
function pickTaps(w: tf.Tensor4D, rows: number[], cols: number[]): tf.Tensor4D {
  if (tf.getBackend() === 'wasm')
    return tf
      .engine()
      .runKernel(PICK_TAPS, { x: w }, { rows, cols } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  return tf.gather(tf.gather(w, rows, 0), cols, 1) as tf.Tensor4D;
}

/** How dL/dw is computed; 'auto' picks by a cost model measured on wasm. */
export type FilterGradMethod = 'auto' | 'conv' | 'convT' | 'matmul';

/** Rows of x (zero outside) read by tap 0 .. the last tap along one axis. */
function extent(out: number, k: number, s: number): number {
  return (out - 1) * s + k;
}

/**
 * dL/dw of y = conv(x, w).
 * 'conv': a forward conv with the batch as channels: x as [inC, H, W, n], dy as a filter
 *   [outH, outW, n, outC], dilation = stride, output [inC, kh, kw, outC]. Costs a full transpose
 *   of x, a block transpose of dy and the preparation of a filter as big as dy.
 * 'convT' (stride 1; else 'conv'): the same with the roles swapped: dy as [outC, outH, outW, n]
 *   convolved with x as a filter [H, W, n, inC] gives the taps in reverse order. Cheaper when x
 *   is the smaller of the two.
 * 'matmul': im2col transposed, [kh*kw*inC, n*outH*outW], times dy as [n*outH*outW, outC]. XNNPACK
 *   packs all of dy for the product and im2col copies kh*kw values per input, so it pays off for
 *   few input channels (the first layer). On wasm im2col is one JS pass (heap.ts); elsewhere a
 *   transpose and a strided slice per tap.
 */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  g: ConvGeom,
  method: FilterGradMethod = 'auto',
): tf.Tensor4D {
  let m = method === 'auto' ? pickFilterGradMethod(g) : method;
  if (m === 'convT' && (g.sH > 1 || g.sW > 1)) m = 'conv';
  return tf.tidy(() =>
    m === 'conv'
      ? filterGradConv(x, dy, g)
      : m === 'convT'
        ? filterGradConvT(x, dy, g)
        : filterGradMatMul(x, dy, g),
  );
}

/**
 * Data movement per output position in ns on wasm (the GEMM is the same for all): im2col ~5 per
 * value, packing dy for XNNPACK ~3.4, a full transpose ~5, a block transpose ~1-2, a conv filter's
 * preparation (tfjs transposes it, XNNPACK packs it) ~11 per value.
 */
function pickFilterGradMethod(g: ConvGeom): 'conv' | 'convT' | 'matmul' {
  const costs: [number, 'conv' | 'convT' | 'matmul'][] = [
    [5 * g.kH * g.kW * g.inC + 3.4 * g.outC, 'matmul'],
    [13 * g.outC + 5 * g.inC, 'conv'],
  ];
  // convT's GEMM has inC output channels; below a SIMD tile's width it wastes most of the work.
  if (g.sH === 1 && g.sW === 1 && g.inC >= 8) costs.push([12 * g.inC + 5 * g.outC, 'convT']);
  return costs.sort((a, b) => a[0] - b[0])[0]![1];
}

function filterGradConv(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeom): tf.Tensor4D {
  const h = window(x, 1, -g.padTop, extent(g.outH, g.kH, g.sH));
  const v = window(h.t, 2, -g.padLeft, extent(g.outW, g.kW, g.sW));
  const xT = tf.transpose(v.t, [3, 1, 2, 0]);
  const f = tf.transpose(dy, [1, 2, 0, 3]);
  const pad: Pairs = [
    [0, 0],
    [h.before, h.after],
    [v.before, v.after],
    [0, 0],
  ];
  const r = tf.conv2d(xT, f, 1, pad, 'NHWC', [g.sH, g.sW]);
  return tf.transpose(r, [1, 2, 0, 3]);
}

function filterGradConvT(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeom): tf.Tensor4D {
  // out[co, i, j, ci] = sum dy[n, i + fh - P, j + fw - Q, co] x[n, fh, fw, ci] is dw[kh, kw] at
  // i = P + padTop - kh: with P = kh - 1 - padTop, tap kh lands on row kh - 1 - kh.
  const top = g.kH - 1 - g.padTop;
  const left = g.kW - 1 - g.padLeft;
  const pad: Pairs = [
    [0, 0],
    [top, g.kH - 1 + g.inH - g.outH - top],
    [left, g.kW - 1 + g.inW - g.outW - left],
    [0, 0],
  ];
  if (pad.some(([a, b]) => a < 0 || b < 0)) return filterGradConv(x, dy, g);
  const r = tf.conv2d(tf.transpose(dy, [3, 1, 2, 0]), tf.transpose(x, [1, 2, 0, 3]), 1, pad);
  const rows = Array.from({ length: g.kH }, (_, a) => g.kH - 1 - a);
  const cols = Array.from({ length: g.kW }, (_, b) => g.kW - 1 - b);
  return pickTaps(tf.transpose(r, [1, 2, 3, 0]), rows, cols);
}

function filterGradMatMul(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeom): tf.Tensor4D {
  const m = g.n * g.outH * g.outW;
  const dy2 = tf.reshape(dy, [m, g.outC]) as tf.Tensor2D;
  const hLen = extent(g.outH, g.kH, g.sH);
  const wLen = extent(g.outW, g.kW, g.sW);
  if (tf.getBackend() === 'wasm') {
    const cols = tf
      .engine()
      .runKernel(IM2COL_T, { x }, { ...g } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
    return tf.reshape(tf.matMul(cols, dy2), [g.kH, g.kW, g.inC, g.outC]) as tf.Tensor4D;
  }
  const h = window(x, 1, -g.padTop, hLen);
  const v = window(h.t, 2, -g.padLeft, wLen);
  let xT = tf.transpose(v.t, [3, 0, 1, 2]);
  if (h.before || h.after || v.before || v.after)
    xT = tf.pad(xT, [
      [0, 0],
      [0, 0],
      [h.before, h.after],
      [v.before, v.after],
    ]);
  if (g.kH === 1 && g.kW === 1 && g.sH === 1 && g.sW === 1) {
    return tf.reshape(tf.matMul(tf.reshape(xT, [g.inC, m]) as tf.Tensor2D, dy2), [
      1,
      1,
      g.inC,
      g.outC,
    ]) as tf.Tensor4D;
  }
  const rows: tf.Tensor2D[] = [];
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) {
      const tap = tf.stridedSlice(
        xT,
        [0, 0, kh, kw],
        [g.inC, g.n, kh + (g.outH - 1) * g.sH + 1, kw + (g.outW - 1) * g.sW + 1],
        [1, 1, g.sH, g.sW],
      );
      rows.push(tf.reshape(tap, [g.inC, m]) as tf.Tensor2D);
    }
  }
  return tf.reshape(tf.matMul(tf.concat(rows, 0), dy2), [g.kH, g.kW, g.inC, g.outC]) as tf.Tensor4D;
}
