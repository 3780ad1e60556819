/**
 * Per-image pixel kernels of the view augmentation, on interleaved float32 HWC images in [0, 1].
 * Plain JS on purpose: on the single-threaded wasm backend every tensor op is a full pass over the batch
 * (~2 ms at 256x32x32x3) and ops with inner-axis broadcasting or per-image 3x3 matrices are 10-20 ms,
 * while here each image is a few kB that stay in cache through all the ops. It also lets us follow
 * torchvision exactly: per-image jitter order, HSV hue, half-pixel bilinear crop, reflect-101 blur.
 */

/** torchvision rgb_to_grayscale weights (ITU-R 601). */
const WR = 0.299;
const WG = 0.587;
const WB = 0.114;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Crops [top, left, ch, cw] out of `src` (h x w x c) and resizes it to h x w, bilinear with half-pixel
 * centres (torch's align_corners=False), mirrored horizontally if `flip`. The crop is never larger than
 * the output, so there is no downscaling to antialias.
 */
export function resizedCrop(
  src: Float32Array,
  srcOff: number,
  h: number,
  w: number,
  c: number,
  top: number,
  left: number,
  ch: number,
  cw: number,
  flip: boolean,
  dst: Float32Array,
): void {
  const r0 = new Int32Array(h);
  const r1 = new Int32Array(h);
  const ry = new Float32Array(h);
  axisTable(h, ch, top, r0, r1, ry);
  const c0 = new Int32Array(w);
  const c1 = new Int32Array(w);
  const cx = new Float32Array(w);
  axisTable(w, cw, left, c0, c1, cx);
  for (let y = 0; y < h; y++) {
    const a = srcOff + r0[y]! * w * c;
    const b = srcOff + r1[y]! * w * c;
    const fy = ry[y]!;
    for (let x = 0; x < w; x++) {
      const sx = flip ? w - 1 - x : x;
      const p0 = c0[sx]! * c;
      const p1 = c1[sx]! * c;
      const fx = cx[sx]!;
      const o = (y * w + x) * c;
      for (let k = 0; k < c; k++) {
        const t = src[a + p0 + k]! + (src[a + p1 + k]! - src[a + p0 + k]!) * fx;
        const u = src[b + p0 + k]! + (src[b + p1 + k]! - src[b + p0 + k]!) * fx;
        dst[o + k] = t + (u - t) * fy;
      }
    }
  }
}

function axisTable(
  out: number,
  len: number,
  start: number,
  i0: Int32Array,
  i1: Int32Array,
  frac: Float32Array,
): void {
  const scale = len / out;
  for (let i = 0; i < out; i++) {
    const s = Math.max((i + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(s), len - 1);
    i0[i] = start + lo;
    i1[i] = start + Math.min(lo + 1, len - 1);
    frac[i] = s - lo;
  }
}

export function brightness(img: Float32Array, f: number): void {
  for (let i = 0; i < img.length; i++) img[i] = clamp01(img[i]! * f);
}

/** Blend with the mean grey level of the image (torchvision adjust_contrast). */
export function contrast(img: Float32Array, c: number, f: number): void {
  let sum = 0;
  if (c === 3)
    for (let i = 0; i < img.length; i += 3) sum += WR * img[i]! + WG * img[i + 1]! + WB * img[i + 2]!;
  else for (let i = 0; i < img.length; i++) sum += img[i]!;
  const mean = (sum / (img.length / c)) * (1 - f);
  for (let i = 0; i < img.length; i++) img[i] = clamp01(img[i]! * f + mean);
}

/** Blend each pixel with its grey value (torchvision adjust_saturation); RGB only. */
export function saturation(img: Float32Array, f: number): void {
  for (let i = 0; i < img.length; i += 3) {
    const g = (WR * img[i]! + WG * img[i + 1]! + WB * img[i + 2]!) * (1 - f);
    img[i] = clamp01(img[i]! * f + g);
    img[i + 1] = clamp01(img[i + 1]! * f + g);
    img[i + 2] = clamp01(img[i + 2]! * f + g);
  }
}

/** Per hue sector (sixths of a turn), which of v, p, q, t is red, green and blue (HSV to RGB). */
const HSV_SECTORS: readonly (readonly [0 | 1 | 2 | 3, 0 | 1 | 2 | 3, 0 | 1 | 2 | 3])[] = [
  [0, 3, 1],
  [2, 0, 1],
  [1, 0, 3],
  [1, 2, 0],
  [3, 1, 0],
  [0, 1, 2],
];
/** v, p, q, t of the pixel being converted (a reused scratch: no allocation per pixel). */
const VPQT = new Float32Array(4);

/** Rotates hue by `shift` turns through HSV, as torchvision's adjust_hue does for float images; RGB only. */
export function hue(img: Float32Array, shift: number): void {
  for (let i = 0; i < img.length; i += 3) {
    const r = img[i]!;
    const g = img[i + 1]!;
    const b = img[i + 2]!;
    const maxc = r > g ? (r > b ? r : b) : g > b ? g : b;
    const minc = r < g ? (r < b ? r : b) : g < b ? g : b;
    const cr = maxc - minc;
    if (cr === 0) continue; // grey: no hue, unchanged
    const s = cr / maxc;
    // Hue in sixths of a turn, as torchvision's _rgb2hsv.
    let h6 = maxc === r ? (g - b) / cr : maxc === g ? 2 + (b - r) / cr : 4 + (r - g) / cr;
    h6 += shift * 6;
    h6 -= 6 * Math.floor(h6 / 6);
    if (h6 >= 6) h6 = 0; // rounding of a tiny negative value
    const sector = h6 | 0;
    const fr = h6 - sector;
    const v = maxc;
    VPQT[0] = v;
    VPQT[1] = clamp01(v * (1 - s));
    VPQT[2] = clamp01(v * (1 - s * fr));
    VPQT[3] = clamp01(v * (1 - s * (1 - fr)));
    const pick = HSV_SECTORS[sector]!;
    img[i] = VPQT[pick[0]]!;
    img[i + 1] = VPQT[pick[1]]!;
    img[i + 2] = VPQT[pick[2]]!;
  }
}

export function grayscale(img: Float32Array): void {
  for (let i = 0; i < img.length; i += 3) {
    const g = WR * img[i]! + WG * img[i + 1]! + WB * img[i + 2]!;
    img[i] = img[i + 1] = img[i + 2] = g;
  }
}

/** Normalised Gaussian taps at -r..r. */
export function gaussianTaps(sigma: number, r: number): Float32Array {
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let t = -r; t <= r; t++) sum += k[t + r] = Math.exp((-t * t) / (2 * sigma * sigma));
  for (let t = 0; t < k.length; t++) k[t]! /= sum;
  return k;
}

/**
 * Source index of position i + offset + t for i < n, t in -r..r (row-major [n, 2r+1]), reflected into
 * [0, size) without repeating the edge (OpenCV BORDER_REFLECT_101, torch 'reflect').
 */
function reflectTable(n: number, r: number, offset: number, size: number): Int32Array {
  const k = 2 * r + 1;
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let t = -r; t <= r; t++) {
      let j = i + offset + t;
      if (size === 1) j = 0;
      else while (j < 0 || j >= size) j = j < 0 ? -j : 2 * size - 2 - j;
      out[i * k + t + r] = j;
    }
  }
  return out;
}

/** Separable Gaussian blur in place, using `tmp` (same size) as scratch. */
export function gaussianBlur(
  img: Float32Array,
  tmp: Float32Array,
  h: number,
  w: number,
  c: number,
  taps: Float32Array,
): void {
  const r = (taps.length - 1) / 2;
  const k = taps.length;
  const rowLen = w * c;
  const xs = reflectTable(w + 2 * r, 0, -r, w);
  const ys = reflectTable(h, r, 0, h);
  // Horizontal: img -> tmp, through a reflect-padded copy of the row so the tap loop is plain.
  const pad = new Float32Array((w + 2 * r) * c);
  for (let y = 0; y < h; y++) {
    const row = y * rowLen;
    for (let j = 0; j < w + 2 * r; j++)
      for (let ch = 0; ch < c; ch++) pad[j * c + ch] = img[row + xs[j]! * c + ch]!;
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let t = 0, q = i; t < k; t++, q += c) acc += taps[t]! * pad[q]!;
      tmp[row + i] = acc;
    }
  }
  // Vertical: tmp -> img, row-wise so the inner loop runs along memory.
  for (let y = 0; y < h; y++) {
    const out = y * rowLen;
    for (let i = 0; i < rowLen; i++) img[out + i] = 0;
    for (let t = 0; t < k; t++) {
      const wt = taps[t]!;
      const src = ys[y * k + t]! * rowLen;
      for (let i = 0; i < rowLen; i++) img[out + i]! += wt * tmp[src + i]!;
    }
    for (let i = 0; i < rowLen; i++) img[out + i] = clamp01(img[out + i]!);
  }
}
