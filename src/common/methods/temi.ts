import type { MethodSpec } from './spec.js';

/**
 * TEMI (Adaloglou et al., "Exploring the limits of deep image clustering using pretrained models",
 * BMVC 2023): teacher-student head ensemble on frozen embeddings trained with the weighted beta-PMI
 * between an image and one of its mined neighbours. The official code's values where it differs
 * from the paper; `paper` says where and why we depart.
 */
export const TEMI_SPEC = {
  name: 'temi',
  label: 'TEMI',
  description:
    'Teacher-student head ensemble on frozen embeddings, trained with the PMI between an image and its neighbours',
  input: 'embeddings',
  paper:
    'Adaloglou et al., Exploring the Limits of Deep Image Clustering using Pretrained Models (BMVC 2023)',
  // Official: AdamW 1e-4 per 256 images (4e-4 at its batch 1024) for 100 epochs; a CPU run is tens of epochs.
  defaults: { epochs: 20, batchSize: 256, learningRate: 1e-3 },
  settings: {
    heads: {
      type: 'integer',
      default: 8,
      min: 1,
      max: 100,
      doc: 'heads trained side by side; the one with the lowest mean training loss over the last epoch predicts (the official rule)',
      paper: { value: 50, why: 'CPU budget; the official README runs 16 (README: embedding methods)' },
    },
    neighbours: {
      type: 'integer',
      default: 25,
      min: 1,
      max: 200,
      doc: 'nearest neighbours mined per image; each step pairs an image with one of them',
    },
    beta: {
      type: 'number',
      default: 0.6,
      min: 0.01,
      max: 1,
      doc: 'beta of the PMI: log sum_c (q_s q_t)^beta / p_c (1: plain PMI, which collapses)',
    },
    hidden: {
      type: 'integer',
      default: 256,
      min: 8,
      max: 4096,
      unit: 'units',
      doc: "hidden layer of each head's MLP",
      paper: { value: 512, why: 'CPU budget' },
    },
    bottleneck: {
      type: 'integer',
      default: 128,
      min: 4,
      max: 4096,
      unit: 'dims',
      doc: "each head's bottleneck, L2-normalised before the weight-normalised last layer",
      paper: { value: 256, why: 'CPU budget' },
    },
    temperature: {
      type: 'number',
      default: 0.1,
      min: 0.01,
      max: 10,
      doc: 'softmax temperature of student and teacher (the official 0.1 for both)',
    },
    teacherMomentum: {
      type: 'number',
      default: 0.99,
      min: 0,
      max: 1,
      doc: 'EMA momentum of the teacher heads after each step',
      paper: {
        value: 0.996,
        why: 'a CPU run is hundreds of steps, not thousands: the teacher would lag (README: embedding methods)',
      },
    },
    probsMomentum: {
      type: 'number',
      default: 0.9,
      min: 0,
      max: 1,
      doc: "EMA momentum of each head's cluster marginal p_c",
    },
    weightDecay: {
      type: 'number',
      default: 1e-4,
      min: 0,
      max: 1,
      doc: 'L2 weight decay of the student heads',
      paper: { value: 'AdamW 1e-4', why: 'L2 in the loss, as our other methods' },
    },
  },
  terms: { pmi: 'PMI loss' },
  metrics: {
    neighbourAgreement: { label: 'Neighbours of the same class (fraction)', kind: 'fraction' },
    miningSeconds: { label: 'Neighbour mining (s)' },
    selectedHead: { label: 'Selected head (index)', kind: 'index' },
    selectedLoss: { label: "Selected head's loss" },
  },
} as const satisfies MethodSpec;
