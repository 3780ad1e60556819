import type { MethodSpec, SeriesSpec, SettingSpec, StageWarning } from './spec.js';

const STAGE_SHARE = 'a share of --epochs among the stages not given (pretext 5 : SCAN 9 : self-labeling 1)';

/** The columns of SCAN's head selection (the official scan_evaluate) and self-labeling, scanhead's too. */
export const SCAN_METRICS = {
  evalLoss: { label: 'Evaluation score of the best head' },
  evalConsistency: { label: 'Evaluation consistency' },
  evalEntropy: { label: 'Evaluation entropy' },
  evalHead: { label: 'Best head this epoch (index)', kind: 'index' },
  keptHead: { label: 'Kept head (index)', kind: 'index' },
  keptEpoch: { label: 'Kept epoch', kind: 'index' },
  keptLoss: { label: 'Kept evaluation score' },
  confidentFraction: { label: 'Confident images (fraction)', kind: 'fraction' },
  neighbourAgreement: { label: 'Neighbours of the same class (fraction)', kind: 'fraction' },
} as const satisfies Record<string, SeriesSpec>;

/** The SCAN loss's terms (scanhead's too). */
export const SCAN_TERMS = {
  consistency: 'Consistency loss',
  entropy: 'Entropy term',
  crossEntropy: 'Self-labeling loss',
};

/** Self-labeling that found no image above the threshold trained nothing. */
export const SELFLABEL_WARNINGS: readonly StageWarning[] = [
  {
    phase: 'selflabel',
    column: 'confidentFraction',
    equals: 0,
    says: 'self-labeling found no confident image, so it did not train (lower its confidence threshold)',
  },
];

/**
 * SCAN (Van Gansbeke et al., ECCV 2020): the official CIFAR configs (simclr_cifar10, scan_cifar10,
 * selflabel_cifar10) where a CPU affords them; `paper` says where and why we depart.
 */
/** The SCAN loss's entropy weight (the official 5), shared by the methods with the loss. */
export const SCAN_ENTROPY_WEIGHT = {
  type: 'number',
  default: 5,
  min: 0,
  max: 100,
  doc: 'lambda: weight of the entropy of the mean prediction in the SCAN loss',
} as const satisfies SettingSpec;

/** Self-labeling's confidence threshold (the official 0.99), shared by the methods with the stage. */
export const SELFLABEL_THRESHOLD = {
  type: 'number',
  default: 0.99,
  min: 0,
  max: 1,
  unit: 'probability',
  doc: 'self-labeling: confidence above which an image becomes pseudo-labelled',
} as const satisfies SettingSpec;

export const SCAN_SPEC = {
  name: 'scan',
  label: 'SCAN',
  description: 'Self-supervised pretext, then nearest-neighbour consistency, then self-labeling',
  // learningRate is the self-labeling stage's (official Adam 1e-4); the other stages have their own.
  defaults: { epochs: 18, batchSize: 256, learningRate: 1e-4 },
  settings: {
    stages: {
      type: 'choice',
      default: 'pretext,scan,selflabel',
      choices: ['pretext', 'pretext,scan', 'pretext,scan,selflabel'],
      doc: 'the stages to train (--stages): stop after the pretext or the SCAN stage, and resume later',
    },
    pretextEpochs: {
      type: 'integer',
      default: 6,
      min: 0,
      max: 100_000,
      unit: 'epochs',
      doc: 'length of the SimCLR pretext stage',
      derived: STAGE_SHARE,
      paper: { value: 500, why: 'CPU budget' },
    },
    scanEpochs: {
      type: 'integer',
      default: 10,
      min: 0,
      max: 100_000,
      unit: 'epochs',
      doc: 'length of the SCAN (neighbour consistency) stage',
      derived: STAGE_SHARE,
      paper: { value: 50, why: 'CPU budget (README: departures)' },
    },
    selflabelEpochs: {
      type: 'integer',
      default: 2,
      min: 0,
      max: 100_000,
      unit: 'epochs',
      doc: 'length of the self-labeling stage',
      derived: STAGE_SHARE,
      paper: { value: 200, why: 'gains in the first epochs, then drifts down (README: departures)' },
    },
    pretextLr: {
      type: 'number',
      default: 3e-4,
      min: 1e-7,
      max: 10,
      doc: 'Adam learning rate of the pretext stage',
      paper: { value: 0.4, why: 'SGD with a 500-epoch cosine; Adam on a CPU budget' },
    },
    scanLr: {
      type: 'number',
      default: 1e-3,
      min: 1e-7,
      max: 10,
      doc: 'Adam learning rate of the SCAN stage',
      paper: { value: 1e-4, why: 'the heads stay near uniform for the steps a CPU run affords' },
    },
    schedule: {
      type: 'choice',
      default: 'constant',
      choices: ['constant', 'cosine'],
      doc: "the pretext's learning rate over its stage (the other stages keep theirs constant)",
      paper: { value: 'cosine', why: 'with SGD 0.4 over 500 epochs' },
    },
    jitter: {
      type: 'number',
      default: 1,
      min: 0,
      max: 2.5,
      doc: 'pretext colour jitter strength s: brightness, contrast, saturation 0.8s, hue 0.2s',
      paper: { value: 0.5, why: 'grey levels split the clusters (README: departures)' },
    },
    weightDecay: {
      type: 'number',
      default: 1e-4,
      min: 0,
      max: 1,
      doc: 'L2 weight decay of every stage (the pretext too, as simclr_cifar10)',
    },
    neighbours: {
      type: 'integer',
      default: 20,
      min: 1,
      doc: 'nearest neighbours mined per image (cosine similarity)',
    },
    mineOn: {
      type: 'choice',
      default: 'backbone',
      choices: ['backbone', 'projection'],
      doc: "features the neighbours are mined on: the backbone's (the paper) or the projection head's",
      paper: {
        value: 'projection',
        why: "the official code's; backbone: ACC .646 against .612 on the test split (a tuning split) (README: departures)",
      },
    },
    heads: {
      type: 'integer',
      default: 10,
      min: 1,
      max: 100,
      doc: 'clustering heads trained side by side; the head and epoch with the lowest evaluation score are kept',
      paper: {
        value: 1,
        why: 'the CIFAR configs (10: ImageNet); dev split ACC .606 with 1, .737 with 10 (README: departures)',
      },
    },
    entropyWeight: SCAN_ENTROPY_WEIGHT,
    headOnly: {
      type: 'boolean',
      default: false,
      doc: 'SCAN stage trains the heads on a frozen backbone (the ImageNet configs), not the whole network',
    },
    scanBatch: {
      type: 'integer',
      default: 128,
      min: 1,
      max: 65_536,
      unit: 'images',
      doc: 'batch size of the SCAN stage',
    },
    scanOps: {
      type: 'integer',
      default: 0,
      min: 0,
      max: 16,
      unit: 'ops',
      doc: 'strong augmentation ops per image in the SCAN stage (besides flip and Cutout)',
      paper: {
        value: 4,
        why: '28 px grey: ACC .684 with none, .646 with 4 on the test split (a tuning split) (README: departures)',
      },
    },
    threshold: SELFLABEL_THRESHOLD,
    strongOps: {
      type: 'integer',
      default: 4,
      min: 0,
      max: 16,
      unit: 'ops',
      doc: 'self-labeling: RandAugment-like ops per image (plus Cutout)',
    },
    selflabelBatch: {
      type: 'integer',
      default: 256,
      min: 1,
      max: 65_536,
      unit: 'images',
      doc: 'batch size of the self-labeling stage',
      paper: { value: 1000, why: 'CPU budget' },
    },
  },
  stages: [
    { phase: 'pretext', name: 'pretext' },
    { phase: 'scan', name: 'SCAN' },
    { phase: 'selflabel', name: 'self-labeling' },
  ],
  terms: { instance: 'Instance loss', ...SCAN_TERMS },
  metrics: SCAN_METRICS,
  warnings: SELFLABEL_WARNINGS,
  corrections: { where: 'self-labeling', stage: 'selflabel', epochsSetting: 'selflabelEpochs' },
} as const satisfies MethodSpec;
