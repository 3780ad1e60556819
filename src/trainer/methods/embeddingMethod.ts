import * as tf from '@tensorflow/tfjs-core';
import {
  gatherEmbeddings,
  pixelEmbeddings,
  pixelEmbeddingsOf,
  PIXEL_SOURCE,
  type Embeddings,
} from '../embeddings/embeddings.js';
import { l2Normalize } from '../losses/contrastive.js';
import { allBatches, type Method, type MethodInit, type Predictions } from './method.js';

/**
 * A method that clusters embeddings (kmeans, scanhead, temi). The run loop drives it like any
 * other; what it made of the images is its embeddings, and new data is assigned from embeddings.
 */
export interface EmbeddingMethod extends Method {
  /** The training set's embeddings (made on first use when they are the pixels). */
  embeddings(): Embeddings;
  /** Cluster probabilities (n x k, row-major) of n embeddings from the same source (n x dim, row-major). */
  probsFromEmbeddings(data: Float32Array, n: number): Float32Array;
}

export function isEmbeddingMethodInstance(m: Method): m is EmbeddingMethod {
  return typeof (m as Partial<EmbeddingMethod>).probsFromEmbeddings === 'function';
}

/** What an embedding method's trainer reads of its input: the dimension at once, the rows when first needed. */
export interface EmbeddingInput {
  dim: number;
  source: string;
  /** The training set's embeddings; the pixels' are made once, on first use (assign never needs them). */
  get(): Embeddings;
}

export function embeddingInput({ ds, embeddings }: MethodInit): EmbeddingInput {
  if (embeddings) return { dim: embeddings.dim, source: embeddings.source, get: () => embeddings };
  let made: Embeddings | undefined;
  return {
    dim: ds.size * ds.size * ds.channels,
    source: PIXEL_SOURCE,
    get: () => (made ??= pixelEmbeddings(ds)),
  };
}

/** L2-normalised copy of n rows of dim values (a zero row stays zero). */
export function unitRows(data: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) s += data[j]! * data[j]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) out[j] = data[j]! * inv;
  }
  return out;
}

/**
 * The input's rows L2-normalised, made on first use and kept (the heads train on unit rows), and a
 * batch of them by index as a [b, dim] tensor.
 */
export function unitInput(input: EmbeddingInput): {
  units: () => Float32Array;
  batchOf: (idx: ArrayLike<number>) => tf.Tensor2D;
} {
  let unit: Float32Array | undefined;
  const units = () => {
    const e = input.get();
    return (unit ??= unitRows(e.data, e.n, e.dim));
  };
  const batchOf = (idx: ArrayLike<number>) =>
    tf.tensor2d(gatherEmbeddings({ dim: input.dim, data: units() }, idx), [idx.length, input.dim]);
  return { units, batchOf };
}

/** Each row's most probable cluster and its probability, of n rows of cluster probabilities (row-major). */
export function predictionsOfProbs(p: Float32Array, n: number): Predictions {
  const k = n > 0 ? p.length / n : 0;
  const cluster = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c]! > p[i * k + best]!) best = c;
    cluster[i] = best;
    confidence[i] = p[i * k + best]!;
  }
  return { cluster, confidence };
}

/**
 * The members an embedding method shares, from its own `probsOfUnit` (cluster probabilities of
 * L2-normalised embedding rows, inference mode): predictions over the training set, assignment
 * from embeddings, and the image-side members the run loop calls, which go through the pixels
 * (the only embedding computable from an image batch here; a feature model's runs assign through
 * probsFromEmbeddings).
 */
export function embeddingSide(
  input: EmbeddingInput,
  probsOfUnit: (z: tf.Tensor2D) => tf.Tensor2D,
  batchSize = 4096,
) {
  const pixelsOnly = () => {
    if (input.source !== PIXEL_SOURCE)
      throw new Error(
        `this run clusters embeddings of ${input.source}: images are assigned through their embeddings, not their pixels`,
      );
  };
  const probsFromEmbeddings = (data: Float32Array, n: number): Float32Array => {
    const z = unitRows(data, n, input.dim);
    let out = new Float32Array(0);
    for (const idx of allBatches(n, batchSize)) {
      const p = tf.tidy(() =>
        probsOfUnit(
          tf.tensor2d(z.subarray(idx[0]! * input.dim, (idx[0]! + idx.length) * input.dim), [
            idx.length,
            input.dim,
          ]),
        ),
      );
      const k = p.shape[1];
      if (out.length === 0) out = new Float32Array(n * k);
      out.set(p.dataSync() as Float32Array, idx[0]! * k);
      p.dispose();
    }
    return out;
  };
  return {
    probsFromEmbeddings,
    embeddings: input.get,
    async predictFromEmbeddings(): Promise<Predictions> {
      const e = input.get();
      return predictionsOfProbs(probsFromEmbeddings(e.data, e.n), e.n);
    },
    probs(x: tf.Tensor4D): tf.Tensor2D {
      pixelsOnly();
      return tf.tidy(() => probsOfUnit(l2Normalize(pixelEmbeddingsOf(x))));
    },
    features(x: tf.Tensor4D): tf.Tensor2D {
      pixelsOnly();
      return l2Normalize(pixelEmbeddingsOf(x));
    },
  };
}
