import type { MethodSpec } from './spec.js';

/**
 * k-means on embeddings: the baseline every head is read against (TEMI's baseline_kmeans, SCAN's
 * "k-means on the pretext features"). Nothing is trained; each epoch runs `restarts` more
 * k-means++ starts and keeps the lowest inertia seen.
 */
export const KMEANS_SPEC = {
  name: 'kmeans',
  label: 'k-means',
  description:
    "k-means++ with restarts on the L2-normalised embeddings (a feature model's, or the pixels without one)",
  input: 'embeddings',
  paper: 'Arthur & Vassilvitskii, k-means++ (SODA 2007); the baseline of Adaloglou et al. (BMVC 2023)',
  // k-means has no batches and no learning rate: the two are kept only so every run has them.
  defaults: { epochs: 1, batchSize: 256, learningRate: 1e-3 },
  settings: {
    restarts: {
      type: 'integer',
      default: 10,
      min: 1,
      max: 1000,
      doc: "k-means++ starts per epoch; the lowest inertia over all of them is kept (scikit-learn's n_init)",
    },
    iters: {
      type: 'integer',
      default: 100,
      min: 1,
      max: 10_000,
      unit: 'iterations',
      doc: 'Lloyd iterations per start at most (stops earlier once the inertia changes by less than 1e-6)',
    },
  },
  terms: { inertia: 'Inertia (mean per image)' },
  metrics: {
    iters: { label: 'Lloyd iterations (count)', kind: 'index' },
    reseeded: { label: 'Re-seeded clusters (count)', kind: 'index' },
  },
} as const satisfies MethodSpec;
