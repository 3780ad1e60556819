import type { MethodSpec } from './spec.js';

/** DeepCluster (Caron et al., ECCV 2018); the official main.py's settings where it differs. */
export const DEEPCLUSTER_SPEC = {
  name: 'deepcluster',
  label: 'DeepCluster',
  description: 'Alternates k-means on the features with training on its pseudo-labels',
  defaults: { epochs: 20, batchSize: 256, learningRate: 0.05 },
  settings: {
    momentum: {
      type: 'number',
      default: 0.9,
      min: 0,
      max: 0.999,
      doc: "SGD momentum of the network (the classifier's SGD has none, as the official code)",
    },
    weightDecay: { type: 'number', default: 1e-5, min: 0, max: 1, doc: 'L2 weight decay' },
    pcaDim: {
      type: 'integer',
      default: 32,
      min: 1,
      max: 4096,
      unit: 'dims',
      doc: 'PCA dimensions (whitened, then L2-normalised) that k-means clusters',
      derived: "min(256, the backbone's feature size / 8): 32 on the small backbone",
      paper: {
        value: 256,
        why: 'whitening all 256 dims of a small backbone follows noise: ACC .37 against .54 on the embedded sample (the first 200 test images per class: a tuning set)',
      },
    },
    balance: {
      type: 'choice',
      default: 'uniform',
      choices: ['uniform', 'weighted'],
      doc: 'against imbalance: sample uniformly over pseudo-labels, or weight the loss by inverse cluster size',
    },
    sobel: {
      type: 'boolean',
      default: false,
      doc: 'train on Sobel-filtered grey input, which removes colour shortcuts',
      paper: { value: true, why: 'the ImageNet choice; optional here' },
    },
    restarts: {
      type: 'integer',
      default: 1,
      min: 1,
      max: 100,
      doc: 'k-means restarts per epoch (the lowest inertia is kept)',
    },
    kmeansIters: {
      type: 'integer',
      default: 20,
      min: 1,
      max: 10_000,
      unit: 'iterations',
      doc: 'k-means iterations per restart',
    },
    pick: {
      type: 'choice',
      default: 'silhouette',
      choices: ['last', 'stable', 'fit', 'compact', 'kmeansConfidence', 'knn', 'silhouette'],
      doc: "the epoch whose model and clusters the run reports, by a label-free rule over the run's second half: the last, or the highest NMI to the pseudo-labels it trained on (stable), classifier confidence (fit), lowest k-means inertia (compact), k-means confidence, kNN consistency or silhouette",
      paper: {
        value: 'last',
        why: "the last epoch is one draw of a swinging ACC: silhouette's pick scored +.054 ± .031 over it on a dev split (DeepCluster's reported epoch)",
      },
    },
  },
  terms: { crossEntropy: 'Cross-entropy on the pseudo-labels' },
  metrics: {
    nmiPrevious: { label: 'NMI to the previous epoch', kind: 'fraction' },
    reseeded: { label: 'Re-seeded clusters (count)', kind: 'index' },
    kmeansInertia: { label: 'k-means inertia' },
    classifierConfidence: { label: "Classifier's mean top probability (fraction)", kind: 'fraction' },
    keptEpoch: { label: 'Kept epoch', kind: 'index' },
  },
  corrections: { where: 'its k-means' },
} as const satisfies MethodSpec;
