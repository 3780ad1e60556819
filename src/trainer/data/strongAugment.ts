import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';

/**
 * SCAN's strong augmentation ("ours" in the official code), for the SCAN and self-labeling stages:
 *   RandomHorizontalFlip -> n ops drawn with replacement from the RandAugment-like list below, each
 *   with a magnitude uniform in its range -> Cutout (one hole, side uniform in 1..cutout).
 * PIL semantics on float HWC images in [0, 1]: geometric ops sample the nearest pixel and fill with
 * black, the enhance ops blend with PIL's degenerate image. Per image in JS like ccAugment (see
 * augmentKernels.ts for why); deterministic under the Rng.
 */

export interface StrongAugmentConfig {
  /** Ops applied per image (num_strong_augs). */
  ops: number;
  /** Largest Cutout side in pixels; 0 disables it. The official CIFAR setting is half the side. */
  cutout: number;
  /**
   * Cutout's fill per channel. The official Cutout zeroes the normalized image, which is the
   * dataset's mean colour; pass that mean (black, 0, when not given).
   */
  fill: readonly number[];
}

type Op = (img: Float32Array, h: number, w: number, c: number, v: number, mirror: boolean) => void;

/** [op, low, high]; the list and ranges of the official augment_list(). */
const OPS: readonly [string, Op, number, number][] = [
  ['identity', () => {}, 0, 1],
  ['autocontrast', (img, _h, _w, c) => autoContrast(img, c), 0, 1],
  ['equalize', (img, _h, _w, c) => equalize(img, c), 0, 1],
  ['rotate', (img, h, w, c, v, m) => rotate(img, h, w, c, m ? -v : v), -30, 30],
  ['solarize', (img, _h, _w, _c, v) => solarize(img, v / 255), 0, 256],
  ['color', (img, h, w, c, v) => c === 3 && blend(img, grayOf(img, h * w, true), v), 0.05, 0.95],
  [
    'contrast',
    (img, h, w, c, v) => blend(img, new Float32Array(img.length).fill(meanGray(img, h * w, c)), v),
    0.05,
    0.95,
  ],
  ['brightness', (img, _h, _w, _c, v) => blend(img, new Float32Array(img.length), v), 0.05, 0.95],
  ['sharpness', (img, h, w, c, v) => blend(img, smoothed(img, h, w, c), v), 0.05, 0.95],
  ['shearX', (img, h, w, c, v, m) => affine(img, h, w, c, [1, m ? -v : v, 0, 0, 1, 0]), -0.1, 0.1],
  ['translateX', (img, h, w, c, v, m) => affine(img, h, w, c, [1, 0, (m ? -v : v) * w, 0, 1, 0]), -0.1, 0.1],
  ['translateY', (img, h, w, c, v, m) => affine(img, h, w, c, [1, 0, 0, 0, 1, (m ? -v : v) * h]), -0.1, 0.1],
  ['posterize', (img, _h, _w, _c, v) => posterize(img, Math.floor(v)), 4, 8],
  ['shearY', (img, h, w, c, v, m) => affine(img, h, w, c, [1, 0, 0, m ? -v : v, 1, 0]), -0.1, 0.1],
];

export const STRONG_OPS: readonly string[] = OPS.map(([name]) => name);

/** Strongly augmented copy of a float32 NHWC batch in [0, 1]; x is not disposed. */
export function strongAugment(x: tf.Tensor4D, rng: Rng, cfg: Partial<StrongAugmentConfig> = {}): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const { ops = 4, cutout = Math.floor(Math.min(h, w) / 2), fill = new Array<number>(c).fill(0) } = cfg;
  const out = Float32Array.from(x.dataSync() as Float32Array);
  const per = h * w * c;
  for (let i = 0; i < b; i++) {
    const img = out.subarray(i * per, (i + 1) * per);
    if (rng.next() < 0.5) flipHorizontal(img, h, w, c);
    for (let k = 0; k < ops; k++) applyOp(img, h, w, c, rng.int(OPS.length), rng.next(), rng.next() < 0.5);
    if (cutout > 0) cutoutHole(img, h, w, c, 1 + rng.int(cutout), rng.int(h), rng.int(w), fill);
  }
  return tf.tensor4d(out, [b, h, w, c], 'float32');
}

/** One op with magnitude fraction u in [0, 1) of its range; exposed for tests. */
export function applyOp(
  img: Float32Array,
  h: number,
  w: number,
  c: number,
  op: number,
  u: number,
  mirror: boolean,
): void {
  const [, fn, lo, hi] = OPS[op]!;
  fn(img, h, w, c, lo + u * (hi - lo), mirror);
  for (let j = 0; j < img.length; j++) img[j] = img[j]! < 0 ? 0 : img[j]! > 1 ? 1 : img[j]!;
}

function flipHorizontal(img: Float32Array, h: number, w: number, c: number): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w >> 1; x++) {
      const a = (y * w + x) * c;
      const b = (y * w + w - 1 - x) * c;
      for (let k = 0; k < c; k++) [img[a + k], img[b + k]] = [img[b + k]!, img[a + k]!];
    }
  }
}

/** Fills a length x length square centred at (cy, cx), clipped to the image, with `fill` (the official Cutout). */
export function cutoutHole(
  img: Float32Array,
  h: number,
  w: number,
  c: number,
  length: number,
  cy: number,
  cx: number,
  fill: readonly number[],
): void {
  const half = Math.floor(length / 2);
  const y1 = Math.max(0, cy - half);
  const y2 = Math.min(h, cy + half);
  const x1 = Math.max(0, cx - half);
  const x2 = Math.min(w, cx + half);
  for (let y = y1; y < y2; y++)
    for (let x = x1; x < x2; x++) for (let ch = 0; ch < c; ch++) img[(y * w + x) * c + ch] = fill[ch]!;
}

/** PIL Image.transform(AFFINE, (a, b, c, d, e, f)): output (x, y) samples input (ax + by + c, dx + ey + f). */
function affine(
  img: Float32Array,
  h: number,
  w: number,
  ch: number,
  m: [number, number, number, number, number, number],
): void {
  const src = img.slice();
  const [a, b, c, d, e, f] = m;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // PIL samples at pixel centres.
      const sx = Math.floor(a * (x + 0.5) + b * (y + 0.5) + c);
      const sy = Math.floor(d * (x + 0.5) + e * (y + 0.5) + f);
      const o = (y * w + x) * ch;
      const inside = sx >= 0 && sx < w && sy >= 0 && sy < h;
      for (let k = 0; k < ch; k++) img[o + k] = inside ? src[(sy * w + sx) * ch + k]! : 0;
    }
  }
}

/** PIL rotate(deg): counter-clockwise about the centre, nearest neighbour, black corners. */
function rotate(img: Float32Array, h: number, w: number, c: number, deg: number): void {
  const t = (-deg * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cx = w / 2;
  const cy = h / 2;
  // Inverse map of a rotation about (cx, cy), written as PIL's affine coefficients.
  affine(img, h, w, c, [cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy]);
}

function solarize(img: Float32Array, threshold: number): void {
  for (let j = 0; j < img.length; j++) if (img[j]! >= threshold) img[j] = 1 - img[j]!;
}

function posterize(img: Float32Array, bits: number): void {
  const mask = ~((1 << (8 - bits)) - 1) & 0xff;
  for (let j = 0; j < img.length; j++) img[j] = (Math.round(img[j]! * 255) & mask) / 255;
}

/** PIL ImageEnhance: degenerate + f * (img - degenerate). */
function blend(img: Float32Array, degenerate: Float32Array, f: number): void {
  for (let j = 0; j < img.length; j++) img[j] = degenerate[j]! + f * (img[j]! - degenerate[j]!);
}

/** Grey value of every pixel (ITU-R 601), repeated over the channels when `spread`. */
function grayOf(img: Float32Array, pixels: number, spread: boolean): Float32Array {
  const out = new Float32Array(spread ? pixels * 3 : pixels);
  for (let p = 0; p < pixels; p++) {
    const g = 0.299 * img[3 * p]! + 0.587 * img[3 * p + 1]! + 0.114 * img[3 * p + 2]!;
    if (spread) out.fill(g, 3 * p, 3 * p + 3);
    else out[p] = g;
  }
  return out;
}

/** Mean grey level rounded to a byte, as PIL's Contrast computes its degenerate image. */
function meanGray(img: Float32Array, pixels: number, c: number): number {
  const g = c === 3 ? grayOf(img, pixels, false) : img;
  let s = 0;
  for (let p = 0; p < pixels; p++) s += g[p]!;
  return Math.round((s / pixels) * 255) / 255;
}

/** PIL's SMOOTH filter (centre 5, neighbours 1, /13) inside, the original on the border. */
function smoothed(img: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = img.slice();
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let k = 0; k < c; k++) {
        let s = 4 * img[(y * w + x) * c + k]!;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) s += img[((y + dy) * w + x + dx) * c + k]!;
        out[(y * w + x) * c + k] = s / 13;
      }
    }
  }
  return out;
}

function autoContrast(img: Float32Array, c: number): void {
  for (let k = 0; k < c; k++) {
    let lo = 1;
    let hi = 0;
    for (let j = k; j < img.length; j += c) {
      lo = Math.min(lo, img[j]!);
      hi = Math.max(hi, img[j]!);
    }
    if (hi <= lo) continue;
    for (let j = k; j < img.length; j += c) img[j] = (img[j]! - lo) / (hi - lo);
  }
}

/** PIL ImageOps.equalize per channel on 256 levels. */
function equalize(img: Float32Array, c: number): void {
  const n = img.length / c;
  for (let k = 0; k < c; k++) {
    const hist = new Int32Array(256);
    for (let j = k; j < img.length; j += c) hist[Math.round(img[j]! * 255)]!++;
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    const step = Math.floor((n - hist[last]!) / 255);
    if (step === 0) continue;
    const lut = new Float32Array(256);
    let acc = Math.floor(step / 2);
    for (let v = 0; v < 256; v++) {
      lut[v] = Math.min(255, Math.floor(acc / step)) / 255;
      acc += hist[v]!;
    }
    for (let j = k; j < img.length; j += c) img[j] = lut[Math.round(img[j]! * 255)]!;
  }
}
