import * as tf from '@tensorflow/tfjs-core';
import { mineNeighbours } from '../embeddings/neighbours.js';
import type { ParamSet } from '../models/layers.js';
import type { Rng } from '../util/rng.js';

/**
 * The neighbours an embedding head trains on, mined once on the unit embeddings and kept in the
 * model's state (a resumed run pairs images as the interrupted one did, whatever search found them).
 */
export class NeighbourTable {
  private readonly table: tf.Variable;
  private readonly mined: tf.Variable;
  private host?: Float32Array;

  constructor(
    params: ParamSet,
    private readonly n: number,
    readonly K: number,
  ) {
    const zeros = (size: number) => new Float32Array(size);
    this.table = params.add('neighbours.indices', [n, K], zeros, false);
    this.mined = params.add('neighbours.mined', [1], zeros, false);
  }

  /**
   * Mines them from `unit` (n x dim, unit rows) unless done; returns what the epoch's metrics row
   * records of it: the share of neighbours of the image's own class, where images are labelled.
   */
  async ensure(
    unit: Float32Array,
    dim: number,
    labels: Int32Array,
    log?: (line: string) => void,
  ): Promise<Record<string, number>> {
    if (this.mined.dataSync()[0] === 1) return {};
    const t0 = performance.now();
    const found = await mineNeighbours(unit, this.n, dim, this.K, { log });
    const seconds = (performance.now() - t0) / 1000;
    tf.tidy(() => {
      this.table.assign(tf.tensor2d(Float32Array.from(found.indices), [this.n, this.K]));
      this.mined.assign(tf.tensor1d([1]));
    });
    this.host = undefined;
    return { ...neighbourAgreement(found.indices, this.K, labels), miningSeconds: seconds };
  }

  /** Row i's neighbours (K of them). */
  rows(): Float32Array {
    return (this.host ??= this.table.dataSync() as Float32Array);
  }

  /** For each image of idx, itself or one of its K neighbours, drawn uniformly (SCAN's top-(K+1) list holds the image). */
  partners(idx: Int32Array, rng: Rng, withSelf: boolean): Int32Array {
    const nb = this.rows();
    const K = this.K;
    return Int32Array.from(idx, (i) => {
      const j = rng.int(withSelf ? K + 1 : K);
      return withSelf ? (j === 0 ? i : nb[i * K + j - 1]!) : nb[i * K + j]!;
    });
  }
}

/** The share of mined neighbours (K per row) of the row's own class, over labelled pairs; nothing when none is labelled. */
export function neighbourAgreement(
  indices: ArrayLike<number>,
  K: number,
  labels: Int32Array,
): { neighbourAgreement?: number } {
  let agree = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! < 0) continue;
    for (let j = 0; j < K; j++) {
      const l = labels[indices[i * K + j]!]!;
      if (l < 0) continue;
      pairs++;
      if (l === labels[i]) agree++;
    }
  }
  return pairs > 0 ? { neighbourAgreement: agree / pairs } : {};
}
