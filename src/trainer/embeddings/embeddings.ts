import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset.js';

/**
 * One vector per image, in the dataset's order: what the embedding methods (kmeans, scanhead,
 * temi) cluster. A feature model's output (src/trainer/features) or, without one, the pixels.
 */
export interface Embeddings {
  n: number;
  dim: number;
  /** n x dim, row-major, row i = image i of the dataset. */
  data: Float32Array;
  /** 'pixels', or the feature model's id. */
  source: string;
}

export const PIXEL_SOURCE = 'pixels';

/** The images' pixels in [0, 1], flattened (HWC order): the embedding of a run without a feature model, as pixel k-means uses. */
export function pixelEmbeddings(ds: Pick<Dataset, 'n' | 'pixels'>): Embeddings {
  const dim = ds.n > 0 ? ds.pixels.length / ds.n : 0;
  const data = new Float32Array(ds.pixels.length);
  for (let j = 0; j < data.length; j++) data[j] = ds.pixels[j]! / 255;
  return { n: ds.n, dim, data, source: PIXEL_SOURCE };
}

/** The pixel embeddings of an image batch x [b, size, size, channels] in [0, 1] (new images to assign). */
export function pixelEmbeddingsOf(x: tf.Tensor4D): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0], -1]);
}

/** Rows `idx` of the embeddings as one host array (a batch), row-major. */
export function gatherEmbeddings(e: Pick<Embeddings, 'dim' | 'data'>, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * e.dim);
  for (let r = 0; r < idx.length; r++)
    out.set(e.data.subarray(idx[r]! * e.dim, (idx[r]! + 1) * e.dim), r * e.dim);
  return out;
}
