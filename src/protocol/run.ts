/**
 * The run folder's files as types: written by the trainer, read by the extension host and shown
 * by the webviews. One definition so the three sides cannot drift apart.
 */

import type { MethodName } from '../common/methods/index.js';
import type { BackboneName, BackendChoice, BackendName, RunFieldValues } from '../common/runFields.js';

export type { BackboneName, BackendChoice, BackendName, MethodName };
/** Every status run.json may hold. The trainer writes all but interrupted, which readers derive (src/common/runLock.ts) and older hosts wrote. */
export const RUN_STATUSES = ['running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Every hyperparameter of a run; run.json keeps it so a run can be resumed or repeated. The run
 * fields (clusters, epochs, imageSize, channels, backbone, batchSize, seed, backend, learningRate,
 * evalEvery) and their types, defaults, ranges and docs are src/common/runFields.ts.
 */
export interface TrainConfig extends RunFieldValues {
  method: MethodName;
  data: string;
  /** Method-specific settings (temperatures, stages, ...). */
  params: Record<string, number | string | boolean>;
  /** A feature model file (absolute: .onnx or a TF.js model.json) whose embeddings an embedding method clusters. */
  features?: string;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface BackendRecord {
  name: BackendName;
  threads: number;
  skipped: { name: BackendName; reason: string }[];
}

export interface RunJson {
  format: 'clusterlab-run';
  version: 1;
  id: string;
  method: MethodName;
  config: TrainConfig;
  dataset: {
    root: string;
    images: number;
    classes: string[];
    superClasses: string[];
    /** Per class, the index of its super-class in superClasses (-1: none); absent in older runs. */
    superOfClass?: number[];
  };
  backend: BackendRecord;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  /** Last finished epoch (0 before the first). */
  epoch: number;
  error?: string;
  /** Image files that could not be decoded, kept when the run failed on its data (no summary.json then). */
  skipped?: Skipped[];
  /** The experiment file (absolute) and its run this folder was trained for. */
  experiment?: ExperimentRef;
}

export interface ExperimentRef {
  file: string;
  entry: string;
}

export interface Scores {
  acc: number;
  nmi: number;
  ari: number;
}

/** How an ACC was obtained: one-to-one (Hungarian) matching, or majority vote when k != #classes. */
export type AccKind = 'hungarian' | 'purity';

export interface SuperScores extends Scores {
  accKind: AccKind;
}

/** One line of metrics.jsonl. */
export interface MetricsRow {
  epoch: number;
  phase: string;
  loss: number;
  /** Named loss terms, e.g. instance / cluster / entropy. */
  terms: Record<string, number>;
  imgPerSec: number;
  seconds: number;
  acc?: number;
  nmi?: number;
  ari?: number;
  superAcc?: number;
  superNmi?: number;
  superAri?: number;
  /** Label-free scores of eval rows (see LabelFree). */
  confidence?: number;
  balance?: number;
  knnConsistency?: number;
  silhouette?: number;
  [extra: string]: unknown;
}

export interface SummaryJson extends Partial<Scores> {
  /** Majority-vote purity: the accuracy that fits when k exceeds the number of classes. */
  purity?: number;
  k: number;
  n: number;
  epochs: number;
  seconds: number;
  backend: BackendName;
  /** Super-class scores, when the dataset has super-classes. */
  super?: SuperScores;
  /** Cluster sizes, index = cluster id. */
  sizes: number[];
  skipped: Skipped[];
  /** The baseline on the same images (labelled data only): k-means on their raw pixels. */
  pixelKmeans?: Scores;
  labelFree?: LabelFree;
  /** Pairs of clusters to merge (a < b), best first: how often their images are each other's nearest neighbours. */
  mergeCandidates?: MergeCandidate[];
  /** The epoch whose model and clusters the run reports, for a method that picks one (DeepCluster). */
  kept?: KeptEpoch;
}

/** Which epoch a run reports and why: the rule (a method setting) and what it read, no labels. */
export interface KeptEpoch {
  epoch: number;
  /** The setting's value, e.g. `last`. */
  rule: string;
  /** The reason in words, e.g. "highest NMI to the pseudo-labels it trained on (0.912; the last epoch's 0.874)". */
  why: string;
}

/** Scores that need no labels, from the run's saved features and probabilities. */
export interface LabelFree {
  /** Mean top cluster probability. */
  confidence: number;
  /** Per cluster, the mean top probability of its members. */
  clusterConfidence: number[];
  /** Normalised entropy of the cluster sizes (1: all equal). */
  balance: number;
  /** Share of each image's 10 nearest neighbours (cosine) in its cluster. */
  knnConsistency: number;
  /** Mean silhouette on cosine distance. */
  silhouette: number;
  /** How many images the silhouette was computed on. */
  silhouetteSample: number;
}

export interface MergeCandidate {
  a: number;
  b: number;
  score: number;
  count: number;
}

/** One row of assignments.csv. */
export interface Assignment {
  path: string;
  cluster: number;
  confidence: number;
  label?: string;
}
