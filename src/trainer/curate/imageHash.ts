/**
 * The two fingerprints duplicate finding compares: sha256 of the file's bytes (exact copies) and a
 * 64-bit difference hash (near copies). dHash: the image in grey, shrunk to 9x8, one bit per pair of
 * horizontal neighbours (is the left one brighter?). It follows gradients, not levels, so a
 * re-encode, a resize or a brightness change moves few bits, while unrelated images differ in
 * about half of them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

export interface ImageHashes {
  sha256: string;
  /** 16 hex digits, or undefined when the file does not decode as an image. */
  dhash?: string;
}

export async function hashImage(abs: string): Promise<ImageHashes> {
  const bytes = await readFile(abs);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    // Transparent pixels count as black, as on a page; b-w leaves exactly one channel.
    const grey = await sharp(bytes)
      .flatten()
      .resize(9, 8, { fit: 'fill' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    return { sha256, dhash: dhashOf(grey) };
  } catch {
    return { sha256 };
  }
}

/** 9x8 grey pixels, row-major, to 64 bits as hex: bit set where a pixel is brighter than its right neighbour. */
export function dhashOf(grey: Uint8Array): string {
  let hex = '';
  for (let y = 0; y < 8; y++) {
    let byte = 0;
    for (let x = 0; x < 8; x++) byte = (byte << 1) | (grey[y * 9 + x]! > grey[y * 9 + x + 1]! ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}
