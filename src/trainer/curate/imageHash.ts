/**
 * The two fingerprints duplicate finding compares: sha256 of the file's bytes (exact copies) and a
 * 64-bit difference hash (near copies). dHash: the image in grey, shrunk to 9x8 by area averaging,
 * one bit per pair of horizontal neighbours (is the left one brighter?). It follows gradients, not
 * levels, so a re-encode, a resize or a brightness change moves few bits, while unrelated images
 * differ in about half of them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { sniffSize } from '../data/decode.js';
import { decodeSimplePng, flattenAlpha } from '../data/png.js';
import { convertChannels } from '../data/resample.js';

export interface ImageHashes {
  sha256: string;
  /** 16 hex digits, or undefined when the file does not decode as an image. */
  dhash?: string;
}

const HASH_W = 9;
const HASH_H = 8;
/** sharp shrinks larger images to this first (8x the hash grid), so the area average reads few pixels. */
const PRE_W = 72;
const PRE_H = 64;

export async function hashImage(abs: string): Promise<ImageHashes> {
  const bytes = await readFile(abs);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const grey = await greyOf(bytes);
  return grey ? { sha256, dhash: dhashOf(areaShrink(grey.data, grey.width, grey.height)) } : { sha256 };
}

interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * The image in grey (ITU-R 601 luma; transparent pixels count as black, as on a page). Small simple
 * PNGs (data-set exports) decode in JS: sharp's fixed cost per call (~3 ms under load here) was most
 * of the time of hashing a 28x28 image. Anything else goes to sharp, shrunk to 72x64 when larger.
 * undefined when the bytes are no image.
 */
async function greyOf(bytes: Buffer): Promise<Grey | undefined> {
  const dims = sniffSize(bytes);
  const small = dims !== undefined && dims.w <= PRE_W && dims.h <= PRE_H;
  if (small && dims.format === 'png') {
    const img = decodeSimplePng(bytes, dims.w * dims.h);
    if (img) {
      const flat = flattenAlpha(img, 0);
      return {
        data: convertChannels(flat.data, flat.width * flat.height, flat.channels, 1),
        width: flat.width,
        height: flat.height,
      };
    }
  }
  try {
    let pipe = sharp(bytes).flatten();
    if (!small) pipe = pipe.resize(PRE_W, PRE_H, { fit: 'fill' });
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    return {
      data: convertChannels(data, info.width * info.height, info.channels, 1),
      width: info.width,
      height: info.height,
    };
  } catch {
    return undefined;
  }
}

/** Each of the 9x8 cells is the mean of the source pixels it covers (fractionally at its edges). */
export function areaShrink(src: Uint8Array, w: number, h: number): Float64Array {
  const xs = axisWeights(w, HASH_W);
  const ys = axisWeights(h, HASH_H);
  const out = new Float64Array(HASH_W * HASH_H);
  for (let y = 0; y < h; y++) {
    for (const [oy, wy] of ys[y]!) {
      for (let x = 0; x < w; x++) {
        const v = src[y * w + x]! * wy;
        for (const [ox, wx] of xs[x]!) out[oy * HASH_W + ox]! += v * wx;
      }
    }
  }
  return out;
}

/** For each of `n` source samples, the output cells it overlaps and the share of the cell it fills. */
function axisWeights(n: number, cells: number): [number, number][][] {
  const out: [number, number][][] = [];
  for (let i = 0; i < n; i++) {
    // Source sample i spans [i, i+1) of n; cell c spans [c n/cells, (c+1) n/cells).
    const list: [number, number][] = [];
    for (let c = Math.floor((i * cells) / n); c < cells && (c * n) / cells < i + 1; c++) {
      const overlap = Math.min(i + 1, ((c + 1) * n) / cells) - Math.max(i, (c * n) / cells);
      if (overlap > 0) list.push([c, (overlap * cells) / n]);
    }
    out.push(list);
  }
  return out;
}

/** 9x8 grey cells, row-major, to 64 bits as hex: bit set where a cell is brighter than its right neighbour. */
export function dhashOf(grey: ArrayLike<number>): string {
  let hex = '';
  for (let y = 0; y < HASH_H; y++) {
    let byte = 0;
    for (let x = 0; x < 8; x++)
      byte = (byte << 1) | (grey[y * HASH_W + x]! > grey[y * HASH_W + x + 1]! ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}
