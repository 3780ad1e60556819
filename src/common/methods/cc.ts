import type { MethodSpec } from './spec.js';

/** Contrastive Clustering (Li et al., AAAI 2021); the official code's config.yaml where it differs. */
export const CC_SPEC = {
  name: 'cc',
  label: 'CC',
  description: 'Contrastive Clustering: instance- and cluster-level contrast between two augmented views',
  // Batch 128 and Adam 1e-3 decayed by a cosine where the official code runs 256 and a constant 3e-4
  // for 1,000 epochs: a CPU affords a few hundred steps (README: departures).
  defaults: { epochs: 24, batchSize: 128, learningRate: 1e-3 },
  settings: {
    instanceTemperature: {
      type: 'number',
      default: 0.5,
      min: 0.01,
      max: 10,
      doc: 'tau_I: temperature of the instance-level NT-Xent over the 2N projected views',
    },
    clusterTemperature: {
      type: 'number',
      default: 1.0,
      min: 0.01,
      max: 10,
      doc: 'tau_C: temperature of the cluster-level NT-Xent over the 2K cluster columns',
    },
    cropMin: {
      type: 'number',
      default: 0.08,
      min: 0.01,
      max: 1,
      unit: 'of the image area',
      doc: 'smallest random resized crop of an augmented view',
    },
    blur: {
      type: 'number',
      default: 0,
      min: 0,
      max: 1,
      unit: 'probability',
      doc: 'chance that an augmented view is Gaussian-blurred (0: the CIFAR recipe; 0.5: the ImageNet one)',
    },
    schedule: {
      type: 'choice',
      default: 'cosine',
      choices: ['cosine', 'constant'],
      doc: 'learning rate over the run: cosine decay to 0, or constant',
      paper: {
        value: 'constant',
        why: 'a CPU run is a few hundred steps; the decay settles the clusters (README: departures)',
      },
    },
  },
  terms: { instance: 'Instance loss', cluster: 'Cluster loss', entropy: 'Entropy term' },
  corrections: { where: 'its cluster head' },
} as const satisfies MethodSpec;
