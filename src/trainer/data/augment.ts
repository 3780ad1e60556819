import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';
import {
  brightness,
  contrast,
  gaussianBlur,
  gaussianTaps,
  grayscale,
  hue,
  resizedCrop,
  saturation,
} from './augmentKernels.js';

/**
 * Contrastive Clustering's view augmentation (SimCLR-style), as torchvision runs it in the CC repo:
 *   RandomResizedCrop(scale 0.08-1, ratio 3/4-4/3) -> RandomHorizontalFlip(0.5)
 *   -> RandomApply(ColorJitter(0.4, 0.4, 0.4, 0.1), p 0.8) -> RandomGrayscale(0.2)
 *   -> Gaussian blur (off by default, as CC's CIFAR recipe; blurProb 0.5: SimCLR's, kernel ~10% of the side, sigma 0.1-2).
 * Every random choice is drawn from the Rng first (sampleAugment), so a seed gives the same views on
 * any backend; the pixels are then computed per image in JS (augmentKernels.ts says why that beats
 * batched tensor ops on wasm) and uploaded as one tensor. Forward only.
 */

export interface AugmentConfig {
  /** RandomResizedCrop area fraction range. */
  cropScale: [number, number];
  /** RandomResizedCrop aspect ratio range (w/h). */
  cropRatio: [number, number];
  flipProb: number;
  jitterProb: number;
  brightness: number;
  contrast: number;
  saturation: number;
  /** Max hue shift in turns (at most 0.5). */
  hue: number;
  grayscaleProb: number;
  /** 0 turns blur off, as the official CC training script does (its Transforms default blur=False). */
  blurProb: number;
  blurSigma: [number, number];
  /** Blur kernel side as a fraction of the image side (made odd, at least 3). */
  blurKernelFrac: number;
}

/** CC's CIFAR settings (s = 0.5: jitter 0.8s, 0.8s, 0.8s, 0.2s; no blur, which its ImageNet recipe adds: blurProb 0.5). */
export const CC_AUGMENT: Readonly<AugmentConfig> = {
  cropScale: [0.08, 1],
  cropRatio: [3 / 4, 4 / 3],
  flipProb: 0.5,
  jitterProb: 0.8,
  brightness: 0.4,
  contrast: 0.4,
  saturation: 0.4,
  hue: 0.1,
  grayscaleProb: 0.2,
  blurProb: 0,
  blurSigma: [0.1, 2.0],
  blurKernelFrac: 0.1,
};

/** Jitter ops by index, the order torchvision's ColorJitter numbers them. */
export const JITTER_OPS = ['brightness', 'contrast', 'saturation', 'hue'] as const;

/** Everything random about one augmented batch of b images; identity values where an op is off. */
export interface AugmentParams {
  /** [b, 4]: top, left, height, width of each crop, in pixels. */
  crops: Int32Array;
  /** 1 = mirror horizontally. */
  flip: Uint8Array;
  /** Jitter factors (1 = none) and hue shift in turns (0 = none). */
  brightness: Float32Array;
  contrast: Float32Array;
  saturation: Float32Array;
  hue: Float32Array;
  /** [b, 4]: the order each image applies the jitter ops in (indices into JITTER_OPS). */
  jitterOrder: Uint8Array;
  /** 1 = convert to grey. */
  grayscale: Uint8Array;
  /** 0 = no blur. */
  blurSigma: Float32Array;
  /** Blur kernel taps (odd). */
  blurKernel: number;
}

export function blurKernelSize(side: number, frac: number): number {
  const k = Math.max(3, Math.floor(frac * side));
  return k % 2 === 1 ? k : k + 1;
}

/** torchvision's RandomResizedCrop.get_params: [top, left, height, width]. */
function cropParams(
  h: number,
  w: number,
  rng: Rng,
  scale: [number, number],
  ratio: [number, number],
): [number, number, number, number] {
  const area = h * w;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const cw = Math.round(Math.sqrt(target * aspect));
    const ch = Math.round(Math.sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) return [rng.int(h - ch + 1), rng.int(w - cw + 1), ch, cw];
  }
  // Fallback: the central crop with the ratio clamped into range.
  const r = w / h;
  let cw = w;
  let ch = h;
  if (r < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (r > ratio[1]) cw = Math.round(h * ratio[1]);
  return [Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), ch, cw];
}

/** Draws a batch's parameters; a fixed number of draws per image apart from the crop's retries. */
export function sampleAugment(
  shape: readonly number[],
  rng: Rng,
  cfg: Partial<AugmentConfig> = {},
): AugmentParams {
  const c = { ...CC_AUGMENT, ...cfg };
  const [b, h, w] = shape as [number, number, number, number];
  const p: AugmentParams = {
    crops: new Int32Array(b * 4),
    flip: new Uint8Array(b),
    brightness: new Float32Array(b).fill(1),
    contrast: new Float32Array(b).fill(1),
    saturation: new Float32Array(b).fill(1),
    hue: new Float32Array(b),
    jitterOrder: new Uint8Array(b * 4),
    grayscale: new Uint8Array(b),
    blurSigma: new Float32Array(b),
    blurKernel: blurKernelSize(Math.min(h, w), c.blurKernelFrac),
  };
  const factor = (s: number): number => rng.uniform(Math.max(0, 1 - s), 1 + s);
  for (let i = 0; i < b; i++) {
    p.crops.set(cropParams(h, w, rng, c.cropScale, c.cropRatio), 4 * i);
    p.flip[i] = rng.next() < c.flipProb ? 1 : 0;
    // Factors are drawn whether or not jitter applies, so the stream does not depend on the coin.
    const jitter = rng.next() < c.jitterProb;
    const order = rng.permutation(4);
    const fb = factor(c.brightness);
    const fc = factor(c.contrast);
    const fs = factor(c.saturation);
    const fh = rng.uniform(-c.hue, c.hue);
    if (jitter) {
      p.jitterOrder.set(order, 4 * i);
      p.brightness[i] = fb;
      p.contrast[i] = fc;
      p.saturation[i] = fs;
      p.hue[i] = fh;
    } else p.jitterOrder.set([0, 1, 2, 3], 4 * i);
    p.grayscale[i] = rng.next() < c.grayscaleProb ? 1 : 0;
    const blur = rng.next() < c.blurProb;
    const sigma = rng.uniform(c.blurSigma[0], c.blurSigma[1]);
    if (blur) p.blurSigma[i] = sigma;
  }
  return p;
}

/** Augments a float32 NHWC batch in [0, 1]; the same Rng state gives the same views. x is not disposed. */
export function ccAugment(x: tf.Tensor4D, rng: Rng, cfg: Partial<AugmentConfig> = {}): tf.Tensor4D {
  return applyAugment(x, sampleAugment(x.shape, rng, cfg));
}

/** Applies drawn parameters; exposed so tests can check each op with hand-set parameters. */
export function applyAugment(x: tf.Tensor4D, p: AugmentParams): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (x.dtype !== 'float32') throw new Error(`ccAugment expects float32 input, got ${x.dtype}`);
  if (c !== 1 && c !== 3) throw new Error(`ccAugment expects 1 or 3 channels, got ${c}`);
  const src = x.dataSync() as Float32Array;
  return tf.tensor4d(augmentPixels(src, [b, h, w, c], p), [b, h, w, c], 'float32');
}

/** The whole augmentation on a plain NHWC Float32Array. */
export function augmentPixels(
  src: Float32Array,
  shape: readonly [number, number, number, number],
  p: AugmentParams,
): Float32Array {
  const [b, h, w, c] = shape;
  const per = h * w * c;
  const out = new Float32Array(b * per);
  const tmp = new Float32Array(per);
  const r = (p.blurKernel - 1) / 2;
  for (let i = 0; i < b; i++) {
    const img = out.subarray(i * per, (i + 1) * per);
    const [top, left, ch, cw] = p.crops.subarray(4 * i, 4 * i + 4) as unknown as [
      number,
      number,
      number,
      number,
    ];
    resizedCrop(src, i * per, h, w, c, top, left, ch, cw, p.flip[i] === 1, img);
    for (let k = 0; k < 4; k++) {
      switch (p.jitterOrder[4 * i + k]) {
        case 0:
          if (p.brightness[i] !== 1) brightness(img, p.brightness[i]!);
          break;
        case 1:
          if (p.contrast[i] !== 1) contrast(img, c, p.contrast[i]!);
          break;
        case 2:
          if (c === 3 && p.saturation[i] !== 1) saturation(img, p.saturation[i]!);
          break;
        case 3:
          if (c === 3 && p.hue[i] !== 0) hue(img, p.hue[i]!);
          break;
      }
    }
    if (c === 3 && p.grayscale[i] === 1) grayscale(img);
    if (p.blurSigma[i]! > 0) gaussianBlur(img, tmp, h, w, c, gaussianTaps(p.blurSigma[i]!, r));
  }
  return out;
}
