/**
 * Pixel work in plain JS for small images. sharp's resize costs ~0.6 ms per call whatever the size, which
 * halves ingest of 28-96 px data sets; for those we decode with sharp at native size and resample here.
 * Same geometry as the sharp path (scale the shorter side to S, centre crop) and the same Lanczos-3
 * kernel as sharp's default, antialiased when shrinking (PIL-style support scaling).
 */

interface Coeffs {
  /** First source index of each output sample. */
  start: Int32Array;
  /** Taps used by each output sample. */
  count: Int32Array;
  /** out x taps weights, row-major, zero padded. */
  weights: Float32Array;
  taps: number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function lanczos3(x: number): number {
  return x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

/** Weights mapping source interval [in0, in0 + len) of an axis of `inSize` samples onto `out` samples. */
function coeffs(inSize: number, in0: number, len: number, out: number): Coeffs {
  const scale = len / out;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(out);
  const count = new Int32Array(out);
  const weights = new Float32Array(out * taps);
  for (let i = 0; i < out; i++) {
    const center = in0 + (i + 0.5) * scale;
    const lo = Math.max(Math.floor(center - support + 0.5), 0);
    const hi = Math.min(Math.floor(center + support + 0.5), inSize);
    const n = Math.min(hi - lo, taps);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const w = lanczos3((lo + k - center + 0.5) / filterScale);
      weights[i * taps + k] = w;
      sum += w;
    }
    // Taps outside the image are dropped and the rest renormalised (edge clamping).
    if (sum !== 0) for (let k = 0; k < n; k++) weights[i * taps + k]! /= sum;
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, taps };
}

/**
 * Cover-resize of an interleaved uint8 image (w x h x c) to s x s: the shorter side is scaled to s and
 * the longer one centre-cropped. Returns a new array (or a copy when already s x s).
 */
export function coverResize(src: Uint8Array, w: number, h: number, c: number, s: number): Uint8Array {
  if (w === s && h === s) return src.slice(0, s * s * c);
  const side = Math.min(w, h);
  const cx = coeffs(w, (w - side) / 2, side, s);
  const cy = coeffs(h, (h - side) / 2, side, s);
  // Only source rows some output row reads are resampled horizontally.
  const y0 = cy.start[0]!;
  const y1 = cy.start[s - 1]! + cy.count[s - 1]!;
  const tmp = horizontal(src, w * c, c, y0, y1, cx);
  return vertical(tmp, s * c, y0, cy);
}

function horizontal(
  src: Uint8Array,
  srcStride: number,
  c: number,
  y0: number,
  y1: number,
  cx: Coeffs,
): Float64Array {
  const { start, count, weights, taps } = cx;
  const s = start.length;
  const rowLen = s * c;
  const tmp = new Float64Array((y1 - y0) * rowLen);
  for (let y = y0; y < y1; y++) {
    const srcRow = y * srcStride;
    let t = (y - y0) * rowLen;
    for (let x = 0; x < s; x++) {
      const n = count[x]!;
      const wo = x * taps;
      const base = srcRow + start[x]! * c;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0, q = base + ch; k < n; k++, q += c) acc += weights[wo + k]! * src[q]!;
        tmp[t++] = acc;
      }
    }
  }
  return tmp;
}

function vertical(tmp: Float64Array, rowLen: number, y0: number, cy: Coeffs): Uint8Array {
  const { start, count, weights, taps } = cy;
  const s = start.length;
  const out = new Uint8Array(s * rowLen);
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < s; y++) {
    // Row-wise accumulation: long contiguous inner loops.
    const lo = start[y]! - y0;
    const n = count[y]!;
    acc.fill(0);
    for (let k = 0; k < n; k++) {
      const wk = weights[y * taps + k]!;
      const base = (lo + k) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += wk * tmp[base + i]!;
    }
    const outRow = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const v = acc[i]!;
      out[outRow + i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

/**
 * Converts interleaved uint8 pixels between channel counts: RGB -> gray with ITU-R 601 luma (PIL's "L",
 * which torchvision's Grayscale uses), gray -> RGB by replication; extra (alpha) channels are dropped.
 */
export function convertChannels(src: Uint8Array, pixels: number, cin: number, cout: 1 | 3): Uint8Array {
  if (cin === cout) return src.length === pixels * cout ? src : src.slice(0, pixels * cout);
  const out = new Uint8Array(pixels * cout);
  if (cout === 1 && cin >= 3) {
    for (let p = 0, i = 0; p < pixels; p++, i += cin) {
      // 16.16 fixed point with rounding, exactly PIL's L24 conversion.
      out[p] = (src[i]! * 19595 + src[i + 1]! * 38470 + src[i + 2]! * 7471 + 0x8000) >>> 16;
    }
  } else if (cout === 1) {
    for (let p = 0; p < pixels; p++) out[p] = src[p * cin]!;
  } else if (cin < 3) {
    for (let p = 0; p < pixels; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = src[p * cin]!;
  } else {
    for (let p = 0; p < pixels; p++) for (let ch = 0; ch < 3; ch++) out[3 * p + ch] = src[p * cin + ch]!;
  }
  return out;
}
