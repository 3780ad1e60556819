import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { knnCosine } from '../cluster/knn.js';

/** Up to this many rows the neighbours are exact (knn.ts: about a minute at 70,000 x 512 on 2 cores); past it, an HNSW index. */
export const EXACT_MAX_ROWS = 100_000;

export interface Neighbours {
  /** n x K, row-major: row i's neighbours, most similar first, i itself excluded. */
  indices: Int32Array;
  /** How they were found: 'exact', or 'usearch' (approximate, HNSW). */
  search: 'exact' | 'usearch';
}

/** The K nearest neighbours by cosine similarity of every row of x (n x dim, row-major). */
export async function mineNeighbours(
  x: Float32Array,
  n: number,
  dim: number,
  K: number,
  opts: { exactMax?: number; log?: (line: string) => void } = {},
): Promise<Neighbours> {
  if (n > (opts.exactMax ?? EXACT_MAX_ROWS)) {
    const usearch = loadUsearch();
    if (usearch) return { indices: approximateKnn(usearch, x, n, dim, K), search: 'usearch' };
    opts.log?.(
      `neighbours: ${n} images and the usearch package is not installed: exact search, which takes long`,
    );
  }
  const t = tf.tensor2d(x, [n, dim]);
  try {
    return { indices: (await knnCosine(t, K)).indices, search: 'exact' };
  } finally {
    t.dispose();
  }
}

/** What we use of usearch's Index (typed here: the package is optional, loaded at run time). */
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(
    vectors: Float32Array,
    k: number,
    threads?: number,
  ): { keys: BigUint64Array; counts: BigUint64Array };
}
interface Usearch {
  Index: new (config: {
    dimensions: number;
    metric: 'cos';
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
  }) => UsearchIndex;
}

/** usearch when it is installed (an optional dependency with prebuilt binaries), else undefined. */
export function loadUsearch(): Usearch | undefined {
  try {
    return createRequire(import.meta.url)('usearch') as Usearch;
  } catch {
    return undefined;
  }
}

/**
 * HNSW (usearch) K nearest neighbours of every row among all rows. Its defaults for the graph
 * (connectivity 16) with a wider search beam (expansion 128 for adding and searching) than its
 * default 64: the bench measures the recall against exact search.
 */
export function approximateKnn(
  usearch: Usearch,
  x: Float32Array,
  n: number,
  dim: number,
  K: number,
  beam = 128,
): Int32Array {
  const index = new usearch.Index({
    dimensions: dim,
    metric: 'cos',
    connectivity: 16,
    expansion_add: beam,
    expansion_search: beam,
  });
  index.add(
    BigUint64Array.from({ length: n }, (_, i) => BigInt(i)),
    x,
  );
  const out = new Int32Array(n * K);
  // Queries in blocks (each result is n x (K + 1) keys); K + 1 because a row finds itself first.
  const block = 4096;
  for (let start = 0; start < n; start += block) {
    const rows = Math.min(block, n - start);
    const found = index.search(x.subarray(start * dim, (start + rows) * dim), K + 1, 0);
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      let filled = 0;
      const count = Number(found.counts[r]);
      for (let j = 0; j < count && filled < K; j++) {
        const key = Number(found.keys[r * (K + 1) + j]);
        if (key !== i) out[i * K + filled++] = key;
      }
      // A graph search may return fewer than asked: repeat the last found (or itself) to fill the row.
      for (; filled < K; filled++) out[i * K + filled] = filled > 0 ? out[i * K + filled - 1]! : i;
    }
  }
  return out;
}
