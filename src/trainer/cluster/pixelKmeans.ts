import * as tf from '@tensorflow/tfjs-core';
import type { Scores } from '../../protocol/run.js';
import { score } from '../../common/eval/metrics.js';
import type { Dataset } from '../data/dataset.js';
import { Rng } from '../util/rng.js';
import { kmeans } from './kmeans.js';

/**
 * The baseline every result is read against: k-means (k-means++, best of 3 starts, run to
 * convergence) on the raw pixels in [0, 1] of the same images at the run's size and channels.
 * One function for the CLI's summary, the quality bench and the learning tests, so all three
 * quote the same number. Undefined when the images carry no class labels, or are too many.
 * With `heldOut`, the clustering fitted on `ds` scores those other images instead, each given its
 * nearest centroid (the quality bench's inductive protocol).
 */
/** Above this many pixel values (about 70,000 images of 28 x 28) the baseline's copies would cost more memory than the run itself: it is left out. */
export const PIXEL_KMEANS_MAX_VALUES = 64e6;

type Images = Pick<Dataset, 'n' | 'pixels' | 'labels' | 'classes'>;
const asRows = (ds: Images) =>
  tf.tidy(
    () =>
      tf.div(tf.tensor2d(Float32Array.from(ds.pixels), [ds.n, ds.pixels.length / ds.n]), 255) as tf.Tensor2D,
  );

export async function pixelKmeans(
  ds: Images,
  k: number,
  seed = 0,
  heldOut?: Images,
): Promise<Scores | undefined> {
  if (ds.classes.length === 0 || !ds.labels.some((l) => l >= 0)) return undefined;
  if (ds.pixels.length > PIXEL_KMEANS_MAX_VALUES) return undefined;
  const x = asRows(ds);
  try {
    const km = await kmeans(x, { k, rng: new Rng(seed), restarts: 3, iters: 100, tol: 1e-6 });
    if (!heldOut) {
      km.centroids.dispose();
      return score(km.assign, ds.labels, k, ds.classes.length);
    }
    // Nearest centroid: argmax of 2 x.c - |c|^2.
    const nearest = tf.tidy(() => {
      const c = km.centroids;
      return tf.argMax(
        tf.sub(tf.mul(tf.matMul(asRows(heldOut), c, false, true), 2), tf.sum(tf.square(c), 1)),
        1,
      );
    });
    km.centroids.dispose();
    const assign = Int32Array.from(await nearest.data());
    nearest.dispose();
    return score(assign, heldOut.labels, k, heldOut.classes.length);
  } finally {
    x.dispose();
  }
}
