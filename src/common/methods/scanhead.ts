import {
  SCAN_ENTROPY_WEIGHT,
  SCAN_METRICS,
  SCAN_TERMS,
  SELFLABEL_THRESHOLD,
  SELFLABEL_WARNINGS,
} from './scan.js';
import type { MethodSpec } from './spec.js';

/**
 * SCAN's clustering and self-labeling steps on frozen embeddings (Van Gansbeke et al., ECCV 2020:
 * the ImageNet configs train the heads only, update_cluster_head_only). The pretext is the
 * feature model (or nothing: the pixels); the neighbours are mined on the embeddings.
 */
export const SCANHEAD_SPEC = {
  name: 'scanhead',
  label: 'SCAN head',
  description:
    'SCAN loss on linear heads over frozen embeddings and their mined neighbours, then self-labeling',
  input: 'embeddings',
  paper: 'Van Gansbeke et al., SCAN (ECCV 2020), scan_imagenet and selflabel_imagenet configs',
  // learningRate is the SCAN stage's (official Adam 1e-4 at batch 512 for 100 epochs of ImageNet
  // subsets: tens of thousands of steps; 1e-2 at 256 converges in the few thousand a CPU run
  // takes); the self-labeling stage has its own (selflabelLr).
  defaults: { epochs: 30, batchSize: 256, learningRate: 1e-2 },
  settings: {
    heads: {
      type: 'integer',
      default: 10,
      min: 1,
      max: 100,
      doc: 'linear heads trained side by side; the head and epoch with the lowest evaluation score are kept (the official rule)',
    },
    neighbours: {
      type: 'integer',
      default: 20,
      min: 1,
      max: 200,
      doc: 'nearest neighbours mined per image (cosine similarity of the embeddings)',
    },
    entropyWeight: SCAN_ENTROPY_WEIGHT,
    weightDecay: { type: 'number', default: 1e-4, min: 0, max: 1, doc: 'L2 weight decay of the heads' },
    selflabelEpochs: {
      type: 'integer',
      default: 5,
      min: 0,
      max: 100_000,
      unit: 'epochs',
      doc: 'the last this many of --epochs self-label (0: SCAN loss only)',
      paper: { value: 'separate run', why: 'one run here' },
    },
    selflabelLr: {
      type: 'number',
      default: 1e-4,
      min: 1e-7,
      max: 10,
      doc: 'Adam learning rate of the self-labeling stage (the official one)',
    },
    threshold: SELFLABEL_THRESHOLD,
    noise: {
      type: 'number',
      default: 0.25,
      min: 0,
      max: 4,
      unit: "of the unit embedding's length",
      doc: 'self-labeling\'s "strong view": Gaussian noise of this length added to the unit embedding, then renormalised',
      paper: {
        value: 'RandAugment on images',
        why: 'an embedding cannot be re-augmented (README: embedding methods)',
      },
    },
  },
  stages: [
    { phase: 'heads', name: 'heads' },
    { phase: 'selflabel', name: 'self-labeling' },
  ],
  terms: SCAN_TERMS,
  metrics: { ...SCAN_METRICS, miningSeconds: { label: 'Neighbour mining (s)' } },
  warnings: SELFLABEL_WARNINGS,
} as const satisfies MethodSpec;
