import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from './rows.js';

/**
 * Per-cluster sums and counts of the rows of x, kept up to date as rows change cluster: the sums
 * of a full pass once, then only the moved rows are subtracted from their old cluster and added to
 * the new one. Late Lloyd iterations move few rows, and the full pass (a segment sum over all of x)
 * was then the larger part of an iteration. Float32 sums drift by about one rounding per move,
 * negligible next to the rounding of the full sum itself.
 */
export class ClusterSums {
  private sums: tf.Tensor2D | undefined;
  private readonly counts: Float32Array;
  /** The assignment the sums are for. */
  private readonly current: Int32Array;

  constructor(
    private readonly x: tf.Tensor2D,
    private readonly k: number,
  ) {
    this.counts = new Float32Array(k);
    this.current = new Int32Array(x.shape[0]);
  }

  /** The means of the clusters of `assign` (none may be empty), [k, d]; the caller disposes them. */
  means(assign: Int32Array): tf.Tensor2D {
    const { k, counts, current } = this;
    const moved: number[] = [];
    if (this.sums) for (let i = 0; i < assign.length; i++) if (assign[i] !== current[i]) moved.push(i);
    if (!this.sums || moved.length > assign.length / 4) {
      this.sums?.dispose();
      this.sums = tf.tidy(
        () => tf.unsortedSegmentSum(this.x, tf.tensor1d(assign, 'int32'), k) as tf.Tensor2D,
      );
      counts.fill(0);
      for (const c of assign) counts[c]!++;
    } else if (moved.length > 0) {
      const from = Int32Array.from(moved, (i) => current[i]!);
      const to = Int32Array.from(moved, (i) => assign[i]!);
      const rows = gatherRows(this.x, moved);
      const next = tf.tidy(
        () =>
          tf.add(
            this.sums!,
            tf.sub(
              tf.unsortedSegmentSum(rows, tf.tensor1d(to, 'int32'), k),
              tf.unsortedSegmentSum(rows, tf.tensor1d(from, 'int32'), k),
            ),
          ) as tf.Tensor2D,
      );
      tf.dispose([this.sums, rows]);
      this.sums = next;
      for (let m = 0; m < moved.length; m++) {
        counts[from[m]!]!--;
        counts[to[m]!]!++;
      }
    }
    current.set(assign);
    return tf.tidy(() => tf.div(this.sums!, tf.reshape(tf.tensor1d(counts), [k, 1])) as tf.Tensor2D);
  }

  dispose(): void {
    this.sums?.dispose();
  }
}
