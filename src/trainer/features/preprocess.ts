// An image file as a feature model's input: decoded by sharp (EXIF-oriented, alpha flattened on
// white, sRGB), resized and cropped as the preprocessing says, scaled to [0, 1], normalised with
// mean/std, in the model's channel order and layout.
import sharp from 'sharp';
import { DEFAULT_PIXEL_LIMIT } from '../data/decode.js';
import type { Preprocessing } from './sidecar.js';

/** size x size x 3 RGB bytes of the file. */
export async function decodeForModel(abs: string, prep: Preprocessing): Promise<Uint8Array> {
  const s = prep.size;
  let img = sharp(abs, { failOn: 'error', limitInputPixels: DEFAULT_PIXEL_LIMIT, autoOrient: true });
  if (prep.resize === 'stretch') img = img.resize(s, s, { fit: 'fill' });
  else if (prep.resizeTo === s) img = img.resize(s, s, { fit: 'cover', position: 'centre' });
  else {
    // Shorter side to resizeTo, then the centre s x s: torchvision's Resize + CenterCrop.
    const meta = await sharp(abs, { autoOrient: true }).metadata();
    const w = meta.autoOrient?.width ?? meta.width;
    const h = meta.autoOrient?.height ?? meta.height;
    const k = prep.resizeTo / Math.min(w, h);
    const rw = Math.max(s, Math.round(w * k));
    const rh = Math.max(s, Math.round(h * k));
    img = img
      .resize(rw, rh, { fit: 'fill' })
      .extract({ left: (rw - s) >> 1, top: (rh - s) >> 1, width: s, height: s });
  }
  const { data, info } = await img
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== s || info.height !== s || info.channels !== 3)
    throw new Error(
      `internal: decoded to ${info.width}x${info.height}x${info.channels}, expected ${s}x${s}x3`,
    );
  return data;
}

/** Writes image `i` of a batch (RGB bytes, HWC) into `out` as the model takes it. */
export function toModelInput(rgb: Uint8Array, prep: Preprocessing, out: Float32Array, i: number): void {
  const hw = prep.size * prep.size;
  const base = i * hw * 3;
  const order = prep.channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    const src = order[c]!;
    const scale = 1 / (255 * prep.std[src]!);
    const shift = prep.mean[src]! / prep.std[src]!;
    if (prep.layout === 'NCHW') {
      const o = base + c * hw;
      for (let p = 0; p < hw; p++) out[o + p] = rgb[p * 3 + src]! * scale - shift;
    } else {
      for (let p = 0; p < hw; p++) out[base + p * 3 + c] = rgb[p * 3 + src]! * scale - shift;
    }
  }
}

/** The model's output as one vector per image: spatial maps averaged, tokens reduced to CLS or their mean. */
export function poolOutput(
  data: Float32Array,
  shape: readonly number[],
  prep: Preprocessing,
): { rows: Float32Array; dim: number } {
  const n = shape[0]!;
  if (shape.length === 2) return { rows: data, dim: shape[1]! };
  if (shape.length === 3) {
    const [, t, d] = shape as [number, number, number];
    const rows = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      if (prep.pool === 'cls') rows.set(data.subarray(i * t * d, i * t * d + d), i * d);
      else
        for (let k = 0; k < t; k++)
          for (let j = 0; j < d; j++) rows[i * d + j]! += data[(i * t + k) * d + j]! / t;
    }
    return { rows, dim: d };
  }
  if (shape.length !== 4)
    throw new Error(
      `output of rank ${shape.length} ([${shape.join(', ')}]) cannot be pooled to one vector per image`,
    );
  // Channels of a 4-D output follow the input's layout (what exporters keep).
  const nchw = prep.layout === 'NCHW';
  const d = nchw ? shape[1]! : shape[3]!;
  const hw = nchw ? shape[2]! * shape[3]! : shape[1]! * shape[2]!;
  const rows = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const img = data.subarray(i * d * hw, (i + 1) * d * hw);
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let p = 0; p < hw; p++) sum += nchw ? img[j * hw + p]! : img[p * d + j]!;
      rows[i * d + j] = sum / hw;
    }
  }
  return { rows, dim: d };
}
